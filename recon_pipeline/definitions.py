"""The Dagster code location: the definitions of every domain under ``recon_pipeline/defs``."""

import dagster as dg

# Modules, not their `defs`: Dagster wants exactly one Definitions object in this module.
from recon_pipeline.defs.billing import definitions as billing
from recon_pipeline.defs.close import definitions as close
from recon_pipeline.defs.crm import definitions as crm
from recon_pipeline.defs.erp import definitions as erp
from recon_pipeline.defs.payments import definitions as payments
from recon_pipeline.defs.quality import definitions as quality
from recon_pipeline.defs.reference import definitions as reference
from recon_pipeline.defs.reports import definitions as reports
from recon_pipeline.defs.shared import definitions as shared
from recon_pipeline.defs.sources import definitions as sources
from recon_pipeline.defs.stream import definitions as stream
from recon_pipeline.defs.usage import definitions as usage
from recon_pipeline.defs.warehouse import definitions as warehouse

defs = dg.Definitions.merge(
    shared.defs,
    sources.defs,
    billing.defs,
    payments.defs,
    erp.defs,
    usage.defs,
    crm.defs,
    reference.defs,
    warehouse.defs,
    quality.defs,
    reports.defs,
    close.defs,
    stream.defs,
    # Every job runs its steps one after another in the run's own process, as `recon run`
    # does: the steps of a cycle are nearly serial anyway (one dbt build, one DuckDB writer),
    # and a process per step re-imports the code location (3-5 s) about 24 times per run.
    # A bigger machine with parallel extraction to gain can put multiprocess_executor here.
    dg.Definitions(executor=dg.in_process_executor),
)
