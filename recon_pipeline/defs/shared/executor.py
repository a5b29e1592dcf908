"""The executor of every job: in-process by default, one process per step by run config.

By default a run executes its steps one after another in the run's own process, as `recon run`
does: the steps of a cycle are nearly serial anyway (one dbt build, one DuckDB writer). A
multiprocess run forks each step's process from a server process that imported the code
location once (``forkserver`` with ``recon_pipeline.definitions`` preloaded), unless run config
names a ``start_method``: with Dagster's default, ``spawn``, every step's process imports the
code location again (4 s a step here). Measured on a 0.2-scale cycle at load 7, two steps at a
time: 110 s forked from the server against 290 s spawned (issue 16's closing note).

Extraction is one step per source object (``extract_<system>_<object>``, from
``OBJECT_TABLES``), so a machine with cores to spare extracts the sources in parallel with
this run config::

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
#: How a multiprocess run starts its step processes unless run config says otherwise: forked
#: from one server process that has imported the code location once, instead of Dagster's
#: default `spawn`, where every step's process imports it again (4 s a step on this machine).
FORKSERVER = {"forkserver": {"preload_modules": ["recon_pipeline.definitions"]}}


def _multiprocess(config: object) -> bool:
    """Whether this executor's config (the selector) chooses one process per step."""
    return isinstance(config, Mapping) and "multiprocess" in config


def runs_steps_in_process(run_config: Mapping[str, Any]) -> bool:
    """Whether a run with this run config executes its steps in the run's own process (the
    default), not one process per step."""
    execution = run_config.get("execution")
    return not _multiprocess(execution.get("config") if isinstance(execution, Mapping) else None)


def _requirements(config: Mapping[str, Any]) -> Sequence[dg.ExecutorRequirement]:
    """A multiprocess run needs what Dagster's multiprocess executor needs (a reconstructable
    job, a persistent instance); an in-process run needs nothing."""
    return dg.multiple_process_executor_requirements() if _multiprocess(config) else []


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
    if name == "multiprocess" and not config.get("start_method"):
        config = {**config, "start_method": FORKSERVER}
    chosen = _EXECUTORS[name]
    return chosen.executor_creation_fn(dg.InitExecutorContext(  # type: ignore[misc]
        job=init_context.job, executor_def=chosen, executor_config=config,
        instance=init_context.instance))
