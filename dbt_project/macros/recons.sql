{#
    The recons, each a `recon_<recon>` model and a `recon_<recon>__coverage` model
    (models/marts/recon/_recon__contract.md). Their categories are rows of the registry,
    seeds/recon_categories.csv; dbt needs the model names when it parses, before any seed is
    loaded, so they are listed here once, and the data test
    tests/registry/assert_registry_recons_have_models.sql keeps this list and the registry equal.
#}
{% macro recon_names() -%}
    {{ return(['billing_erp', 'gateway_erp', 'gateway_billing', 'payouts', 'subscription_billing',
               'usage_billing', 'customer_master', 'revenue']) }}
{%- endmacro %}
