"""Dagster-free extraction: source files and the ERP into typed Arrow tables (the raw zone).

``extract_sources`` reads a whole sources directory; ``extract_object`` one source object, so
that one asset per object can call it; ``combine_parts`` writes the combined quarantine and
file counts. Every failure the user must fix raises :class:`SourceError`.
"""

from recon_pipeline.lib.extract.api import (
    check_sources,
    combine_parts,
    extract_object,
    extract_sources,
)
from recon_pipeline.lib.extract.errors import SourceError
from recon_pipeline.lib.extract.objects import OBJECTS
from recon_pipeline.lib.extract.report import ExtractReport, FileCount, ObjectReport

__all__ = [
    "OBJECTS",
    "ExtractReport",
    "FileCount",
    "ObjectReport",
    "SourceError",
    "check_sources",
    "combine_parts",
    "extract_object",
    "extract_sources",
]
