"""The workflow's settings (``config/workflow.yml``): due-date rules, waiver reasons, thresholds."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

from recon_pipeline.lib.workflow.log import WorkflowError

DEFAULT_PATH = Path(__file__).resolve().parents[3] / "config" / "workflow.yml"
ENV_CONFIG = "RECON_WORKFLOW_CONFIG"


@dataclass(frozen=True)
class DueRule:
    min_amount: Decimal
    min_age_days: int
    days: int


@dataclass(frozen=True)
class WorkflowConfig:
    due_rules: tuple[DueRule, ...]
    waiver_reasons: dict[str, str]
    waiver_approver_above: Decimal
    waiver_tolerance: Decimal
    materiality: Decimal
    freeze_sources: bool = True

    def due_date(self, amount: Decimal, first_seen: datetime, age_days: int) -> date:
        """First seen + the days of the first rule the amount at stake and the age meet."""
        for rule in self.due_rules:
            if abs(amount) >= rule.min_amount and age_days >= rule.min_age_days:
                return first_seen.date() + timedelta(days=rule.days)
        return first_seen.date() + timedelta(days=self.due_rules[-1].days)


def _decimal(value: Any, key: str, where: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise WorkflowError(f"{where}: {key} must be a decimal, not {value!r}") from None
    if not number.is_finite() or number < 0:
        raise WorkflowError(f"{where}: {key} must be a finite decimal >= 0, not {value!r}")
    return number


def load_workflow_config(path: Path | None = None) -> WorkflowConfig:
    """The repository's config/workflow.yml, overridden by ``path`` (or $RECON_WORKFLOW_CONFIG)."""
    data: dict[str, Any] = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    where = str(DEFAULT_PATH)
    override = path or (Path(os.environ[ENV_CONFIG]) if os.environ.get(ENV_CONFIG) else None)
    if override is not None:
        extra = yaml.safe_load(Path(override).read_text(encoding="utf-8")) or {}
        if not isinstance(extra, dict):
            raise WorkflowError(f"{override}: expected a mapping of settings")
        data.update(extra)
        where = str(override)
    rules = []
    for item in data.get("due_rules") or []:
        if not isinstance(item, dict) or "days" not in item:
            raise WorkflowError(f"{where}: each due rule needs days (and min_amount, "
                                f"min_age_days), not {item!r}")
        rules.append(DueRule(_decimal(item.get("min_amount", 0), "min_amount", where),
                             int(item.get("min_age_days", 0)), int(item["days"])))
    if not rules:
        raise WorkflowError(f"{where}: due_rules must list at least one rule")
    reasons = data.get("waiver_reasons") or {}
    if not isinstance(reasons, dict) or not reasons:
        raise WorkflowError(f"{where}: waiver_reasons must map codes to descriptions")
    return WorkflowConfig(
        due_rules=tuple(rules),
        waiver_reasons={str(k): str(v) for k, v in reasons.items()},
        waiver_approver_above=_decimal(data.get("waiver_approver_above", 0),
                                       "waiver_approver_above", where),
        waiver_tolerance=_decimal(data.get("waiver_tolerance", 0), "waiver_tolerance", where),
        materiality=_decimal(data.get("materiality", 0), "materiality", where),
        freeze_sources=bool(data.get("freeze_sources", True)),
    )
