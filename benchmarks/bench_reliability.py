"""Hostile sources, class by class: does anything escape the readers? (issue 13)

Usage::

    .venv/bin/python benchmarks/bench_reliability.py [--lines 2000]

For each class of hostile line (odd encodings, truncation, deep and huge values, wrong types,
duplicate keys, formulas, markup, binary) a billing/customers.jsonl (and its gzip twin) or a
crm/accounts.csv is written with ``--lines`` hostile lines among as many good ones, then
extracted. A class *escapes* when extraction raises, when a file's rows read differ from rows
loaded + quarantined, when a good row next to the hostile ones is lost (neither loaded nor
quarantined), or when a loaded text value would still start a
spreadsheet formula after reports/csvsafe.py or still carry markup after Data Docs' escaping.
One line per class: escaped or not, rows loaded / quarantined, seconds. Exit 1 if any escaped.
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq

from recon_pipeline.lib.extract import extract_object
from recon_pipeline.lib.reports import csvsafe

GOOD = {"id": "cus_1", "object": "customer", "name": "Acme", "currency": "usd",
        "created": 1788000000, "metadata": {"legal_entity": "US01"}}


def _good(n: int) -> bytes:
    return json.dumps({**GOOD, "id": f"cus_g{n}"}).encode()


def _with(n: int, **fields: object) -> bytes:
    return json.dumps({**GOOD, "id": f"cus_h{n}", **fields}).encode()


#: class -> the n-th hostile JSON line of that class.
JSON_CLASSES: dict[str, Callable[[int], bytes]] = {
    "utf16": lambda n: _with(n, name=f"Ünïcode {n}").decode().encode("utf-16"),
    "cp1252": lambda n: json.dumps({**GOOD, "id": f"cus_h{n}", "name": "Café €"},
                                   ensure_ascii=False).encode("cp1252"),
    "bom_mid_file": lambda n: b"\xef\xbb\xbf" + _with(n),
    "truncated": lambda n: _with(n)[: 5 + n % 40],
    "deep": lambda n: (f'{{"id":"cus_h{n}","metadata":' + "[" * 2000 + "]" * 2000
                       + "}").encode(),
    "huge_string": lambda n: _with(n, name="x" * 100_000) if n < 20 else _with(n),
    "huge_number": lambda n: (f'{{"id":"cus_h{n}","object":"customer","created":1e400}}'
                              ).encode(),
    "wrong_types": lambda n: json.dumps([{"id": n}, {"id": None}, {**GOOD, "created": "x"},
                                         {**GOOD, "currency": 840}, [GOOD], 42][n % 6]).encode(),
    "duplicate_keys": lambda n: b'{"id":"cus_a%d","id":"cus_b%d","name":"one","name":"two"}'
                                % (n, n),
    "formula": lambda n: _with(n, name=["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
                                        "\t=1"][n % 5]),
    "markup": lambda n: _with(n, name="<script>alert(1)</script>", email='"><img src=x>'),
    "binary": lambda n: bytes((n * 7 + i) % 256 for i in range(40)).replace(b"\n", b" "),
}

CSV_HEADER = (b"account_id,name,country,currency,legal_entity,billing_customer_id,"
              b"erp_customer_code,tax_id,status")
CSV_CLASSES: dict[str, Callable[[int], bytes]] = {
    "csv_formula": lambda n: b'acc_%d,"=HYPERLINK(""http://x"")",US,USD,US01,,,,active' % n,
    "csv_unterminated_quote": lambda n: b'acc_%d,"Acme,US,USD,US01,,,,active' % n,
    # Valid CSV, not hostile: a quoted cell with a line break is one row and must load whole
    # (the rule against unterminated quotes must not split it).
    "csv_multiline_cell": lambda n: b'acc_%d,"Acme\nWest",US,USD,US01,,,,active' % n,
    # Well-formed over two lines but a bad value: its first line is quarantined, the second
    # read on its own (and quarantined: too few columns); the values are checked in groups.
    "csv_multiline_bad_value": lambda n: b'acc_%d,"Acme\nWest",US,XYZ,US01,,,,active' % n,
    "csv_wrong_columns": lambda n: b"acc_%d,Acme" % n,
    "csv_cp1252": lambda n: f"acc_{n},Café €,FR,EUR,US01,,,,active".encode("cp1252"),
}


def _escaped_values(values: list[str | None]) -> list[str]:
    """Loaded values that a report would still show as a formula or as markup."""
    bad = []
    for value in values:
        if value is None:
            continue
        cell = csvsafe.cell(value)
        if cell.startswith(csvsafe.TRIGGERS) and not csvsafe.is_number_text(cell):
            bad.append(f"formula {value!r}")
        if "<" in html.escape(value):
            bad.append(f"markup {value!r}")
    return bad


def run_class(name: str, make: Callable[[int], bytes], lines: int, csv: bool, packed: bool
              ) -> tuple[bool, str]:
    """Extract a file of ``lines`` hostile lines of ``name`` among good ones; (escaped, note)."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "s"
        if csv:
            body = b"\n".join([CSV_HEADER, *(make(n) if n % 2 else b"acc_g%d,Acme,US,USD,US01,"
                                             b",,,active" % n for n in range(2 * lines))]) + b"\n"
            rel, obj, table = "crm/accounts.csv", "crm/accounts", "accounts"
        else:
            body = b"\n".join(make(n).replace(b"\n", b" ") if n % 2 else _good(n)
                              for n in range(2 * lines)) + b"\n"
            rel = "billing/customers.jsonl" + (".gz" if packed else "")
            obj, table = "billing/customers", "customers"
        (root / rel).parent.mkdir(parents=True)
        (root / rel).write_bytes(gzip.compress(body) if packed else body)
        out = Path(tmp) / "o"
        started = time.perf_counter()
        try:
            report = extract_object(root, obj, out)
        except Exception as exc:  # an escape: the reader must quarantine, not raise
            return True, f"raised {type(exc).__name__}: {str(exc)[:80]}"
        seconds = time.perf_counter() - started
        stem = obj.replace("/", "__")
        counts = pq.read_table(out / "_parts" / f"{stem}.file_counts.parquet").to_pylist()
        problems = [f"{c['file']}: read {c['rows_read']} != loaded {c['rows_loaded']} + "
                    f"quarantined {c['rows_quarantined']} + redelivered {c['rows_redelivered']}"
                    for c in counts if c["rows_read"] != c["rows_loaded"]
                    + c["rows_quarantined"] + c["rows_redelivered"]]
        loaded = pq.read_table(out / obj.split("/")[0] / f"{table}.parquet")
        # Every good row must load: one swallowed by a hostile neighbour (an open quote that
        # runs into the next lines) is lost without a quarantine row.
        key = "account_id" if csv else "customer_id"
        good = {f"{'acc' if csv else 'cus'}_g{n}" for n in range(0, 2 * lines, 2)}
        lost = good - set(loaded.column(key).to_pylist())
        if lost:
            problems.append(f"{len(lost)} good rows neither loaded nor quarantined "
                            f"(e.g. {sorted(lost)[0]})")
        for column in ("name", "email"):
            if column in loaded.column_names:
                problems += _escaped_values(loaded.column(column).to_pylist())[:3]
        loaded_rows = sum(c["rows_loaded"] for c in counts)
        quarantined = sum(c["rows_quarantined"] for c in counts)
        note = (f"{loaded_rows} loaded, {quarantined} quarantined, {seconds:.2f} s"
                f" ({report.name})")
        return bool(problems), note + ("; " + "; ".join(problems) if problems else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=2000, help="hostile lines per class")
    args = parser.parse_args()
    escaped = 0
    cases = [(n, m, False, False) for n, m in JSON_CLASSES.items()]
    cases += [(n + "+gzip", m, False, True) for n, m in JSON_CLASSES.items()]
    cases += [(n, m, True, False) for n, m in CSV_CLASSES.items()]
    for name, make, csv, packed in cases:
        bad, note = run_class(name, make, args.lines, csv, packed)
        escaped += bad
        print(f"{name:<28} {'ESCAPED' if bad else 'contained':<9} {note}", flush=True)
    print(f"{escaped} of {len(cases)} classes escaped")
    return 1 if escaped else 0


if __name__ == "__main__":
    sys.exit(main())
