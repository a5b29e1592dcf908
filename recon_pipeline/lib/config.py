"""Reconciliation settings (tolerances, windows, severities, schedule) from ``config/recon.yml``.

The categories and their default severities are the registry's (recon_pipeline.lib.registry);
the file's ``recon_severity`` overrides them by category.

Dagster-free: the command line and the Dagster resources call :func:`load_config` and pass
:meth:`ReconConfig.dbt_vars` to dbt, whose models read them as vars. The defaults are the
repository's ``config/recon.yml``; a run's own file overrides only the keys it sets. Every
problem raises :class:`ConfigError` with one line that says what is wrong and how to fix it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml  # type: ignore[import-untyped]
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from recon_pipeline.lib.cycles import is_cycle
from recon_pipeline.lib.registry import BY_CATEGORY, REGISTRY, SEVERITIES
from recon_pipeline.lib.registry import category as registry_category

#: The repository's configuration file, whose values are the defaults.
DEFAULT_PATH = Path(__file__).resolve().parents[2] / "config" / "recon.yml"

#: Every category of the registry (dbt_project/seeds/recon_categories.csv).
CATEGORIES: frozenset[str] = frozenset(BY_CATEGORY)
KEYS = (
    "tolerance_minor",
    "usage_tolerance",
    "grace_days",
    "coverage_window_hours",
    "reporting_currency",
    "recon_severity",
    "schedule",
    "first_cycle",
)
#: Keys of the ``schedule:`` section (when the close and the provisional runs start, in UTC),
#: with their defaults and allowed ranges. Days stop at 28 so every month has the day.
SCHEDULE_KEYS: dict[str, tuple[int, int, int]] = {
    "close_day_of_month": (4, 1, 28),
    "close_hour_utc": (6, 0, 23),
    "provisional_hour_utc": (5, 0, 23),
}
_CURRENCY = re.compile(r"^[A-Z]{3}$")


class ConfigError(ValueError):
    """The configuration cannot be used; the message names the file, the key and the fix."""


@dataclass(frozen=True)
class CloseSchedule:
    """When the schedules start runs (config/recon.yml, section ``schedule``), in UTC.

    The close of a month runs on ``close_day_of_month`` of the next month at
    ``close_hour_utc``; the provisional run of the open month every day at
    ``provisional_hour_utc``.
    """

    close_day_of_month: int = SCHEDULE_KEYS["close_day_of_month"][0]
    close_hour_utc: int = SCHEDULE_KEYS["close_hour_utc"][0]
    provisional_hour_utc: int = SCHEDULE_KEYS["provisional_hour_utc"][0]

    @property
    def close_cron(self) -> str:
        """Cron expression of the close schedule (minute 0)."""
        return f"0 {self.close_hour_utc} {self.close_day_of_month} * *"

    @property
    def provisional_cron(self) -> str:
        """Cron expression of the daily provisional schedule (minute 0)."""
        return f"0 {self.provisional_hour_utc} * * *"


@dataclass(frozen=True)
class ReconConfig:
    """The reconciliation settings of a run (see config/recon.yml for each one)."""

    tolerance_minor: int = 1
    usage_tolerance: Decimal = Decimal(0)
    grace_days: int = 3
    coverage_window_hours: int = 24
    reporting_currency: str = "USD"
    #: Severity of every category: the registry's, overridden by the ones given (the file's
    #: ``recon_severity``); completed from the registry when the instance is made.
    recon_severity: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    schedule: Mapping[str, int] = field(default_factory=lambda: MappingProxyType(
        {key: spec[0] for key, spec in SCHEDULE_KEYS.items()}))
    #: The first close cycle (the partitions start there); None: the sources' first month.
    first_cycle: str | None = None

    def __post_init__(self) -> None:
        given = dict(self.recon_severity)
        object.__setattr__(self, "recon_severity", MappingProxyType(
            {c.category: given.get(c.category, c.severity) for c in REGISTRY}))

    def close_schedule(self) -> CloseSchedule:
        """The ``schedule`` section as a :class:`CloseSchedule` (defaults for keys left out)."""
        return CloseSchedule(**{key: self.schedule[key] for key in SCHEDULE_KEYS
                                if key in self.schedule})

    def severity(self, category: str) -> str:
        """Severity of ``category``: as configured, else the registry's (RegistryError for a
        category the registry lacks)."""
        return self.recon_severity.get(category) or registry_category(category).severity

    def severity_overrides(self) -> dict[str, str]:
        """The categories whose configured severity differs from the registry's."""
        return {c: s for c, s in sorted(self.recon_severity.items())
                if s != BY_CATEGORY[c].severity}

    def dbt_vars(self) -> dict[str, Any]:
        """The settings as dbt vars (dbt_project.yml names them alike). The usage tolerance is
        a string, so it reaches SQL as an exact decimal literal, never a binary float."""
        return {
            "tolerance_minor": self.tolerance_minor,
            "usage_tolerance": str(self.usage_tolerance),
            "grace_days": self.grace_days,
            "coverage_window_hours": self.coverage_window_hours,
            "reporting_currency": self.reporting_currency,
            # Only what differs from the registry: dbt reads the registry itself (the seed).
            "recon_severity": self.severity_overrides(),
        }


