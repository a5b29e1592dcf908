"""The payments source system: its raw-zone extraction assets."""
