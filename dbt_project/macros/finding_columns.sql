{#
    The select list of every recon model, in the columns and types of the recon contract
    (models/marts/recon/_recon__contract.md). `rel` is the relation (CTE alias) the findings
    come from; every other argument is a SQL expression, and those left out are read from
    `rel`'s column of the same name (`difference`: actual − expected; `period_start`,
    `leakage_amount`: null). Severity comes from a join of int_recon_severities aliased
    `severities` (the registry's, or the var recon_severity's override).
#}
{% macro finding_columns(recon, rel, legal_entity, customer_id=none, object_id=none,
                         period_start='null', related_id=none, currency=none,
                         expected_amount=none, actual_amount=none, difference=none,
                         leakage_amount='null', detail=none) -%}
    {%- set text = dbt.type_string() -%}
    {%- set money = type_decimal(18, 3) -%}
    {%- set expected_amount = expected_amount or rel ~ '.expected_amount' -%}
    {%- set actual_amount = actual_amount or rel ~ '.actual_amount' -%}
    cast({{ rel }}.cycle as {{ text }}) as cycle,
    cast('{{ recon }}' as {{ text }}) as recon,
    cast({{ rel }}.category as {{ text }}) as category,
    cast(coalesce(severities.severity, 'error') as {{ text }}) as severity,
    cast({{ legal_entity }} as {{ text }}) as legal_entity,
    cast({{ customer_id or rel ~ '.customer_id' }} as {{ text }}) as customer_id,
    cast({{ object_id or rel ~ '.object_id' }} as {{ text }}) as object_id,
    cast({{ period_start }} as date) as period_start,
    cast({{ related_id or rel ~ '.related_id' }} as {{ text }}) as related_id,
    cast(upper({{ currency or rel ~ '.currency' }}) as {{ text }}) as currency,
    cast({{ expected_amount }} as {{ money }}) as expected_amount,
    cast({{ actual_amount }} as {{ money }}) as actual_amount,
    cast({{ difference or '(' ~ actual_amount ~ ') - (' ~ expected_amount ~ ')' }}
        as {{ money }}) as difference,
    cast({{ leakage_amount }} as {{ money }}) as leakage_amount,
    cast({{ detail or rel ~ '.detail' }} as {{ text }}) as detail
{%- endmacro %}
