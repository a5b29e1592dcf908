"""The crm source system: its raw-zone extraction assets."""
