"""The one exception extraction raises for a problem the user must fix."""

from __future__ import annotations


class SourceError(Exception):
    """A sources directory, file or ERP cannot be read.

    The message says, in one line, what is wrong and what to do; the CLI prints it without a
    traceback. A single unreadable *row* is never a SourceError: it goes to quarantine.
    """
