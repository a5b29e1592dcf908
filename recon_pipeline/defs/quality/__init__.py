"""Expectation suites as the close-cycle gate: Great Expectations results as asset checks."""
