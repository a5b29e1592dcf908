"""Dagster-free reports of a cycle and the exception ledger (docs/outputs.md, "Outputs").

``write_reports(out, CycleInputs(...), now=...)`` writes ``OUT/reports/<cycle>/`` and keeps
``OUT/exceptions.parquet``; ``markdown_preview`` and ``headline_figures`` feed asset metadata.
"""

from recon_pipeline.lib.reports.figures import (
    close_status,
    headline_figures,
    markdown_preview,
    money_text,
)
from recon_pipeline.lib.reports.ids import exception_id
from recon_pipeline.lib.reports.ledger import (
    LedgerState,
    derive_exceptions,
    read_ledger,
    record_run,
)
from recon_pipeline.lib.reports.schema import (
    EXCEPTIONS_SCHEMA,
    FINDINGS_SCHEMA,
    MISMATCHES_SCHEMA,
    QUARANTINE_SCHEMA,
    conform_findings,
)
from recon_pipeline.lib.reports.write import (
    REPORT_FILES,
    CycleInputs,
    ReportResult,
    report_folder,
    write_reports,
)

__all__ = [
    "EXCEPTIONS_SCHEMA",
    "FINDINGS_SCHEMA",
    "MISMATCHES_SCHEMA",
    "QUARANTINE_SCHEMA",
    "REPORT_FILES",
    "CycleInputs",
    "LedgerState",
    "ReportResult",
    "close_status",
    "conform_findings",
    "derive_exceptions",
    "exception_id",
    "headline_figures",
    "markdown_preview",
    "money_text",
    "read_ledger",
    "record_run",
    "report_folder",
    "write_reports",
]
