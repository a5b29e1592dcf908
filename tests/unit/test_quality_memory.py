"""The quality stage's memory (issue 12, item 6): DuckDB works within a limit and spills to a
folder of the run's own, and a frame is sorted into its canonical order by DuckDB, not by Arrow
(which held the frame twice): the canonical order DuckDB gives is the Arrow sort's, row for row,
on frames with nulls, copies, mixed-case and non-ASCII text, decimals and timestamps."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from recon_pipeline.lib.memory import ENV, duckdb_memory_limit
from recon_pipeline.lib.quality.frames import FrameSources, connect, read_frame
from tests.unit.test_quality_duplicates import BALANCED, CYCLE, _customer, _line, _raw


def _frames(tmp_path: Path) -> FrameSources:
    customers = [
        _customer("cus_10", "a@acme.test", "billing/customers.jsonl", 1),
        _customer("cus_9", "b@acme.test", "billing/customers.jsonl", 2),
        _customer("Cus_1", "c@acme.test", "billing/customers.jsonl", 3),
        _customer("cus_é", "d@acme.test", "billing/customers.jsonl", 4),
        _customer("cus_9", "b@acme.test", "billing/stream/customers.jsonl", 9),
        {**_customer("cus_z", "e@acme.test", "billing/customers.jsonl", 5), "currency": None},
        {**_customer("cus_y", "f@acme.test", "billing/customers.jsonl", 6),
         "created_at": datetime(1999, 1, 1, tzinfo=UTC), "legal_entity": None},
        {**_customer("", "g@acme.test", "billing/customers.jsonl", 7), "customer_id": None},
        {**_customer("", "h@acme.test", "billing/customers.jsonl", 8), "customer_id": None,
         "currency": "usd"},
    ]
    lines = [*BALANCED, {**BALANCED[1], "credit": Decimal("90.00"), "_line": 3},
             _line("J2", 1, "70.25", "0", 4), _line("J2", 2, "0", "70.25", 5),
             _line("J10", 1, "-5.00", "0", 6), _line("j1", 3, "0.10", "0", 7),
             {**_line("J4", 1, "0.10", "0", 8), "currency": None},
             {**_line("J4", 2, "0", "0.10", 9), "account_code": "9999"}]
    raw = tmp_path / "raw" / CYCLE
    _raw(raw, customers, lines)
    return FrameSources(raw, tmp_path / "warehouse.duckdb", CYCLE)


@pytest.mark.parametrize("suite", ["raw.billing.customers", "raw.erp.gl_journal_lines"])
def test_duckdb_sorts_a_frame_as_arrow_does(tmp_path: Path, suite: str) -> None:
    src = _frames(tmp_path)
    with connect(src) as con:
        read = read_frame(con, suite, src)
        canonical = read_frame(con, suite, src, canonical=True)
    arrow = read.sort_by([(c, "ascending") for c in read.column_names])
    assert canonical.num_rows == read.num_rows > 5
    assert canonical.to_pylist() == arrow.to_pylist()
    assert canonical.to_pylist() != read.to_pylist()  # the read order is not the canonical one
    assert any(column.null_count for column in canonical.columns)  # nulls sort last in both


def test_the_quality_connection_is_memory_limited(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV["quality"], raising=False)
    limit = duckdb_memory_limit("quality")

    def setting(value: str) -> str:
        with duckdb.connect(config={"memory_limit": value}) as con:
            return str(con.execute("select current_setting('memory_limit')").fetchall()[0][0])

    src = FrameSources(tmp_path / "raw" / CYCLE, tmp_path / "warehouse.duckdb", CYCLE)
    monkeypatch.setenv(ENV["quality"], "700MB")
    spill = tmp_path / "spill"
    with connect(src, spill) as con:
        found = con.execute("select current_setting('memory_limit'), "
                        "current_setting('temp_directory')").fetchall()[0]
    assert found == (setting("700MB"), str(spill))
    assert setting("700MB") != setting(limit)


def test_no_frame_outlives_its_suite(tmp_path: Path) -> None:
    """GX's execution engine kept every batch it validated (the whole frame) for the run, so
    the stage held all of a cycle's frames at once: validated batches are released."""
    import gc

    import pandas as pd

    from recon_pipeline.lib.quality.suites import DEFAULT_EXPECTATIONS_DIR, load_suite
    from recon_pipeline.lib.quality.validate import validate_cycle

    src = _frames(tmp_path)
    suites = [load_suite(DEFAULT_EXPECTATIONS_DIR / f"{name}.json")
              for name in ("raw.billing.customers", "raw.erp.gl_journal_lines")]
    validation = validate_cycle(suites, src, now=datetime(2026, 10, 2, tzinfo=UTC))
    assert [s.rows for s in validation.suites] == [8, 9]
    assert len(validation.gx_results) == 2  # kept for the Data Docs, without the data
    gc.collect()
    frames = [o for o in gc.get_objects() if isinstance(o, pd.DataFrame)
              and {"customer_id", "journal_id"} & set(o.columns)]
    assert frames == []
