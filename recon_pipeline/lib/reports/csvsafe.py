"""CSV that a spreadsheet opens without running anything: every CSV the project writes uses it.

OWASP's rule against CSV (formula) injection: every cell is quoted, and a text cell that starts
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading single quote, so a
spreadsheet shows it as text instead of evaluating it. Numbers stay numbers: an ``int``, a
``float`` or a ``Decimal``, and text that is a plain decimal number (``-12.50``, ``3``,
``1e-5``, as the money columns are written) are written unchanged. ``None`` is an empty cell.
Parquet files keep the values as they are.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import IO, Any

#: The first characters a spreadsheet takes as the start of a formula (OWASP).
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def is_number_text(text: str) -> bool:
    """Whether ``text`` is a plain decimal number (which a spreadsheet reads as a number)."""
    return _NUMBER.fullmatch(text) is not None


def cell(value: Any) -> str:
    """The text of one cell, neutralised if it is text a spreadsheet would take for a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    if text.startswith(TRIGGERS) and not is_number_text(text):
        return "'" + text
    return text


class Writer:
    """``csv.writer`` with every cell quoted and formula-like text neutralised."""

    def __init__(self, stream: IO[str]) -> None:
        self._out = csv.writer(stream, lineterminator="\n", quoting=csv.QUOTE_ALL)

    def writerow(self, row: Iterable[Any]) -> None:
        """Write one row."""
        self._out.writerow([cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        """Write the rows."""
        for row in rows:
            self.writerow(row)


def writer(stream: IO[str]) -> Writer:
    """A safe CSV writer on a text stream opened with ``newline=""``."""
    return Writer(stream)


def dumps(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> bytes:
    """The UTF-8 bytes of a safe CSV with ``header`` and ``rows``."""
    buffer = io.StringIO()
    out = Writer(buffer)
    out.writerow(header)
    out.writerows(rows)
    return buffer.getvalue().encode("utf-8")
