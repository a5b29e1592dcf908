"""Tables of text cells (CSV files, ERP rows read as text) checked and typed with DuckDB SQL.

CSV rows are split by Python's ``csv`` module (quoted commas and newlines, a row's physical
start line), in batches; typing and checks run in DuckDB, a batch at a time. The CSV files are
small next to the JSON exports (one row per customer or rate), so this is not the hot path.
"""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import duckdb
import pyarrow as pa

from recon_pipeline.lib.extract.errors import SourceError
from recon_pipeline.lib.extract.schemas import QUARANTINE, SCHEMAS
from recon_pipeline.lib.sqltext import quote_ident, quote_literal

TextKind = Literal["str", "cur", "int", "date", "dec", "money", "period"]
BATCH_ROWS = 100_000

_TYPED = {
    "str": "txt({x})", "cur": "txt({x})",
    "int": "CASE WHEN regexp_full_match(trim({x}), '-?[0-9]{{1,18}}') "
           "THEN CAST(trim({x}) AS BIGINT) END",
    "date": "CASE WHEN regexp_full_match(trim({x}), '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}') "
            "THEN TRY_CAST(trim({x}) AS DATE) END",
    "dec": "to_dec(txt({x}))",
    "money": "CASE WHEN regexp_full_match({x}, '\\s*[+-]?0*([0-9]{{1,15}}(\\.[0-9]{{0,3}}0*)?"
             "|\\.[0-9]{{1,3}}0*)\\s*') THEN TRY_CAST(trim({x}) AS DECIMAL(18, 3)) END",
    "period": "CASE WHEN regexp_full_match(trim({x}), '[0-9]{{4}}-(0[1-9]|1[0-2])') "
              "THEN trim({x}) END",
}
_WHAT = {"int": "an integer", "date": "a date (YYYY-MM-DD)", "dec": "an exact decimal",
         "money": "an amount with at most 3 decimals", "period": "a period (YYYY-MM)"}


@dataclass(frozen=True)
class Col:
    """An output column read from the text cell ``column``."""

    name: str
    kind: TextKind
    column: str
    required: bool = False


@dataclass(frozen=True)
class TextSpec:
    """A table of text cells: where it lands and how each column is typed and checked."""

    source: str
    table: str
    cols: tuple[Col, ...]

    @property
    def columns(self) -> list[str]:
        """Source column names, in order, without repeats."""
        return list(dict.fromkeys(c.column for c in self.cols))

    def sql(self, relation: str, record: str = "record", invalid: bool = False
            ) -> tuple[str, str]:
        """(SELECT of loaded rows, SELECT of quarantined rows) over ``relation``, which has the
        text columns and ``_line``; ``record`` is SQL of a row's text, ``$1`` is the file and
        ``$2`` the source. ``invalid``: ``relation`` also has ``_invalid``, a reason found
        before SQL (a cell that was not UTF-8), which quarantines its row first."""
        typed = [f"{_TYPED[c.kind].format(x=quote_ident(c.column))} AS v_{c.name}"
                 for c in self.cols]
        pairs: list[tuple[str, str]] = [("_invalid IS NOT NULL", "_invalid")] if invalid else []
        for c in self.cols:
            if c.kind in _WHAT:
                text = f"txt({quote_ident(c.column)})"
                why = f"'bad value: {c.column} ' || {text} || ' is not {_WHAT[c.kind]}'"
                pairs.append((f"{text} IS NOT NULL AND v_{c.name} IS NULL", why))
        pairs += [(f"v_{c.name} IS NULL", quote_literal(f"missing key field: {c.column}"))
                  for c in self.cols if c.required]
        pairs += [(f"NOT known_currency(v_{c.name})", f"'unknown currency: ' || v_{c.name}")
                  for c in self.cols if c.kind == "cur"]
        # Money carries at most its currency's decimals: 0 for JPY, 2 for USD, 3 for KWD.
        currency = next((c for c in self.cols if c.kind == "cur"), None)
        if currency is not None:
            cur = f"v_{currency.name}"
            pairs += [(f"NOT money_fits(v_{c.name}, {cur})",
                       f"'bad value: {c.column} ' || txt({quote_ident(c.column)}) || ' has more "
                       f"decimals than ' || upper({cur}) || ' has (' || "
                       f"currency_exponent({cur}) || ')'")
                      for c in self.cols if c.kind == "money"]
        reason = "CASE " + " ".join(f"WHEN {a} THEN {b}" for a, b in pairs) + " END" \
            if pairs else "NULL"
        inner = f"SELECT *, {', '.join(typed)} FROM {relation}"
        with_reason = f"SELECT *, {reason} AS reason FROM ({inner})"
        names = ", ".join(f"v_{c.name} AS {c.name}" for c in self.cols)
        loaded = f"SELECT {names}, $1 AS _file, _line FROM ({with_reason}) " \
                 "WHERE reason IS NULL ORDER BY _line"
        bad = f"SELECT $2 AS source, $1 AS file, _line AS line, {record} AS record, reason " \
              f"FROM ({with_reason}) WHERE reason IS NOT NULL ORDER BY _line"
        return loaded, bad


