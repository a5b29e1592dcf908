"""Atomic Parquet output: rows go to a temporary file and the file appears whole, or not at all."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

import pyarrow as pa
import pyarrow.parquet as pq

from recon_pipeline.lib.atomic import commit, new_temp


class ParquetSink:
    """Write Arrow tables of one schema to ``path``, renamed into place on :meth:`close`."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.path = path
        self.schema = schema
        self.rows = 0
        self._tmp = new_temp(path)  # unique: two runs into one OUT never share it
        self._writer = pq.ParquetWriter(self._tmp, schema, compression="zstd")

    def write(self, table: pa.Table) -> None:
        """Append ``table`` (cast to the sink's schema)."""
        if table.num_rows:
            self._writer.write_table(table.cast(self.schema), row_group_size=1 << 20)
            self.rows += table.num_rows

    def close(self) -> None:
        """Finish the file and move it into place."""
        self._writer.close()
        commit(self._tmp, self.path)

    def abort(self) -> None:
        """Drop the partial file; ``path`` keeps what it had before."""
        self._writer.close()
        self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> ParquetSink:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()


def write_table(path: Path, table: pa.Table) -> None:
    """Write one whole table atomically."""
    with ParquetSink(path, table.schema) as sink:
        sink.write(table)
