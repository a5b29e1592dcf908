"""A run whose steps Dagster skipped is no close: `recon run` names them and fails (a Spark
progress bar glued to a dbt log line once lost a model's event, and the quality gate and the
reports were skipped while the run counted as a success)."""

from __future__ import annotations

from collections.abc import Iterator

import dagster as dg

from recon_pipeline.cli import _skipped


@dg.asset(output_required=False)
def upstream() -> Iterator[dg.Output[int]]:
    """Yields nothing, as a dbt step whose model event was lost."""
    yield from ()


@dg.asset
def downstream(upstream: int) -> int:
    return upstream


def test_skipped_steps_are_named_though_dagster_calls_the_run_a_success() -> None:
    result = dg.materialize([upstream, downstream], raise_on_error=False)
    assert result.success  # Dagster's view: nothing failed
    assert _skipped(result) == ["downstream"]


@dg.asset
def whole() -> int:
    return 1


def test_a_complete_run_skips_nothing() -> None:
    result = dg.materialize([whole], raise_on_error=False)
    assert result.success and _skipped(result) == []