def check_batch(con: duckdb.DuckDBPyConnection, spec: TextSpec, batch: pa.Table, rel: str,
                record: str = "record") -> tuple[pa.Table, pa.Table]:
    """(loaded rows in the raw-zone schema, quarantine rows) of one batch of text rows."""
    from recon_pipeline.lib.extract.jsonl import conform

    con.register("batch", batch)
    try:
        loaded_sql, bad_sql = spec.sql("batch", record, "_invalid" in batch.column_names)
        loaded = con.sql(loaded_sql, params=[rel]).to_arrow_table()
        bad = con.sql(bad_sql, params=[rel, spec.source]).to_arrow_table()
    finally:
        con.unregister("batch")
    return conform(loaded, SCHEMAS[(spec.source, spec.table)]), bad.cast(QUARANTINE)


#: The reason of a multi-line row's first line when the row is malformed.
_UNTERMINATED = "bad CSV: unterminated quote: the quoted cell opened on this line runs to " \
                "line {end} and that record is malformed ({why}); the lines after this one " \
                "are read again on their own"

#: The reason of a one-line row whose quoted cell is still open at the end of the file.
_NEVER_CLOSES = "bad CSV: unterminated quote: the quoted cell opened on this line never " \
                "closes (the file ends first)"

#: Checks well-formed rows of several lines (a batch of text cells): the reason of each
#: failing one by its line.
Check = Callable[[pa.Table], "dict[int, str]"]


@dataclass
class CsvBatch:
    """Rows of a CSV file: well-formed rows as text cells, and rows that are not."""

    rows: pa.Table
    bad: list[tuple[int, str, str]]


class _Lines:
    """The lines of a text file, remembering those a CSV row was read from and their numbers.

    ``first`` is the 1-based number of the first line of ``taken``. Lines handed back with
    :meth:`replay` are read again before the rest of the file.
    """

    def __init__(self, handle: Iterator[str]) -> None:
        self._handle = handle
        self._replay: deque[str] = deque()
        self._next = 1
        self.first = 1
        self.taken: list[str] = []
        self.eof = False
        self.log: list[str] | None = None  # every line read from line ``log_base`` on
        self.log_base = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self._replay:
            line = self._replay.popleft()
        else:
            try:
                line = next(self._handle)
            except StopIteration:
                self.eof = True
                raise
        self._next += 1
        self.taken.append(line)
        if self.log is not None:
            self.log.append(line)
        return line

    def start(self) -> None:
        """Start a new row: forget the lines taken so far."""
        self.taken.clear()
        self.first = self._next

    def replay(self) -> None:
        """Read the taken lines after the first one again (the first is given up)."""
        if self.log is not None and len(self.taken) > 1:
            del self.log[1 - len(self.taken):]
        self._replay.extendleft(reversed(self.taken[1:]))
        self._next = self.first + 1

    def keep(self) -> None:
        """Keep every line from the first taken one on, to :meth:`rewind` to."""
        self.log, self.log_base = list(self.taken), self.first

    def line(self, number: int) -> str:
        """A kept line."""
        assert self.log is not None
        return self.log[number - self.log_base]

    def rewind(self, number: int) -> None:
        """Read the kept lines again from line ``number`` on; stop keeping lines."""
        assert self.log is not None
        self._replay.extendleft(reversed(self.log[number - self.log_base:]))
        self._next = number
        self.forget()

    def forget(self) -> None:
        """Stop keeping lines."""
        self.log = None


