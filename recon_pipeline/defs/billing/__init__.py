"""The billing source system: its raw-zone extraction assets."""
