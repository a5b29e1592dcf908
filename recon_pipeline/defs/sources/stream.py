"""``stream/events``: what ``recon serve`` took, landed into the raw zone by the
``stream_landing`` sensor (``recon_pipeline.defs.stream``). An asset of the sources stage: each
run of a cycle merges the landed events with the exports."""

from datetime import timedelta

import dagster as dg

from recon_pipeline.defs.shared.partitions import OWNERS, SOURCES_GROUP

STREAM_ASSET = dg.AssetKey(["stream", "events"])
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