def iter_csv(path: Path, rel: str, columns: list[str], batch_rows: int = BATCH_ROWS,
             check: Check | None = None) -> Iterator[CsvBatch]:
    """Yield batches of a UTF-8 CSV file with a header; each row knows its start line.

    A row whose quoted cell spans several physical lines is kept when it is well-formed; when
    it is not (a quote that never closes or closes mid-cell, a wrong column count, invalid
    UTF-8, or a reason from ``check``), only its first physical line is quarantined
    ("unterminated quote") and reading resumes at the next physical line, so the rows it would
    have swallowed are read on their own. ``check`` sees such rows a group at a time (a batch
    of their text cells; the group doubles while they pass); the lines read after a failing
    one are kept until then and read again. Files without quoted line breaks take none of this.

    Raises:
        SourceError: the file cannot be read or its header lacks one of ``columns``.
    """
    try:
        with open(path, encoding="utf-8", errors="surrogateescape", newline="") as handle:
            yield from _csv_batches(handle, rel, columns, batch_rows, check)
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror}; check the file") from None


def _csv_batches(handle: Iterator[str], rel: str, columns: list[str], batch_rows: int,
                 check: Check | None = None) -> Iterator[CsvBatch]:
    lines = _Lines(handle)
    reader = csv.reader(lines)
    header = [h.strip() for h in next(reader, [])]
    if header:
        header[0] = header[0].removeprefix("\ufeff")
    missing = [c for c in columns if c not in header]
    if missing:
        raise SourceError(f"{rel} lacks the columns {', '.join(missing)} in its header: "
                          "export it with the columns docs/sources.md names")
    where = [header.index(c) for c in columns]
    out = _Rows(columns)
    # Well-formed rows of several lines not yet checked (their values are checked by ``check``
    # a few at a time): (start line, end line, rows loaded before, rows quarantined before).
    pending: list[tuple[int, int, int, int]] = []
    limit = 1  # pending rows checked together: doubles up to 1024
    # What ``check`` said of rows already checked once, by (start line, end line): rows read
    # again after a rewind are not checked again.
    verdicts: dict[tuple[int, int], str | None] = {}
    while True:
        lines.start()
        try:
            row = next(reader)
        except StopIteration:
            if pending:
                limit = _settle(out, pending, lines, check, limit, verdicts)
                continue
            break
        except csv.Error as exc:
            if len(lines.taken) > 1:
                end = lines.first + len(lines.taken) - 1
                out.bad.append((lines.first, _text(lines.taken[:1]),
                                _UNTERMINATED.format(end=end, why=exc)))
                lines.replay()
            elif lines.taken:
                out.bad.append((lines.first, _text(lines.taken), f"bad CSV: {exc}"))
            continue
        start = lines.first
        if not row:
            continue
        why = _why(lines, row, len(header))
        end = start + len(lines.taken) - 1
        unchecked = why is None and end > start and check is not None
        if unchecked and (start, end) in verdicts:
            why, unchecked = verdicts.pop((start, end)), False
        if why is not None and end > start:
            out.bad.append((start, _text(lines.taken[:1]),
                            _UNTERMINATED.format(end=end, why=why)))
            lines.replay()
        elif why is not None:
            out.bad.append((start, _text(lines.taken), why))
        else:
            if unchecked:
                if not pending:
                    lines.keep()
                pending.append((start, end, len(out.numbers), len(out.bad)))
            for target, index in zip(out.cells, where, strict=True):
                target.append(row[index])
            out.numbers.append(start)
            out.records.append(_text(lines.taken))
        full = len(out.numbers) + len(out.bad) >= batch_rows
        if pending and (full or len(pending) >= limit):
            limit = _settle(out, pending, lines, check, limit, verdicts)
            full = len(out.numbers) + len(out.bad) >= batch_rows
        if full and not pending:
            yield out.batch()
            out = _Rows(columns)
    yield out.batch()


class _Rows:
    """The rows of a batch being read: text cells of good rows, and quarantined rows."""

    def __init__(self, columns: list[str]) -> None:
        self.columns = columns
        self.cells: list[list[str]] = [[] for _ in columns]
        self.numbers: list[int] = []
        self.records: list[str] = []
        self.bad: list[tuple[int, str, str]] = []

    def batch(self, rows: list[int] | None = None) -> CsvBatch:
        """The batch; only the good rows at ``rows`` (indices) when given, none bad."""
        if rows is None:
            return _batch(self.columns, self.cells, self.numbers, self.records, self.bad)
        return _batch(self.columns, [[c[i] for i in rows] for c in self.cells],
                      [self.numbers[i] for i in rows], [self.records[i] for i in rows], [])

    def truncate(self, good: int, bad: int) -> None:
        """Forget the rows read after the first ``good`` good and ``bad`` bad ones."""
        for column in self.cells:
            del column[good:]
        del self.numbers[good:], self.records[good:], self.bad[bad:]


