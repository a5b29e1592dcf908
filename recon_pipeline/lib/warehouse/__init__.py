"""Dagster-free loading of the raw zone into a warehouse other than DuckDB files (PostgreSQL).

DuckDB reads the raw zone's Parquet files where they lie; on PostgreSQL the same tables must
be loaded first, into one schema per system (``raw_billing``, ``raw_erp``, ...), so the dbt
project builds unchanged with ``--target postgres``.
"""

from recon_pipeline.lib.warehouse.postgres import LoadedTable, load_raw_zone, load_table

__all__ = ["LoadedTable", "load_raw_zone", "load_table"]
