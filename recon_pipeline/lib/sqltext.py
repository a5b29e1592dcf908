"""SQL text: quoted identifiers and string literals, written once for every module that builds
SQL (extraction, the quality stage, the PostgreSQL loader, the marts' readers).

Both follow the SQL standard, which DuckDB, PostgreSQL and SQLite share: an identifier in double
quotes with embedded double quotes doubled, a string literal in single quotes with embedded
single quotes doubled."""

from __future__ import annotations


def quote_ident(name: str) -> str:
    """``name`` as a quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """``text`` as a SQL string literal."""
    return "'" + text.replace("'", "''") + "'"
