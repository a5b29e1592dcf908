"""Dagster objects, one folder per domain; ``recon_pipeline.definitions`` merges them."""
