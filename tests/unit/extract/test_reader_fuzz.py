"""The readers under hostile file contents, generated (issue 13): odd encodings, truncation,
deep and huge values, wrong types, duplicate keys, formulas and markup, in JSON Lines (plain
and gzip) and CSV.

Whatever the bytes, extraction never raises, and for every file rows read = loaded +
quarantined (+ redelivered): nothing is dropped silently. Bounded: 60 examples in all.
"""

from __future__ import annotations

import gzip
import json
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recon_pipeline.lib.extract.tabular import iter_csv
from tests.oracle.fields import BAD_VALUE, RowError
from tests.oracle.model import Skipped
from tests.oracle.tabular import _parse_crm, _read_csv
from tests.unit.extract.helpers import extract

GOOD = {"id": "cus_1", "object": "customer", "name": "Acme", "currency": "usd",
        "created": 1788000000, "metadata": {"legal_entity": "US01"}}


def _deep(depth: int) -> str:
    return '{"id":"cus_deep","metadata":' + "[" * depth + "1" + "]" * depth + "}"


#: One hostile JSON line (bytes, no newline), by class.
HOSTILE_JSON: dict[str, st.SearchStrategy[bytes]] = {
    "utf16": st.text(max_size=20).map(
        lambda s: json.dumps({**GOOD, "name": s}).encode("utf-16")),
    "latin1": st.text(alphabet="éüßñ€", min_size=1, max_size=10).map(
        lambda s: json.dumps({**GOOD, "name": s}, ensure_ascii=False).encode("cp1252")),
    "bom": st.just(b"\xef\xbb\xbf" + json.dumps(GOOD).encode()),
    "truncated": st.integers(1, 60).map(lambda n: json.dumps(GOOD).encode()[:n]),
    "deep": st.integers(100, 5000).map(lambda n: _deep(n).encode()),
    "huge_string": st.integers(10_000, 300_000).map(
        lambda n: json.dumps({**GOOD, "name": "x" * n}).encode()),
    "huge_number": st.sampled_from(["1e400", "-1e400", "1" * 400, "0.1e-400", "NaN",
                                    "Infinity"]).map(
        lambda v: ('{"id":"cus_n","object":"customer","created":' + v + "}").encode()),
    "wrong_types": st.sampled_from([
        {"id": 7}, {"id": None}, {"id": ["cus_1"]}, {**GOOD, "created": "yesterday"},
        {**GOOD, "currency": 840}, {**GOOD, "metadata": "US01"}, [GOOD], "cus_1", 42,
    ]).map(lambda v: json.dumps(v).encode()),
    "duplicate_keys": st.just(b'{"id":"cus_a","id":"cus_b","object":"customer",'
                              b'"name":"one","name":"two"}'),
    "formula": st.sampled_from(["=HYPERLINK(\"http://x\")", "+1+1", "-2", "@SUM(A1)",
                                "\t=1"]).map(lambda v: json.dumps({**GOOD, "name": v}).encode()),
    "markup": st.sampled_from(["<script>alert(1)</script>", "\"><img src=x onerror=1>",
                               "\x00\x1b[31m", "\u202e"]).map(
        lambda v: json.dumps({**GOOD, "id": "cus_" + v, "name": v}).encode()),
    "binary": st.binary(max_size=80).filter(lambda b: b"\n" not in b),
}
json_lines = st.lists(st.one_of(st.just(json.dumps(GOOD).encode()), *HOSTILE_JSON.values()),
                      min_size=1, max_size=8)

CSV_HEADER = b"account_id,name,country,currency,legal_entity,billing_customer_id," \
             b"erp_customer_code,tax_id,status"
csv_cell = st.one_of(
    st.text(max_size=12), st.sampled_from(["=1+1", "\"", "\"a\"\"b\"", "a,b", "<b>x</b>"]),
    st.binary(max_size=12).map(lambda b: b.decode("latin-1")))
