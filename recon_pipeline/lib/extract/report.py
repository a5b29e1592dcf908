"""What an extraction did: rows per table and per file, and where quarantine went.

Each source object writes its quarantine rows and file counts to ``<out>/_parts/``;
:func:`combine` gathers every part into ``<out>/quarantine.parquet`` and
``<out>/file_counts.parquet``, so one asset per object can run alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from recon_pipeline.lib.extract.schemas import FILE_COUNTS, QUARANTINE
from recon_pipeline.lib.extract.sink import write_table

PARTS = "_parts"


@dataclass(frozen=True)
class FileCount:
    """Rows of one file for one table: ``read = loaded + quarantined + redelivered``."""

    source: str
    file: str
    table: str
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    rows_redelivered: int = 0


@dataclass
class ObjectReport:
    """One source object (e.g. ``billing/invoices``): rows written per table, per file."""

    name: str
    table: str
    tables: dict[str, int] = field(default_factory=dict)
    files: list[FileCount] = field(default_factory=list)
    seconds: float = 0.0
    #: The raw zone (its folder name, a cycle) whose outputs were linked instead of reading
    #: the unchanged files again (recon_pipeline.lib.extract.reuse); None when read.
    reused_from: str | None = None

    @property
    def source(self) -> str:
        """The source folder (``billing``)."""
        return self.name.split("/", 1)[0]

    @property
    def rows_read(self) -> int:
        """Records read from the object's files (its own table's, not child rows)."""
        return sum(f.rows_read for f in self.files if f.table == self.table)

    @property
    def rows_quarantined(self) -> int:
        """Records quarantined."""
        return sum(f.rows_quarantined for f in self.files)


@dataclass
class ExtractReport:
    """Every object extracted, and the combined quarantine and file-count files."""

    out_dir: Path
    objects: list[ObjectReport]

    @property
    def rows(self) -> dict[str, int]:
        """Rows written per ``source/table``."""
        return {f"{o.source}/{t}": n for o in self.objects for t, n in o.tables.items()}

    @property
    def rows_quarantined(self) -> int:
        """Rows quarantined in all."""
        return sum(o.rows_quarantined for o in self.objects)


def part_paths(out_dir: Path, name: str) -> tuple[Path, Path]:
    """(quarantine part, file-count part) of an object."""
    stem = name.replace("/", "__")
    return (out_dir / PARTS / f"{stem}.quarantine.parquet",
            out_dir / PARTS / f"{stem}.file_counts.parquet")


def write_counts(path: Path, files: list[FileCount]) -> None:
    """Write an object's file counts."""
    columns = {name: [getattr(f, name) for f in files] for name in FILE_COUNTS.names}
    write_table(path, pa.table(columns, schema=FILE_COUNTS))


def combine(out_dir: Path) -> tuple[Path, Path]:
    """Gather every object's parts into ``quarantine.parquet`` and ``file_counts.parquet``."""
    parts = out_dir / PARTS
    results = []
    for suffix, schema, name, keys in (
        ("quarantine", QUARANTINE, "quarantine.parquet", ["source", "file", "line"]),
        ("file_counts", FILE_COUNTS, "file_counts.parquet", ["source", "file", "table"]),
    ):
        tables = [pq.read_table(p).cast(schema)
                  for p in sorted(parts.glob(f"*.{suffix}.parquet"))]
        table = pa.concat_tables(tables) if tables else schema.empty_table()
        table = table.sort_by([(k, "ascending") for k in keys])
        write_table(out_dir / name, table)
        results.append(out_dir / name)
    return results[0], results[1]
