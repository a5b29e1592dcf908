"""The stream half: the ``stream/events`` asset (group ``sources``) and the ``stream_landing``
sensor that lands what ``recon serve`` stored and runs the cycles it touched (docs/stream.md)."""

import dagster as dg

from recon_pipeline.defs.stream.sensors import stream_events, stream_landing_sensor

defs = dg.Definitions(assets=[stream_events], sensors=[stream_landing_sensor])
