{#
    The select list of a ledger-side recon model (billing_erp, gateway_erp, gateway_billing,
    payouts, revenue) in the columns of the recon contract (models/marts/recon/
    _recon__contract.md), from a CTE `kept` of findings joined to `severities`
    (int_recon_severities). `legal_entity` and `customer_id` are SQL expressions, since the
    recons take them from different places.
#}
{% macro ledger_finding_columns(recon, legal_entity, customer_id='kept.customer_id') -%}
    {%- set text = dbt.type_string() -%}
    cast(kept.cycle as {{ text }}) as cycle,
    cast('{{ recon }}' as {{ text }}) as recon,
    cast(kept.category as {{ text }}) as category,
    cast(coalesce(severities.severity, 'error') as {{ text }}) as severity,
    cast({{ legal_entity }} as {{ text }}) as legal_entity,
    cast({{ customer_id }} as {{ text }}) as customer_id,
    cast(kept.object_id as {{ text }}) as object_id,
    cast(null as date) as period_start,
    cast(kept.related_id as {{ text }}) as related_id,
    cast(upper(kept.currency) as {{ text }}) as currency,
    cast(kept.expected_amount as {{ type_decimal(18, 3) }}) as expected_amount,
    cast(kept.actual_amount as {{ type_decimal(18, 3) }}) as actual_amount,
    cast(kept.actual_amount - kept.expected_amount as {{ type_decimal(18, 3) }}) as difference,
    cast(null as {{ type_decimal(18, 3) }}) as leakage_amount,
    cast(kept.detail as {{ text }}) as detail
{%- endmacro %}
