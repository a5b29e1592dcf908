"""Reference data (legal entities, FX rates), landed in the raw zone for the dbt project."""
