"""Dagster objects laid out by stage of the data flow, as the asset groups are.

``sources`` -> ``warehouse`` (groups ``canonical`` and ``reconciliation``) -> ``quality`` ->
``reports``; ``operations`` holds the jobs, schedules and sensor, ``shared`` what every stage
uses. Each stage package has one ``defs``; ``recon_pipeline.definitions`` merges them.
"""
