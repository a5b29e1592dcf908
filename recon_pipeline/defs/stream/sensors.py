"""The stream in Dagster: the ``stream_landing`` sensor and the ``stream/events`` asset.

Every 15 s the sensor lands what ``recon serve`` stored since its position
(``recon_pipeline.lib.stream.landing``: small batches through the batch readers into
OUT/raw/_stream, each committed once), then asks for runs of the cycles the events touched:
the provisional run of the open month, a re-run of a cycle already reconciled (a late event).
A cycle neither open nor reconciled yet needs nothing: its close will read the events.
Its position lives with the landed data (the Dagster cursor mirrors it), so a restart of the
daemon neither loses nor repeats an event. Each tick that landed something records a
materialization of ``stream/events`` with the figures finance operations watch: backlog and
age of the oldest waiting event, synchronization latency, replays absorbed, quarantined.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import dagster as dg

from recon_pipeline.defs.operations.jobs import WAREHOUSE_WRITE, close_cycle_job
from recon_pipeline.defs.operations.schedules import TRIGGER_TAG
from recon_pipeline.defs.shared.partitions import OWNERS, SOURCES_GROUP
from recon_pipeline.defs.shared.runs import PROVISIONAL_TAG
from recon_pipeline.lib.operations.cycles import open_cycle, reconciled_cycles
from recon_pipeline.settings import Settings, SettingsError

STREAM_ASSET = dg.AssetKey(["stream", "events"])
#: Batches landed per tick at most (each up to 20,000 events), so a tick stays short.
BATCHES_PER_TICK = 10

stream_events = dg.AssetSpec(
    key=STREAM_ASSET,
    description=(
        "Events taken by `recon serve` (Stripe webhooks, usage CloudEvents), landed by the "
        "stream_landing sensor into OUT/raw/_stream with the raw zone's typed schemas; every "
        "run of a cycle merges them with the exports (newest state wins). Metadata per "
        "landing: backlog, oldest waiting event's age, synchronization latency, replays "
        "absorbed, events quarantined."
    ),
    group_name=SOURCES_GROUP,
    kinds={"python", "parquet"},
    owners=OWNERS,
    tags={"recon/layer": "raw", "recon/system": "stream"},
    # Warn when nothing landed for an hour, fail after a day: the receiver or its senders may
    # be down (evaluated by Dagster itself, no sensor needed).
    freshness_policy=dg.FreshnessPolicy.time_window(fail_window=timedelta(days=1),
                                                    warn_window=timedelta(hours=1)),
)


def cycle_requests(touched: set[str], reconciled: set[str], now: datetime, stamp: str
                   ) -> list[dg.RunRequest]:
    """The runs a landing asks for: the open month provisional, reconciled cycles again."""
    current = open_cycle(now)
    requests = []
    for cycle in sorted(touched):
        if cycle == current:
            tags = {PROVISIONAL_TAG: "true", TRIGGER_TAG: "stream"}
        elif cycle in reconciled:
            tags = {TRIGGER_TAG: "stream"}
        else:
            continue
        requests.append(dg.RunRequest(run_key=f"stream:{cycle}:{stamp}", partition_key=cycle,
                                      tags={**tags, **WAREHOUSE_WRITE}))
    return requests


@dg.sensor(
    name="stream_landing",
    job=close_cycle_job,
    minimum_interval_seconds=15,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Lands the events recon serve stored (local log or JetStream) into the raw zone in "
        "small batches, each exactly once, then runs the cycles they touched: the open month "
        "provisionally, a reconciled cycle again for a late event."
    ),
)
def stream_landing_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    """Land the waiting events; request the runs of the cycles they touched."""
    from recon_pipeline.lib.stream import landing, reader
    from recon_pipeline.lib.stream.app import read_stats
    from recon_pipeline.lib.stream.config import StreamConfig

    try:
        settings = Settings.resolve()
    except SettingsError as exc:
        return dg.SensorResult(skip_reason=f"settings unusable: {exc}", cursor=context.cursor)
    config = StreamConfig.from_env()
    if not config.nats_url and not config.stream_dir.is_dir():
        return dg.SensorResult(skip_reason=f"no stream log at {config.stream_dir}",
                               cursor=context.cursor)
    reports = landing.land_all(config, settings.out_dir, max_batches=BATCHES_PER_TICK)
    at = landing.position(config, settings.out_dir)
    cursor = json.dumps({"store": landing.store_id(config), "position": at})
    if not reports:
        return dg.SensorResult(skip_reason="no new event", cursor=cursor)
    waiting, oldest_ms = reader.backlog(config, at)
    now = datetime.now(UTC)
    touched = {c for r in reports for c in r.cycles}
    newest = max((r.newest_received_ms or 0) for r in reports)
    totals = landing.totals(settings.out_dir)
    metadata: dict[str, dg.RawMetadataValue] = {
        "events_landed": sum(r.landed for r in reports),
        "events_read": sum(r.events for r in reports),
        "backlog_events": waiting,
        "backlog_oldest_age_s": round(time.time() - oldest_ms / 1000, 1) if oldest_ms else 0.0,
        "sync_latency_s": round(time.time() - newest / 1000, 3) if newest else 0.0,
        "replays_absorbed": sum(r.duplicates for r in reports),
        "quarantined": sum(r.quarantined for r in reports),
        "ignored_event_types": sum(r.ignored for r in reports),
        "replays_absorbed_total": totals["duplicates"],
        "quarantined_total": totals["quarantined"],
        "landed_total": totals["landed"],
        "cycles_touched": ", ".join(sorted(touched)),
        "landing_seconds": round(sum(r.seconds for r in reports), 3),
        "store": config.store,
    }
    by_customer, by_entity = landing.quarantined_by(
        settings.out_dir, [r.batch for r in reports if r.batch and r.quarantined])
    receiver = read_stats(config.stream_dir)
    metadata |= {
        "quarantined_by_customer": dg.MetadataValue.json(by_customer),
        "quarantined_by_legal_entity": dg.MetadataValue.json(by_entity),
        "refused_total": int(receiver.get("refused", 0)),
        "refused_by_reason": dg.MetadataValue.json(receiver.get("refused_by_reason", {})),
    }
    stamp = reports[-1].batch or str(at)
    requests = cycle_requests(touched, set(reconciled_cycles(settings.out_dir)), now, stamp)
    context.log.info(f"landed {metadata['events_landed']} events in {len(reports)} batches; "
                     f"runs requested for {[r.partition_key for r in requests]}")
    return dg.SensorResult(
        run_requests=requests,
        cursor=cursor,
        asset_events=[dg.AssetMaterialization(asset_key=STREAM_ASSET, metadata=metadata)],
    )