csv_line = st.one_of(
    st.lists(csv_cell, min_size=0, max_size=12).map(
        lambda cells: ",".join('"' + c.replace('"', '""') + '"' for c in cells).encode(
            "utf-8", "surrogateescape")),
    st.binary(max_size=60),
    st.just(b'acc_1,"unterminated,US,USD'),
    st.just(b"\xef\xbb\xbfacc_bom,Acme,US,USD,US01,,,,active"),
    st.just(b"acc_2,Acme,US,USD,US01,,,,active"),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_lines, st.booleans(), st.integers(0, 200))
def test_hostile_json_lines_never_escape(lines: list[bytes], packed: bool, cut: int) -> None:
    body = b"\n".join(line.replace(b"\n", b" ") for line in lines) + b"\n"
    if cut and not packed:
        body = body[:-cut] or body  # the file ends mid-line
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        name = "billing/customers.jsonl" + (".gz" if packed else "")
        (root / "s" / "billing").mkdir(parents=True)
        (root / "s" / name).write_bytes(gzip.compress(body) if packed else body)
        result = extract(root / "s", "billing/customers", root / "o")  # checks the counts too
        (count,) = result.counts
        # Blank lines (spaces, tabs) hold no row; a file of them reads none.
        assert count["rows_read"] >= 1 or not body.strip(b" \t\r\n")
        assert count["rows_loaded"] == len(result.tables["customers"])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(csv_line, max_size=10), st.booleans())
def test_hostile_csv_never_escapes(lines: list[bytes], crlf: bool) -> None:
    end = b"\r\n" if crlf else b"\n"
    body = end.join([CSV_HEADER, *(line.replace(b"\n", b" ").replace(b"\r", b" ")
                                   for line in lines)]) + end
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "s" / "crm").mkdir(parents=True)
        (root / "s" / "crm" / "accounts.csv").write_bytes(body)
        result = extract(root / "s", "crm/accounts", root / "o")  # checks the counts too
        (count,) = result.counts
        assert count["rows_loaded"] == len(result.tables["accounts"])
        assert count["rows_read"] == count["rows_loaded"] + count["rows_quarantined"]


# An open quote that never closes on its line (issue: CSV unterminated quote). Read leniently,
# such a cell runs into the next physical lines and swallows the good rows there. The rule
# (docs/sources.md): a row spanning several lines loads when it is well-formed; when it is not,
# only its first line is quarantined and reading resumes at the next line.
_word = st.text(alphabet="abcxyz", max_size=6).map(lambda w: "N" + w)
#: A good row's name: plain, or quoted with a comma, a doubled quote or line breaks in it.
_name = st.one_of(
    _word.map(lambda w: (w, w)),
    st.lists(_word, min_size=2, max_size=3).map(lambda ws: (", ".join(ws),
                                                            '"' + ", ".join(ws) + '"')),
    _word.map(lambda w: (w + ' "q"', '"' + w + ' ""q"""')),
    st.lists(_word, min_size=2, max_size=3).map(lambda ws: ("\n".join(ws),
                                                            '"' + "\n".join(ws) + '"')),
)
#: A row: ("good", name, its text cell) or ("bad", the open-quote line).
_row = st.one_of(
    _name.map(lambda n: ("good", *n)),
    st.sampled_from(['"Acme,US,USD,US01,,,,active', 'Acme,"US,USD,US01,,,,active',
                     'Acme,US,USD,US01,,,,"active', '"Multi\nline,US,XYZ,US01,,,,active',
                     '"Acme']).map(lambda b: ("bad", b, "")),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_row, min_size=1, max_size=12), st.booleans())
