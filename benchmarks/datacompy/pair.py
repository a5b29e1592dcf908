"""The invoice-to-ledger pair of one cycle with datacompy's Polars comparator (a baseline).

Runs in a virtual environment of its own (``bench_close.py --datacompy`` makes it): datacompy
1.1 pins pandas < 3.1 and polars < 1.45, which the project does not. It imports nothing of
recon_pipeline. Usage::

    python benchmarks/datacompy/pair.py SOURCES CYCLE

Reads the finalized invoices of CYCLE (billing JSONL, gzip or not) and the ERP's INVOICE
postings (the AR line of every live journal: reversed journals and reversals left out) with
Polars, then compares them on the invoice id with ``datacompy.PolarsCompare``. Amounts are
integers in the currency's minor units (never floats), compared with an absolute tolerance of
one minor unit: the pipeline's rule. Prints the counts (invoices not posted, amounts that
differ) and ``DATACOMPY_SECONDS`` (reading and comparing) for the benchmark to parse.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
import sys
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import datacompy
import polars as pl

# ISO 4217 exponents other than 2 (the pipeline's seed lists the same)
EXPONENTS = {**dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG",
                              "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"), 0),
             **dict.fromkeys(("BHD", "JOD", "KWD", "OMR", "TND"), 3)}


def invoices(sources: Path, cycle: str) -> pl.DataFrame:
    """Finalized invoices of the cycle: id, currency, total in minor units."""
    rows = []
    for path in sorted((sources / "billing").glob("invoices.jsonl*")):
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                try:
                    obj = json.loads(line)
                    if obj.get("status") not in ("open", "paid", "uncollectible"):
                        continue
                    total = int(obj["total"])
                    at = (obj.get("status_transitions") or {}).get("finalized_at") \
                        or obj["created"]
                    month = datetime.fromtimestamp(int(at), UTC).strftime("%Y-%m")
                except (ValueError, KeyError, TypeError):
                    continue  # the pipeline quarantines these; the baseline skips them
                if month == cycle and total != 0:
                    rows.append((obj["id"], str(obj["currency"]).upper(), total))
    frame = pl.DataFrame(rows, schema={"id": pl.String, "currency": pl.String,
                                       "amount": pl.Int64}, orient="row")
    return frame.unique("id", keep="last")


def postings(sources: Path) -> pl.DataFrame:
    """The AR amount of every live INVOICE journal, per invoice id, in minor units.

    The ledger is read a row at a time (SQLite's cursor; the reversed journals first), the AR
    lines of INVOICE journals selected by SQLite: at a 1,000,000-invoice cycle the ledger holds
    38.6M lines, which fetched whole into Python tuples would need about 24 GiB.
    """
    amounts: dict[str, int] = {}
    with sqlite3.connect(sources / "erp" / "ledger.sqlite") as db:
        reversed_ = {row[0] for row in db.execute(
            "select distinct reversal_of from gl_journal_lines"
            " where reversal_of is not null") if row[0]}
        lines = db.execute(
            "select l.journal_id, l.debit, l.credit, l.document_ref, l.currency"
            " from gl_journal_lines l join gl_accounts a using (account_code)"
            " where l.document_type = 'INVOICE' and a.role = 'AR'")
        for journal, debit, credit, ref, currency in lines:
            if journal in reversed_:
                continue
            scale = 10 ** EXPONENTS.get(str(currency).upper(), 2)
            minor = (Decimal(str(debit or 0)) - Decimal(str(credit or 0))) * scale
            amounts[ref] = amounts.get(ref, 0) + int(minor)
    return pl.DataFrame({"id": list(amounts), "amount": list(amounts.values())},
                        schema={"id": pl.String, "amount": pl.Int64})


def main() -> None:
    sources, cycle = Path(sys.argv[1]), sys.argv[2]
    started = time.perf_counter()
    left, right = invoices(sources, cycle), postings(sources)
    read = time.perf_counter() - started
    compare = datacompy.PolarsCompare(left.select("id", "amount"), right, join_columns="id",
                                      abs_tol=1, df1_name="billing", df2_name="erp")
    not_posted = compare.df1_unq_rows.height
    differ = compare.all_mismatch().height
    seconds = time.perf_counter() - started
    print(f"    invoice_not_posted         {not_posted:>8,}")
    print(f"    invoice_amount_mismatch    {differ:>8,}")
    print(f"    read {read:.1f} s, compare {seconds - read:.1f} s "
          f"({left.height:,} invoices, {right.height:,} posted documents)")
    print(f"DATACOMPY_SECONDS {seconds:.3f}")


if __name__ == "__main__":
    main()
