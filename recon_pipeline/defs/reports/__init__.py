"""Reports of a close cycle and the exception ledger."""
