"""The sources directory of a cycle before and after extraction: its inventory (and the
fingerprint the late-data sensor compares), and the quarantine of every row that could not be read.

The extraction assets themselves are built in extraction.py, one per source object.
"""

from datetime import UTC, datetime

import dagster as dg
import orjson

from recon_pipeline.defs.shared.partitions import (
    OWNERS,
    SOURCES_GROUP,
    cycle_partitions,
    one_run_per_cycle,
)
from recon_pipeline.defs.shared.resources import ReconSettings
from recon_pipeline.defs.sources.extraction import RAW_KEYS
from recon_pipeline.lib.atomic import write_bytes
from recon_pipeline.lib.inventory import missing_systems, scan_sources, summary_markdown
from recon_pipeline.lib.operations.fingerprint import fingerprint_path, record_sources_fingerprint
from recon_pipeline.settings import Settings, SettingsError


@one_run_per_cycle
@dg.asset(
    group_name=SOURCES_GROUP,
    kinds={"python", "json"},
    owners=OWNERS,
    tags={"recon/layer": "sources"},
    partitions_def=cycle_partitions,
)
def sources_inventory(
    context: dg.AssetExecutionContext, settings: ReconSettings
) -> dg.MaterializeResult:
    """Every file the source systems exported for the cycle, with its size and line count.

    Fails, and so stops the run, when the sources directory is missing or is not a sources
    directory (none of billing/, payments/, erp/, usage/, crm/, reference/). Written to
    OUT/raw/<cycle>/sources_inventory.json.

    First of all it records the fingerprint of the sources the run reads (path, size and
    modification time of every file; OUT/raw/<cycle>/sources_fingerprint.json). The
    `late_source_data` sensor compares it with the directory as it is now and runs a
    reconciled cycle again when its sources changed (late usage, payments, corrections).
    """
    resolved = settings.resolve()
    try:
        resolved.check_sources_dir()
    except SettingsError as exc:
        raise dg.Failure(description=str(exc)) from None
    # Taken before the sources are read: a file that changes while the run reads it makes the
    # recorded fingerprint differ from the next one, so the cycle runs again.
    raw_dir = resolved.raw_dir(context.partition_key)
    fingerprint = record_sources_fingerprint(
        resolved.sources_dir, raw_dir, cycle=context.partition_key, recorded_at=datetime.now(UTC)
    )
    files = scan_sources(resolved.sources_dir)
    missing = missing_systems(files)
    if missing:
        context.log.warning(f"no files for source systems: {', '.join(missing)}")
    for refused in (f for f in files if f.problem):
        context.log.warning(f"{refused.path} {refused.problem}")

    out = raw_dir / "sources_inventory.json"
    document = {
        "cycle": context.partition_key,
        "sources_dir": str(resolved.sources_dir),
        "files": [f.to_dict() for f in files],
    }
    write_bytes(out, orjson.dumps(document, option=orjson.OPT_INDENT_2))
    return dg.MaterializeResult(
        metadata={
            "sources_dir": dg.MetadataValue.path(str(resolved.sources_dir)),
            "path": dg.MetadataValue.path(str(out)),
            "files": len(files),
            "bytes": sum(f.size_bytes for f in files),
            "missing_systems": ", ".join(missing) or "none",
            "files_not_read": sum(f.problem is not None for f in files),
            "sources_fingerprint": fingerprint.digest,
            "fingerprint_path": dg.MetadataValue.path(str(fingerprint_path(raw_dir))),
            "summary": dg.MetadataValue.md(summary_markdown(files)),
        }
    )


@one_run_per_cycle
@dg.asset(
    key=["raw", "quarantine"],
    deps=RAW_KEYS,
    group_name=SOURCES_GROUP,
    kinds={"python", "parquet"},
    owners=OWNERS,
    partitions_def=cycle_partitions,
)
def raw_quarantine(
    context: dg.AssetExecutionContext, settings: ReconSettings
) -> dg.MaterializeResult:
    """Every row of the cycle's sources that could not be read, with source, file, line,
    record and reason (OUT/raw/<cycle>/quarantine.parquet), and rows read, loaded and
    quarantined per file (file_counts.parquet). Nothing is lost: read = loaded + quarantined
    (+ usage redeliveries, loaded once)."""
    import pyarrow.parquet as pq

    from recon_pipeline.lib.extract.api import combine_parts

    resolved = settings.resolve()
    raw_dir = resolved.raw_dir(context.partition_key)
    quarantine_path, counts_path = combine_parts(raw_dir)
    published = publish_raw_zone(resolved, context.partition_key)
    quarantine = pq.read_table(quarantine_path)
    counts = pq.read_table(counts_path).to_pylist()
    by_source: dict[str, list[int]] = {}
    for row in counts:
        read_quarantined = by_source.setdefault(row["source"], [0, 0])
        read_quarantined[0] += row["rows_read"]
        read_quarantined[1] += row["rows_quarantined"]
    table = "\n".join(["| source | rows read | quarantined |", "|---|---:|---:|"]
                      + [f"| {s} | {r:,} | {q:,} |" for s, (r, q) in sorted(by_source.items())])
    return dg.MaterializeResult(metadata={
        "dagster/row_count": quarantine.num_rows,
        "rows_quarantined": quarantine.num_rows,
        "path": dg.MetadataValue.path(str(quarantine_path)),
        "by_source": dg.MetadataValue.md(table),
        **({"published": published} if published else {}),
    })


def publish_raw_zone(resolved: Settings, cycle: str) -> str | None:
    """When OUT is a URL, copy the cycle's raw zone there (tables, quarantine, file counts,
    inventory and the extraction stamps; not the spill folder); its URL, else None."""
    from recon_pipeline.lib.extract.api import SPILL

    published = resolved.published()
    if published is None:
        return None
    rel = f"raw/{cycle}"
    try:
        published.publish(resolved.raw_dir(cycle), rel, exclude=(SPILL,))
    except OSError as exc:
        raise dg.Failure(description=f"cannot publish the raw zone of {cycle} to "
                         f"{published.url}: {exc}") from None
    return published.child(rel).url
