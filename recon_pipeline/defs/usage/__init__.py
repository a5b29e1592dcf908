"""The usage source system: its raw-zone extraction assets."""