def test_an_unterminated_quote_gives_up_its_line_only(rows: list[tuple[str, str, str]],
                                                      crlf: bool) -> None:
    end = "\r\n" if crlf else "\n"
    lines = [CSV_HEADER.decode()]
    good: dict[str, tuple[str, int]] = {}  # account_id -> (name, start line)
    bad: list[int] = []
    for n, (kind, name, cell) in enumerate(rows):
        line = len(lines) + 1
        if kind == "good":
            text = f"acc_g{n},{cell},US,USD,US01,,,,active"
            good[f"acc_g{n}"] = (name.replace("\n", end), line)
        else:
            text = f"acc_b{n},{name}"
            bad.append(line)
        lines += text.split("\n")
    body = end.join(lines) + end
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "s" / "crm").mkdir(parents=True)
        (root / "s" / "crm" / "accounts.csv").write_bytes(body.encode())
        result = extract(root / "s", "crm/accounts", root / "o")  # checks the counts too
        skipped: list[Skipped] = []  # the oracle's reading of the same rule
        oracle = [a.account_id for a in _read_csv(root / "s", "crm/accounts.csv", _parse_crm,
                                                   skipped)]
    loaded = {r["account_id"]: (r["name"], r["_line"]) for r in result.tables["accounts"]}
    assert sorted(oracle) == sorted(loaded)
    assert sorted(s.line for s in skipped) == sorted(q["line"] for q in result.quarantine)
    quarantined = {q["line"]: q for q in result.quarantine}
    # Every good row loads, a quoted multi-line name as one row, at the line it starts on.
    assert {k: v for k, v in loaded.items() if k in good} == good
    # Each open-quote line is quarantined with its line number and why.
    for line in bad:
        assert quarantined[line]["file"] == "crm/accounts.csv"
        assert quarantined[line]["record"] == lines[line - 1]
        assert quarantined[line]["reason"].startswith("bad CSV: unterminated quote"), \
            quarantined[line]
    # Nothing else is read out of the lines the bad rows would have swallowed: the other
    # lines quarantined are the continuation lines of a bad row (its quoted text), none good.
    assert not set(quarantined) & {line for _, line in good.values()}
    assert set(loaded) <= set(good)
    (count,) = result.counts
    assert count["rows_read"] == count["rows_loaded"] + count["rows_quarantined"]
    assert count["rows_loaded"] == len(good)


_xname = st.lists(_word, min_size=2, max_size=3).map(lambda ws: "NX" + "\n".join(ws))
#: Rows for the reader alone: good ones, open quotes, and well-formed multi-line rows whose
#: value the check below refuses (an "X" in a name of several lines).
_any_row = st.one_of(
    _row.map(lambda r: f"{r[2]},US,USD,US01,,,,active" if r[0] == "good" else r[1]),
    _xname.map(lambda n: f'"{n}",US,USD,US01,,,,active'),
)


def _refuse_x(rows: pa.Table) -> dict[int, str]:
    return {line: "X" for line, name in zip(rows.column("_line").to_pylist(),
                                             rows.column("name").to_pylist(), strict=True)
            if "X" in name}


def _oracle_x(row: Mapping[str, Any]) -> str:
    if "X" in row["name"] and "\n" in row["name"]:
        raise RowError(BAD_VALUE, "X")
    return str(row["account_id"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_any_row, max_size=14), st.integers(1, 6), st.booleans())
def test_multiline_rows_are_checked_in_groups_as_if_one_by_one(
        rows: list[str], batch_rows: int, crlf: bool) -> None:
    """The reader checks the values of rows of several lines a group at a time and, when one
    fails, forgets what it read after it: whatever the groups and batches, the outcome is
    the oracle's, which checks each row as it reads it."""
    body = "\n".join([CSV_HEADER.decode(), *(f"acc_{n},{r}" for n, r in enumerate(rows))])
    body = (body + "\n").replace("\n", "\r\n" if crlf else "\n")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "crm").mkdir()
        (root / "crm" / "accounts.csv").write_bytes(body.encode())
        batches = list(iter_csv(root / "crm" / "accounts.csv", "crm/accounts.csv",
                                ["account_id", "name"], batch_rows, check=_refuse_x))
        skipped: list[Skipped] = []
        oracle = list(_read_csv(root, "crm/accounts.csv", _oracle_x, skipped))
    loaded = [a for b in batches for a in b.rows.column("account_id").to_pylist()]
    bad = [line for b in batches for line, _, _ in b.bad]
    assert sorted(loaded) == sorted(oracle)
    assert sorted(bad) == sorted(s.line for s in skipped)
    assert all(b.rows.num_rows + len(b.bad) <= batch_rows for b in batches[:-1])
