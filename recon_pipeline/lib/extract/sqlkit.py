"""A DuckDB connection with the SQL macros that turn JSON leaves into typed, checked values.

Objects are parsed once per record with ``from_json`` into a struct whose leaves are JSON
texts (``'"abc"'``, ``'12'``, ``'true'``, ``'{...}'``); the macros below test a leaf's JSON
type and convert it, so a wrong type is seen, not silently cast.

JSON numbers that must stay exact (``data.value``, ``percent_off``) are rewritten to marked
strings before parsing (:func:`mark_numbers`), because a JSON parser turns them into binary
doubles. ``\\u0001`` marks them, so a real string in that place is still a wrong type.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from recon_pipeline.lib.memory import duckdb_memory_limit
from recon_pipeline.lib.money import KNOWN_CURRENCIES, THREE_DECIMAL, ZERO_DECIMAL
from recon_pipeline.lib.sqltext import quote_literal

#: Exact decimals of the raw zone: DECIMAL(38, 12).
DEC_PRECISION, DEC_SCALE = 38, 12
_CURRENCIES = "|".join(sorted(KNOWN_CURRENCIES))
_ZERO = "|".join(sorted(ZERO_DECIMAL))
_THREE = "|".join(sorted(THREE_DECIMAL))

_INT_DIGITS = DEC_PRECISION - DEC_SCALE
#: A plain decimal that DECIMAL(38, 12) holds exactly (trailing zeros aside).
_PLAIN = (rf"\s*[+-]?0*([0-9]{{1,{_INT_DIGITS}}}(\.[0-9]{{0,{DEC_SCALE}}}0*)?"
          rf"|\.[0-9]{{1,{DEC_SCALE}}}0*)\s*")
#: RFC 3339 date-time with an offset.
_RFC3339 = (r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?"
            r"([Zz]|[+-][0-9]{2}:[0-9]{2})")

_MACROS = rf"""
CREATE OR REPLACE MACRO jtxt(x) AS CASE WHEN starts_with(x, '"') THEN
    CASE WHEN contains(x, '\') THEN json_extract_string(x, '$') ELSE x[2:-2] END END;
CREATE OR REPLACE MACRO jkind(x) AS CASE left(x, 1) WHEN '"' THEN 'a string'
    WHEN '{{' THEN 'an object' WHEN '[' THEN 'an array' WHEN 't' THEN 'a boolean'
    WHEN 'f' THEN 'a boolean' ELSE 'a number' END;
CREATE OR REPLACE MACRO jtxt_ok(x) AS x IS NULL OR starts_with(x, '"');
CREATE OR REPLACE MACRO jref(x) AS CASE WHEN starts_with(x, '"') THEN jtxt(x)
    WHEN starts_with(x, '{{') THEN json_extract_string(x, '$.id') END;
CREATE OR REPLACE MACRO jref_ok(x) AS x IS NULL OR starts_with(x, '"')
    OR (starts_with(x, '{{') AND json_type(x, '$.id') = 'VARCHAR');
CREATE OR REPLACE MACRO jint(x) AS TRY_CAST(x AS BIGINT);
CREATE OR REPLACE MACRO jint_ok(x) AS x IS NULL
    OR (regexp_full_match(x, '-?[0-9]+') AND TRY_CAST(x AS BIGINT) IS NOT NULL);
CREATE OR REPLACE MACRO jbool(x) AS CASE x WHEN 'true' THEN true WHEN 'false' THEN false END;
CREATE OR REPLACE MACRO jbool_ok(x) AS x IS NULL OR x IN ('true', 'false');
CREATE OR REPLACE MACRO jnum(x) AS CASE WHEN starts_with(x, '"\u0001') THEN x[8:-2] END;
CREATE OR REPLACE MACRO jnum_ok(x) AS x IS NULL OR starts_with(x, '"\u0001');
CREATE OR REPLACE MACRO dec_parts(t) AS regexp_extract(trim(t),
    '^[+-]?([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]{{1,4}}))?$', ['i', 'f', 'e']);
CREATE OR REPLACE MACRO dec_fits(p) AS (p.i <> '' OR p.f <> '')
    AND length(rtrim(p.f, '0')) - COALESCE(TRY_CAST(p.e AS INTEGER), 0) <= {DEC_SCALE}
    AND length(ltrim(p.i, '0')) + COALESCE(TRY_CAST(p.e AS INTEGER), 0)
        <= {DEC_PRECISION - DEC_SCALE};
CREATE OR REPLACE MACRO dec_ok(t) AS t IS NULL OR CASE WHEN regexp_full_match(t, '{_PLAIN}')
    THEN true WHEN regexp_matches(t, '[eE]') THEN dec_fits(dec_parts(t)) ELSE false END;
CREATE OR REPLACE MACRO to_dec(t) AS CASE WHEN t IS NOT NULL AND dec_ok(t)
    THEN TRY_CAST(trim(t) AS DECIMAL({DEC_PRECISION}, {DEC_SCALE})) END;
CREATE OR REPLACE MACRO known_currency(c) AS c IS NULL
    OR regexp_full_match(c, '(?i)(?:{_CURRENCIES})');
CREATE OR REPLACE MACRO currency_exponent(c) AS CASE
    WHEN regexp_full_match(c, '(?i)(?:{_ZERO})') THEN 0
    WHEN regexp_full_match(c, '(?i)(?:{_THREE})') THEN 3 ELSE 2 END;
CREATE OR REPLACE MACRO money_fits(m, c) AS m IS NULL OR c IS NULL OR NOT known_currency(c)
    OR CASE currency_exponent(c) WHEN 0 THEN m = round(m, 0) WHEN 2 THEN m = round(m, 2)
       ELSE true END;
CREATE OR REPLACE MACRO ts_ok(v) AS v IS NULL OR (v >= 0 AND v < 253402300800);
CREATE OR REPLACE MACRO rfc3339(t) AS CASE WHEN regexp_full_match(t, '{_RFC3339}')
    THEN epoch_ms(TRY_CAST(t AS TIMESTAMPTZ)) END;
CREATE OR REPLACE MACRO txt(t) AS NULLIF(trim(t), '');
"""

_NUMBER = r'([{,]\s*"(?:KEYS)"\s*:\s*)(-?[0-9][0-9.eE+-]*)'
_MARKED = r'\1"\\u0001\2"'


def connect(temp_dir: Path | None = None,
            memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection in UTC with the extraction macros defined, its memory
    limited to ``memory_limit``, else the extraction's share of the close's budget
    (lib/memory.py)."""
    limit = memory_limit or duckdb_memory_limit("extract")
    con = duckdb.connect(config={"memory_limit": limit})
    con.execute("SET TimeZone = 'UTC'")
    if temp_dir is not None:
        con.execute(f"SET temp_directory = {quote_literal(temp_dir.as_posix())}")
    con.execute(_MACROS.replace("{{", "{").replace("}}", "}"))
    return con


def cursor(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A further connection to the same database (own temporary tables), in UTC."""
    cur = con.cursor()
    cur.execute("SET TimeZone = 'UTC'")
    return cur


def mark_numbers(column: str, keys: tuple[str, ...]) -> str:
    """SQL rewriting the JSON numbers under ``keys`` in ``column`` to marked strings."""
    if not keys:
        return column
    pattern = _NUMBER.replace("KEYS", "|".join(keys))
    return f"regexp_replace({column}, {quote_literal(pattern)}, {quote_literal(_MARKED)}, 'g')"


