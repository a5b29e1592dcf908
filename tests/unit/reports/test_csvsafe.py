"""csvsafe: every cell quoted, formula-like text neutralised, numbers and Parquet unchanged."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from recon_pipeline.lib.reports import csvsafe
from recon_pipeline.lib.reports.schema import MISMATCHES_SCHEMA
from recon_pipeline.lib.reports.tables import mismatches_csv

TRIGGERS = "=+-@\t\r"
texts = st.one_of(
    st.text(max_size=20),
    st.builds(lambda c, t: c + t, st.sampled_from(list(TRIGGERS)), st.text(max_size=20)),
    st.sampled_from(["=1+1", "=HYPERLINK(\"http://x\",\"y\")", "+cmd|' /C calc'!A0", "-2+3",
                     "@SUM(A1)", "\t=1", "\r=1", "-12.50", "+3", "1e-5", "\"=\"", "'quoted"]))
numbers = st.one_of(st.integers(-10**12, 10**12),
                    st.decimals(allow_nan=False, allow_infinity=False, places=3,
                                min_value=-10**9, max_value=10**9),
                    st.floats(allow_nan=False, allow_infinity=False))
cells = st.one_of(texts, numbers, st.none())


def _read(data: bytes) -> list[list[Any]]:
    """Rows back, quoted cells as str; an unquoted cell would be read as a float (or fail)."""
    reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""),
                        quoting=csv.QUOTE_NONNUMERIC)
    return list(reader)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(cells, min_size=1, max_size=6), max_size=8))
def test_every_cell_quoted_and_no_formula_survives(rows: list[list[Any]]) -> None:
    width = max((len(r) for r in rows), default=1)
    rows = [r + [None] * (width - len(r)) for r in rows]
    header = [f"c{i}" for i in range(width)]
    back = _read(csvsafe.dumps(header, rows))
    assert back[0] == header
    assert len(back) == len(rows) + 1
    for written, read in zip(rows, back[1:], strict=True):
        assert all(isinstance(c, str) for c in read)  # every cell was quoted
        for value, text in zip(written, read, strict=True):
            if value is None:
                assert text == ""
            elif isinstance(value, int | float | Decimal):
                assert Decimal(text) == Decimal(str(value))  # a number stays that number
            elif value.startswith(tuple(TRIGGERS)) and not csvsafe.is_number_text(value):
                assert text == "'" + value
            else:
                assert text == value
            # what a spreadsheet sees: a number, or text that does not start a formula
            assert not text.startswith(tuple(TRIGGERS)) or csvsafe.is_number_text(text)


def test_the_owasp_examples() -> None:
    assert csvsafe.cell("=1+1") == "'=1+1"
    assert csvsafe.cell("@SUM(A1)") == "'@SUM(A1)"
    assert csvsafe.cell("\t=1") == "'\t=1"
    assert csvsafe.cell("\r=1") == "'\r=1"
    assert csvsafe.cell("-2+3") == "'-2+3"
    assert csvsafe.cell("-12.50") == "-12.50"
    assert csvsafe.cell(Decimal("-0.001")) == "-0.001"
    assert csvsafe.cell("Acme = best") == "Acme = best"
    assert csvsafe.dumps(["a", "b"], [["=x", 1]]) == b'"a","b"\n"\'=x","1"\n'


def test_mismatches_csv_neutralises_the_data_and_parquet_keeps_it() -> None:
    hostile = '=HYPERLINK("http://evil","click")'
    row: dict[str, Any] = {f.name: None for f in MISMATCHES_SCHEMA}
    row.update(exception_id="ex_1", cycle="2026-08", recon="billing_vs_ledger",
               category="invoice_amount_mismatch", severity="error", object_id=hostile,
               customer_id="@cust", period_start=date(2026, 8, 1), currency="USD",
               expected_amount=Decimal("-10.000"), actual_amount=Decimal("5.500"),
               difference=Decimal("-15.500"), detail="+1 line", blocking=True, status="new")
    table = pa.Table.from_pylist([row], schema=MISMATCHES_SCHEMA)
    back = _read(mismatches_csv(table))
    got = dict(zip(back[0], back[1], strict=True))
    assert got["object_id"] == "'" + hostile
    assert got["customer_id"] == "'@cust"
    assert got["detail"] == "'+1 line"
    assert (got["expected_amount"], got["difference"]) == ("-10.00", "-15.50")
    assert table.column("object_id").to_pylist() == [hostile]  # the Parquet value as it is
