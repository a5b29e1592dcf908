"""The stream half: the receiver (``recon serve``), its durable log, and the landing of events
into the raw zone (Dagster-free; the sensor is in ``recon_pipeline.defs.stream``)."""