def load_config(path: Path | None = None) -> ReconConfig:
    """The settings of ``path`` over the defaults of config/recon.yml (the defaults alone when
    ``path`` is None).

    Raises:
        ConfigError: a file cannot be read, is not YAML, or holds a key or value that is not
            allowed.
    """
    values = _read(DEFAULT_PATH)
    where = str(DEFAULT_PATH)
    if path is not None:
        override = _read(path)
        where = str(path)
        severities = {**(values.get("recon_severity") or {}),
                      **(override.get("recon_severity") or {})}
        schedule = {**(values.get("schedule") or {}), **(override.get("schedule") or {})}
        values = {**values, **override, "recon_severity": severities, "schedule": schedule}
    return _validate(values, where)


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"config file {path} is not valid YAML: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path} must be a mapping of settings (key: value)")
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise ConfigError(
            f"config file {path}: unknown setting(s) {', '.join(map(str, unknown))}; "
            f"known: {', '.join(KEYS)}"
        )
    if not isinstance(data.get("recon_severity") or {}, dict):
        raise ConfigError(f"config file {path}: recon_severity must map categories to "
                          "error or warning")
    if not isinstance(data.get("schedule") or {}, dict):
        raise ConfigError(f"config file {path}: schedule must map "
                          f"{', '.join(SCHEDULE_KEYS)} to whole numbers")
    return data


class _Numbers(BaseModel):
    """The numeric settings and their bounds: a value past them would overflow the SQL they
    reach (``grace_days: 1e20``) or make no sense for a close (a tolerance of a billion)."""

    model_config = ConfigDict(strict=True, extra="ignore")

    tolerance_minor: int = Field(1, ge=0, le=1_000_000)
    usage_tolerance: Decimal = Field(Decimal(0), ge=0, le=1_000_000_000, decimal_places=9,
                                     allow_inf_nan=False)
    grace_days: int = Field(3, ge=0, le=366)
    coverage_window_hours: int = Field(24, ge=0, le=744)

    @field_validator("usage_tolerance", mode="before")
    @classmethod
    def _exact(cls, value: Any) -> Decimal:
        """YAML gives text, a whole number or a float: read its text as an exact decimal (a
        YAML 0.1 becomes Decimal("0.1"), not its binary approximation)."""
        if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
            raise ValueError("not a decimal")
        try:
            return Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError("not a decimal") from None


#: What each numeric setting must be, as its error message says it.
_NUMBER_RULES = {
    "tolerance_minor": "a whole number >= 0, at most 1000000",
    "usage_tolerance": 'a decimal >= 0 such as "0.5", at most 1000000000 with 9 decimals',
    "grace_days": "a whole number >= 0, at most 366",
    "coverage_window_hours": "a whole number >= 0, at most 744 (31 days)",
}


def _numbers(values: Mapping[str, Any], where: str) -> _Numbers:
    given = {key: values[key] for key in _NUMBER_RULES if values.get(key) is not None}
    try:
        return _Numbers.model_validate(given)
    except ValidationError as exc:
        key = str(exc.errors()[0]["loc"][0])
        raise ConfigError(
            f"{where}: {key} must be {_NUMBER_RULES[key]}, got {given.get(key)!r}"
        ) from None


def _validate(values: Mapping[str, Any], where: str) -> ReconConfig:
    numbers = _numbers(values, where)
    return ReconConfig(
        tolerance_minor=numbers.tolerance_minor,
        usage_tolerance=numbers.usage_tolerance,
        grace_days=numbers.grace_days,
        coverage_window_hours=numbers.coverage_window_hours,
        reporting_currency=_currency(values, where),
        recon_severity=MappingProxyType(_severities(values, where)),
        schedule=MappingProxyType(_schedule(values, where)),
        first_cycle=_first_cycle(values, where),
    )


def _first_cycle(values: Mapping[str, Any], where: str) -> str | None:
    value = values.get("first_cycle")
    if value is None:
        return None
    text = str(value)  # YAML reads 2026-09 as text; a bare year-month has no other meaning
    if not is_cycle(text):
        raise ConfigError(f"{where}: first_cycle must be a month written YYYY-MM such as "
                          f"2024-01, got {value!r}")
    return text


def _currency(values: Mapping[str, Any], where: str) -> str:
    value = values.get("reporting_currency", "USD")
    code = value.strip().upper() if isinstance(value, str) else value
    if not isinstance(code, str) or not _CURRENCY.match(code):
        raise ConfigError(
            f"{where}: reporting_currency must be an ISO 4217 code such as USD, got {value!r}"
        )
    return code


def _severities(values: Mapping[str, Any], where: str) -> dict[str, str]:
    severities = values.get("recon_severity") or {}
    unknown = sorted(str(c) for c in severities if c not in CATEGORIES)
    if unknown:
        raise ConfigError(
            f"{where}: recon_severity names unknown categories {', '.join(unknown)} "
            "(the categories are the rows of dbt_project/seeds/recon_categories.csv)"
        )
    wrong = {c: s for c, s in severities.items() if s not in SEVERITIES}
    if wrong:
        listed = ", ".join(f"{c}: {s!r}" for c, s in sorted(wrong.items()))
        raise ConfigError(f"{where}: recon_severity must be error or warning; got {listed}")
    return dict(sorted(severities.items()))


def _schedule(values: Mapping[str, Any], where: str) -> dict[str, int]:
    schedule = values.get("schedule") or {}
    unknown = sorted(str(k) for k in schedule if k not in SCHEDULE_KEYS)
    if unknown:
        raise ConfigError(
            f"{where}: schedule has unknown setting(s) {', '.join(unknown)}; "
            f"known: {', '.join(SCHEDULE_KEYS)}"
        )
    checked: dict[str, int] = {}
    for key, (default, low, high) in SCHEDULE_KEYS.items():
        value = schedule.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ConfigError(
                f"{where}: schedule.{key} must be a whole number from {low} to {high}, "
                f"got {value!r}"
            )
        checked[key] = value
    return checked
