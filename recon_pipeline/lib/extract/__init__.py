"""Dagster-free extraction: source files and the ERP into typed Arrow tables."""
