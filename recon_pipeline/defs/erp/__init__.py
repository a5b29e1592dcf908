"""The erp source system: its raw-zone extraction assets."""