def _settle(out: _Rows, pending: list[tuple[int, int, int, int]], lines: _Lines,
            check: Check | None, limit: int, verdicts: dict[tuple[int, int], str | None]
            ) -> int:
    """Check the pending rows of several lines; when one fails, quarantine its first line and
    read again from the next one (the rows read after it are forgotten, their verdicts kept
    in ``verdicts``). The next limit."""
    assert check is not None
    failed = check(out.batch([p[2] for p in pending]).rows)
    first = next((p for p in pending if p[0] in failed), None)
    limit = min(limit * 2, 1024)
    for key in [k for k in verdicts if k[0] < pending[0][0]]:
        del verdicts[key]  # behind the reading, never read again
    if first is None:
        pending.clear()
        lines.forget()
        return limit
    verdicts.update(((p[0], p[1]), failed.get(p[0])) for p in pending if p[0] > first[0])
    start, end, good, bad = first
    out.truncate(good, bad)
    out.bad.append((start, _text([lines.line(start)]),
                    _UNTERMINATED.format(end=end, why=failed[start])))
    lines.rewind(start + 1)
    pending.clear()
    return limit


def _why(lines: _Lines, row: list[str], width: int) -> str | None:
    """Why the row just read from ``lines`` is malformed, or None. The quotes of a row of
    several lines, or of the file's last line, are checked first: they explain the rest."""
    taken = lines.taken
    if len(taken) > 1:
        why = _multiline(taken, row)
        if why is not None:
            return why
    elif lines.eof and '"' in taken[0] and _open_at_end(taken):
        return _NEVER_CLOSES
    if len(row) != width:
        return f"wrong CSV column count: {len(row)} columns, header has {width}"
    if not _utf8(taken):
        return "invalid UTF-8"
    return None


def _open_at_end(taken: list[str]) -> bool:
    """Whether the lines, read as CSV, end inside a quoted cell (its quote never closes).

    A lenient reader takes the end of the file as the end of such a cell; two more lines
    show it: a closed row ends and the marker reads as a row of its own, an open cell takes
    them in.
    """
    *_, last = csv.reader([*taken, "\n", _MARK + "\n"])
    return last != [_MARK]


_MARK = "recon end of file"


def _multiline(taken: list[str], row: list[str]) -> str | None:
    """Why a row read from several lines is not well-formed CSV, or None.

    Read leniently, a quote closing mid-cell (``"Acme`` followed, lines later, by
    ``acc_3,"Acme``) still makes a row; read strictly, it is an error, as is a quote still
    open at the end of the file.
    """
    try:
        rows = list(csv.reader(taken, strict=True))
    except csv.Error as exc:
        return str(exc)
    if rows != [row]:
        return "it does not read as one CSV row"
    return None


def _utf8(taken: list[str]) -> bool:
    """Whether the lines were valid UTF-8 (undecodable bytes became lone surrogates)."""
    try:
        for line in taken:
            if not line.isascii():
                line.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _text(taken: list[str]) -> str:
    raw = "".join(taken).rstrip("\r\n")
    return raw.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _batch(columns: list[str], cells: list[list[str]], numbers: list[int], records: list[str],
           bad: list[tuple[int, str, str]]) -> CsvBatch:
    data = {name: pa.array(values, pa.string()) for name, values in zip(columns, cells,
                                                                        strict=True)}
    data["_line"] = pa.array(numbers, pa.int64())
    data["record"] = pa.array(records, pa.string())
    return CsvBatch(pa.table(data), bad)


def csv_quarantine(source: str, rel: str, bad: list[tuple[int, str, str]]) -> pa.Table:
    """Quarantine rows of CSV rows that could not even be split into cells."""
    return pa.table({
        "source": [source] * len(bad), "file": [rel] * len(bad),
        "line": [b[0] for b in bad], "record": [b[1] for b in bad],
        "reason": [b[2] for b in bad]}, schema=QUARANTINE)
