"""The sources directory as delivered: what each source system exported for a cycle."""
