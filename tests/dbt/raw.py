"""Raw zones for the dbt tests: Parquet files of the contract (SCHEMAS), written by hand.

Every table has exactly its SCHEMAS schema, reference tables included.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from recon_pipeline.lib.extract.schemas import SCHEMAS

Rows = Sequence[Mapping[str, Any]]

def write_raw_zone(
    raw_dir: Path,
    rows: Mapping[tuple[str, str], Rows] | None = None,
    *,
    skip: Sequence[tuple[str, str]] = (),
) -> Path:
    """Write every raw table under ``raw_dir`` (``OUT/raw/<cycle>``): ``rows`` where given,
    else empty; tables in ``skip`` get no file at all."""
    rows = rows or {}
    for (system, table), schema in SCHEMAS.items():
        if (system, table) in skip:
            continue
        data = rows.get((system, table), [])
        lineage = [{"_file": f"{system}/{table}.jsonl", "_line": i + 1, **r} for i, r in
                   enumerate(data)]
        columns = {f.name: pa.array([r.get(f.name) for r in lineage], f.type) for f in schema}
        write_parquet(raw_dir / system / f"{table}.parquet", pa.table(columns, schema=schema))
    return raw_dir


def write_parquet(path: Path, table: pa.Table) -> None:
    """Write ``table`` to ``path``, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)

