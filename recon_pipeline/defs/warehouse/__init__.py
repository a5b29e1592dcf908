"""The dbt project (dbt_project/): its models are assets, its data tests asset checks."""
