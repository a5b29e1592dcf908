"""The executor of every job: in-process by default, one process per step by run config.

By default a run executes its steps one after another in the run's own process, as `recon run`
does: the steps of a cycle are nearly serial anyway (one dbt build, one DuckDB writer), and a
process per step re-imports the code location (3-5 s) for each step. Extraction is one step
per source object (``extract_<system>_<object>``, from ``OBJECT_TABLES``), so a machine with
cores to spare extracts the sources in parallel with this run config::

    execution:
      config:
        multiprocess:
          max_concurrent: 4   # default: the machine's cores

Dagster's own ``multi_or_in_process_executor`` takes the same config but defaults to
multiprocess; this one defaults to in-process. The executors of a cluster (dagster-k8s'
``k8s_job_executor``, dagster-celery's ``celery_executor``) replace it in the Definitions; see
docs/commands.md ("Fan-out").
"""

from collections.abc import Mapping, Sequence
from typing import Any

import dagster as dg

_EXECUTORS = {"in_process": dg.in_process_executor, "multiprocess": dg.multiprocess_executor}


def _requirements(config: Mapping[str, Any]) -> Sequence[dg.ExecutorRequirement]:
    """A multiprocess run needs what Dagster's multiprocess executor needs (a reconstructable
    job, a persistent instance); an in-process run needs nothing."""
    return dg.multiple_process_executor_requirements() if "multiprocess" in config else []


@dg.executor(
    name="in_process_or_multiprocess",
    config_schema=dg.Field(
        dg.Selector({name: e.config_schema.as_field() for name, e in _EXECUTORS.items()}),
        default_value={"in_process": {}},
    ),
    requirements=_requirements,
)
def in_process_or_multiprocess(init_context: dg.InitExecutorContext) -> dg.Executor:
    """Dagster's in-process executor, or its multiprocess one when run config selects it."""
    ((name, config),) = init_context.executor_config.items()
    assert isinstance(config, Mapping)
    chosen = _EXECUTORS[name]
    return chosen.executor_creation_fn(dg.InitExecutorContext(  # type: ignore[misc]
        job=init_context.job, executor_def=chosen, executor_config=config,
        instance=init_context.instance))
