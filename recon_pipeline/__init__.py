"""Close-cycle reconciliation pipeline. ``load_table`` opens any table of a cycle in Polars."""

from recon_pipeline.lib.tables import load_table

__all__ = ["load_table"]
