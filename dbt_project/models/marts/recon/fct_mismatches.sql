{#-
    Every finding of the cycle being closed (var `cycle`; the cycle window of macros/partitions.sql),
    one row each: the union of all recon models (_recon__contract.md), with leakage converted to
    the reporting currency at the rate of its cycle's last day (else the latest earlier date),
    rounded half-even to cents. Incremental: a run replaces its cycle's rows only. The
    columns of mismatches.parquet (interfaces.md) except exception_id and status, which the
    reports add.

    Each finding also gets `blocking` from the registry (seeds/recon_categories.csv; a category
    the registry lacks leaves it null, which the not_null test stops) and `difference_reporting`,
    the money at stake: the absolute difference (one side missing: the whole amount) converted
    at the same rate, half-even cents.

    The recon models unioned are the macro recon_names(); a recon joins the report by being
    listed there and in the registry.
-#}
{%- set text = dbt.type_string() -%}

with findings as (
    {% for recon in recon_names() -%}
    select
        cycle, recon, category, severity, legal_entity, customer_id, object_id, period_start,
        related_id, currency, expected_amount, actual_amount, difference, leakage_amount, detail
    from {{ ref('recon_' ~ recon) }}
    where {{ in_cycle_window('cycle', every_cycle_in_unit_tests=false) }}
    {% if not loop.last %}union all
    {% endif -%}
    {%- endfor %}
),

cycles as (
    select distinct cycle from findings
),

rates as (
    -- The rate of each cycle's last day, else of the latest earlier date with one.
    select cycles.cycle, fx.currency, fx.rate_to_reporting
    from cycles
    inner join {{ ref('dim_fx_rates') }} as fx
        on fx.valid_from_date <= {{ cycle_last_date('cycles.cycle') }}
        and (
            fx.valid_until_date is null
            or fx.valid_until_date > {{ cycle_last_date('cycles.cycle') }}
        )
),

converted as (
    select
        findings.*,
        case when upper(findings.currency) = upper('{{ var('reporting_currency') }}') then 1
            else rates.rate_to_reporting end as rate
    from findings
    left join rates
        on upper(findings.currency) = rates.currency
        and findings.cycle = rates.cycle
)

select
    cast(converted.cycle as {{ text }}) as cycle,
    cast(converted.recon as {{ text }}) as recon,
    cast(converted.category as {{ text }}) as category,
    cast(converted.severity as {{ text }}) as severity,
    cast(converted.legal_entity as {{ text }}) as legal_entity,
    cast(converted.customer_id as {{ text }}) as customer_id,
    cast(converted.object_id as {{ text }}) as object_id,
    cast(converted.period_start as date) as period_start,
    cast(converted.related_id as {{ text }}) as related_id,
    cast(upper(converted.currency) as {{ text }}) as currency,
    cast(converted.expected_amount as {{ type_decimal(18, 3) }}) as expected_amount,
    cast(converted.actual_amount as {{ type_decimal(18, 3) }}) as actual_amount,
    cast(converted.difference as {{ type_decimal(18, 3) }}) as difference,
    cast(converted.leakage_amount as {{ type_decimal(18, 3) }}) as leakage_amount,
    cast({{ round_half_even('converted.leakage_amount * converted.rate', 2) }}
        as {{ type_decimal(18, 2) }}) as leakage_amount_reporting,
    cast(converted.detail as {{ text }}) as detail,
    cast({{ round_half_even(
        'abs(coalesce(converted.difference, converted.expected_amount, converted.actual_amount))'
        ~ ' * converted.rate', 2) }} as {{ type_decimal(18, 2) }}) as difference_reporting,
    registry.blocking
from converted
left join {{ ref('recon_categories') }} as registry
    on converted.category = registry.category

