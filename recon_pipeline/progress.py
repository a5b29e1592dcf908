"""A line per stage of a cycle's run as it ends: a Dagster logger that reads the run's events.

``recon run`` adds :func:`progress_logger` to the ``close_cycle`` job it executes in-process.
Each step belongs to the stage of the asset groups it materializes (the stage jobs of
``defs/close/jobs.py``); steps run in data-flow order, so a stage is done when a step of the
next one starts, and the last when the run ends. Checks count in the stage of the step that
evaluates them (the quality step checks raw tables and marts).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any, TextIO

import dagster as dg

from recon_pipeline.defs.shared.partitions import (
    CANONICAL_GROUP,
    QUALITY_GROUP,
    RECONCILIATION_GROUP,
    REPORTS_GROUP,
    SOURCES_GROUP,
)
from recon_pipeline.lib.console import StageTally, stage_line

#: Asset group -> the stage it belongs to, as the terminal names it.
STAGE_OF_GROUP = {
    SOURCES_GROUP: "sources",
    CANONICAL_GROUP: "warehouse (dbt)",
    RECONCILIATION_GROUP: "warehouse (dbt)",
    QUALITY_GROUP: "quality",
    REPORTS_GROUP: "reports",
}
ROW_COUNT = "dagster/row_count"


class StageProgress(logging.Handler):
    """Tallies the events of one run by stage; writes a stage's line when it is done."""

    def __init__(self, stages: Mapping[str, str], terminal: TextIO) -> None:
        super().__init__(level=logging.DEBUG)
        self.stages = stages
        self.terminal = terminal
        self.current: StageTally | None = None
        self.done: list[StageTally] = []
        self.live = terminal.isatty()

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "dagster_event", None)
        if isinstance(event, dg.DagsterEvent):
            try:
                self.observe(event, time.monotonic())
            except Exception:  # the progress display must never break a run
                self.handleError(record)

    def observe(self, event: dg.DagsterEvent, now: float) -> None:
        """Account for one event of the run."""
        if event.is_step_start:
            name = self.stages.get(event.step_key or "", "other")
            if self.current is None or self.current.name != name:
                self.finish()
                self.current = StageTally(name, started=now)
                if self.live:  # on a terminal, the stage under way until its line replaces it
                    self.terminal.write(f"  {name} ...")
                    self.terminal.flush()
            return
        tally = self.current
        if tally is None:
            return
        if event.event_type_value == "ASSET_MATERIALIZATION":
            tally.assets += 1
            metadata = event.event_specific_data.materialization.metadata  # type: ignore[union-attr]
            value: Any = metadata.get(ROW_COUNT)
            rows = int(getattr(value, "value", value) or 0)
            if event.asset_key is not None and event.asset_key.path[-1] == "quarantine":
                tally.row_labels["unreadable"] = tally.row_labels.get("unreadable", 0) + rows
            else:
                tally.rows += rows
        elif event.event_type_value == "ASSET_CHECK_EVALUATION":
            evaluation: Any = event.event_specific_data
            if evaluation.passed:
                tally.checks_passed += 1
            else:
                tally.checks_failed += 1
                if evaluation.severity == dg.AssetCheckSeverity.ERROR:
                    tally.blocking_failed += 1
        elif event.is_step_success or event.is_step_failure:
            tally.steps += 1
            tally.failed_steps += int(event.is_step_failure)
            tally.ended = now

    def finish(self) -> list[StageTally]:
        """Write the line of the stage still open; every stage's tally, in order."""
        if self.current is not None:
            tally, self.current = self.current, None
            self.done.append(tally)
            if not tally.ended:
                tally.ended = time.monotonic()
            self.terminal.write(("\r\033[K" if self.live else "") + stage_line(tally) + "\n")
            self.terminal.flush()
        return self.done


def progress_logger(handler: StageProgress) -> dg.LoggerDefinition:
    """A Dagster logger whose records go to ``handler``."""

    def build(_: dg.InitLoggerContext) -> logging.Logger:
        logger = logging.Logger("recon_progress", level=logging.DEBUG)
        logger.addHandler(handler)
        return logger

    return dg.LoggerDefinition(build, description="stage lines for the terminal")


def step_stages(defs: dg.Definitions) -> dict[str, str]:
    """Step (op) name -> the stage of the assets it materializes, for every asset of ``defs``."""
    stages: dict[str, str] = {}
    for spec in defs.resolve_all_asset_specs():
        step = defs.resolve_assets_def(spec.key).node_def.name
        group = spec.group_name or ""
        stages.setdefault(step, STAGE_OF_GROUP.get(group, group))
    return stages
