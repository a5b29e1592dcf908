"""The stream half: the ``stream_landing`` sensor that lands what ``recon serve`` stored and
runs the cycles it touched (docs/stream.md). Its asset, ``stream/events``, is in the sources
stage (``recon_pipeline.defs.sources.stream``)."""

import dagster as dg

from recon_pipeline.defs.stream.sensors import stream_landing_sensor

defs = dg.Definitions(sensors=[stream_landing_sensor])
