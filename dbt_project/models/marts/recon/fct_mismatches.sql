{#-
    Every finding of the cycle being closed (var `cycle`; the cycle window of macros/partitions.sql),
    one row each: the union of all recon models (_recon__contract.md), with leakage converted to
    the reporting currency at the rate of its cycle's last day (else the latest earlier date),
    rounded half-even to cents. Incremental: a run replaces its cycle's rows only. The
    columns of mismatches.parquet (interfaces.md) except exception_id and status, which the
    reports add.

    `recon_models` lists the recon models to union; a recon joins the report by being listed.
-#}
{%- set recon_models = [
    'recon_billing_erp',
    'recon_gateway_erp',
    'recon_gateway_billing',
    'recon_payouts',
    'recon_revenue',
    'recon_subscription_billing',
    'recon_usage_billing',
    'recon_customer_master',
] -%}
{%- set text = dbt.type_string() -%}

with findings as (
    {% for model in recon_models -%}
    select
        cycle, recon, category, severity, legal_entity, customer_id, object_id, period_start,
        related_id, currency, expected_amount, actual_amount, difference, leakage_amount, detail
    from {{ ref(model) }}
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
)

select
    cast(findings.cycle as {{ text }}) as cycle,
    cast(findings.recon as {{ text }}) as recon,
    cast(findings.category as {{ text }}) as category,
    cast(findings.severity as {{ text }}) as severity,
    cast(findings.legal_entity as {{ text }}) as legal_entity,
    cast(findings.customer_id as {{ text }}) as customer_id,
    cast(findings.object_id as {{ text }}) as object_id,
    cast(findings.period_start as date) as period_start,
    cast(findings.related_id as {{ text }}) as related_id,
    cast(upper(findings.currency) as {{ text }}) as currency,
    cast(findings.expected_amount as {{ type_decimal(18, 3) }}) as expected_amount,
    cast(findings.actual_amount as {{ type_decimal(18, 3) }}) as actual_amount,
    cast(findings.difference as {{ type_decimal(18, 3) }}) as difference,
    cast(findings.leakage_amount as {{ type_decimal(18, 3) }}) as leakage_amount,
    cast({{ round_half_even(
        'findings.leakage_amount * case when upper(findings.currency) = '
        ~ "upper('" ~ var('reporting_currency') ~ "') then 1 else rates.rate_to_reporting end",
        2) }} as {{ type_decimal(18, 2) }}) as leakage_amount_reporting,
    cast(findings.detail as {{ text }}) as detail
from findings
left join rates
    on upper(findings.currency) = rates.currency
    and findings.cycle = rates.cycle
