"""Helpers of the UI end-to-end test: `dagster dev` in a private instance, and its GraphQL API."""
