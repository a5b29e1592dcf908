"""The ``settings`` resource: where a run reads and writes, configured from the environment."""

import contextlib
from collections.abc import Iterator
from typing import Any

import dagster as dg
from pydantic import Field

from recon_pipeline.settings import (
    DEFAULT_OUT_DIR,
    DEFAULT_REPORTING_CURRENCY,
    DEFAULT_SOURCES_DIR,
    DEFAULT_WAREHOUSE,
    ENV_CONFIG,
    ENV_ERP_PASSWORD,
    ENV_ERP_URL,
    ENV_OUT_DIR,
    ENV_REPORTING_CURRENCY,
    ENV_SOURCES_DIR,
    ENV_WAREHOUSE,
    WAREHOUSES,
    Settings,
    SettingsError,
)


class ReconSettings(dg.ConfigurableResource):
    """Sources directory, output directory, ERP, reporting currency and warehouse of a run.

    Every field left empty is read from its environment variable when a run starts (not when
    the code location loads), then falls back to its default. The ERP password is never
    configuration: it comes from the URL in RECON_ERP_URL or from RECON_ERP_PASSWORD.
    """

    sources_dir: str | None = Field(
        default=None,
        description=f"Sources directory (docs/sources.md). Empty: ${ENV_SOURCES_DIR}, "
        f"else {DEFAULT_SOURCES_DIR} under the working directory.",
    )
    out_dir: str | None = Field(
        default=None,
        description=f"Output directory, or a URL (s3://bucket/recon, any fsspec URL: the raw "
        f"zone and reports go there, the rest to $RECON_WORK_DIR; docs/outputs.md). Empty: "
        f"${ENV_OUT_DIR}, else {DEFAULT_OUT_DIR}.",
    )
    erp_url: str | None = Field(
        default=None,
        description=f"SQLAlchemy URL of the ERP, without password. Empty: ${ENV_ERP_URL}, "
        f"else sqlite:///<sources>/erp/ledger.sqlite. Password: ${ENV_ERP_PASSWORD}.",
    )
    reporting_currency: str | None = Field(
        default=None,
        description=f"ISO 4217 code. Empty: ${ENV_REPORTING_CURRENCY}, "
        f"else {DEFAULT_REPORTING_CURRENCY}.",
    )

    config_file: str | None = Field(
        default=None,
        description=f"Reconciliation settings (YAML, the format of config/recon.yml: "
        f"tolerances, windows, severities). Empty: ${ENV_CONFIG}, else config/recon.yml.",
    )

    warehouse: str | None = Field(
        default=None,
        description=f"Where dbt builds the marts and findings: {' or '.join(WAREHOUSES)} "
        f"(docs/spark.md). Empty: ${ENV_WAREHOUSE}, else {DEFAULT_WAREHOUSE}.",
    )

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """When a run starts (any job, any launcher: the resource is set up once per run with
        the in-process executor): tag it with its process, fail runs whose process is gone."""
        from recon_pipeline.defs.shared.runs import claim_run

        if context.instance is not None and context.run is not None:
            claim_run(context.instance, context.run)

    @contextlib.contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[Any]:
        """For the run's (or, multiprocess, the step's) duration, the SQLite files of the
        instance are held open (defs/shared/instance_files.py): a run launched from the UI, a
        schedule or a backfill stores its events without a WAL checkpoint per event, as
        ``recon run`` does."""
        from recon_pipeline.defs.shared.instance_files import held_open

        with contextlib.ExitStack() as stack:
            if context.instance is not None and context.run is not None:
                stack.enter_context(held_open(context.instance, context.run.run_id))
            self.setup_for_execution(context)
            try:
                yield self.create_resource(context)
            finally:
                self.teardown_after_execution(context)

    def resolve(self) -> Settings:
        """The settings of this run; a user error becomes a ``dg.Failure`` with its message."""
        try:
            return Settings.resolve(
                sources_dir=self.sources_dir,
                out_dir=self.out_dir,
                erp_url=self.erp_url,
                reporting_currency=self.reporting_currency,
                config_file=self.config_file,
                warehouse=self.warehouse,
            )
        except SettingsError as exc:
            raise dg.Failure(description=str(exc)) from None
