{% call cycle_partition() %}
{#-
    usage_billing recon (mismatches.md): every expected metered period's usage against the
    quantity its covering line bills (no covering line = 0 billed), and usage that attaches to
    no metered item, for every cycle (fct_mismatches keeps the cycle being closed). Columns
    follow _recon__contract.md.
    - unbilled_usage: usage exceeds the billed quantity by more than `usage_tolerance`;
      leakage = the difference × the unit price, rounded half-even to minor units;
    - overbilled_usage: the billed quantity exceeds the usage by more than `usage_tolerance`;
    - a period with more than one covering line is duplicate_billing (subscription_billing),
      which replaces the usage comparison;
    - orphan_usage: one finding per `<subject>/<type>` whose events of the cycle attach to no
      metered subscription item active at their time.
    Quantities are exact decimals. The amounts compared are money: the billed quantity ×
    unit price (actual) against the usage × unit price (expected), so that difference =
    −leakage for unbilled usage.
-#}
{#- The tolerance as an exact decimal (config gives it as text, e.g. "0.5"). -#}
{%- set tolerance = "cast('" ~ var('usage_tolerance', 0) ~ "' as " ~ type_decimal(38, 12) ~ ")" -%}
{#- An exact quantity (QUANTITY) as text without trailing zeros: 1500, 0.3. -#}
{%- set quantity_text -%}
    {{ trim_trailing(trim_trailing(
        decimal_text("cast(QUANTITY as " ~ type_decimal(38, 12) ~ ")"),
        "'0'"), "'.'") }}
{%- endset -%}

with periods as (
    select * from {{ ref('int_billing_periods_covered') }}
    where is_metered and covering_line_count <= 1
),

usage as (
    select subscription_item_id, period_start_at, usage_quantity, meter_event_name
    from {{ ref('fct_usage_by_period') }}
),

compared as (
    select
        periods.cycle,
        periods.subscription_item_id,
        periods.period_start_date as period_start,
        periods.period_end_at,
        periods.customer_id,
        periods.currency,
        periods.product_name,
        usage.meter_event_name,
        periods.covering_invoice_id as related_id,
        periods.unit_price_minor,
        coalesce(usage.usage_quantity, 0) as used_quantity,
        coalesce(periods.covering_quantity, 0) as billed_quantity
    from periods
    left join usage
        on periods.subscription_item_id = usage.subscription_item_id
        and periods.period_start_at = usage.period_start_at
),

period_findings as (
    select
        compared.*,
        case
            when used_quantity - billed_quantity > {{ tolerance }} then 'unbilled_usage'
            else 'overbilled_usage'
        end as category,
        {{ round_half_even('billed_quantity * unit_price_minor') }} as actual_minor,
        {{ round_half_even('(billed_quantity - used_quantity) * unit_price_minor') }}
            as difference_minor
    from compared
    where used_quantity - billed_quantity > {{ tolerance }}
        or billed_quantity - used_quantity > {{ tolerance }}
),

period_texts as (
    select
        period_findings.*,
        actual_minor - difference_minor as expected_minor,
        case when category = 'unbilled_usage' then -difference_minor end as leakage_minor,
        {{ dbt.concat([
            "coalesce(product_name, 'Metered')", "' item '", "subscription_item_id"
        ]) }} as item_label,
        {{ quantity_text | replace('QUANTITY', 'used_quantity') }} as used_text,
        {{ quantity_text | replace('QUANTITY', 'billed_quantity') }} as billed_text,
        cast(period_start as {{ dbt.type_string() }}) as period_start_text,
        cast(cast(period_end_at as date) as {{ dbt.type_string() }}) as period_end_text
    from period_findings
),

period_rows as (
    select
        cycle,
        category,
        customer_id,
        subscription_item_id as object_id,
        period_start,
        related_id,
        currency,
        expected_minor,
        actual_minor,
        difference_minor,
        leakage_minor,
        case category
            when 'unbilled_usage' then {{ dbt.concat([
                "item_label", "' used '", "used_text", "' '",
                "coalesce(meter_event_name, 'units')", "' from '", "period_start_text",
                "' to '", "period_end_text", "' but was billed for '", "billed_text",
                "coalesce(" ~ dbt.concat(["' (invoice '", "related_id", "')'"])
                    ~ ", ' (no covering invoice line)')", "': '",
                minor_amount_text('leakage_minor', 'currency'),
                "' of revenue leaked.'"]) }}
            else {{ dbt.concat([
                "item_label", "' was billed for '", "billed_text", "' '",
                "coalesce(meter_event_name, 'units')", "' from '", "period_start_text",
                "' to '", "period_end_text", "' but used only '", "used_text",
                "' (invoice '", "coalesce(related_id, '?')", "').'"]) }}
        end as detail
    from period_texts
),

orphans as (
    select * from {{ ref('fct_unattached_usage') }}
),

orphan_rows as (
    select
        cycle,
        'orphan_usage' as category,
        customer_id,
        usage_key as object_id,
        cast(null as date) as period_start,
        cast(null as {{ dbt.type_string() }}) as related_id,
        cast(null as {{ dbt.type_string() }}) as currency,
        cast(null as {{ type_decimal(38, 0) }}) as expected_minor,
        cast(null as {{ type_decimal(38, 0) }}) as actual_minor,
        cast(null as {{ type_decimal(38, 0) }}) as difference_minor,
        cast(null as {{ type_decimal(38, 0) }}) as leakage_minor,
        {{ dbt.concat([
            "'Customer '", "coalesce(customer_id, '?')", "' sent '",
            "cast(event_count as " ~ dbt.type_string() ~ ")", "' '",
            "coalesce(event_type, '?')",
            "case when event_count = 1 then ' usage event (' else ' usage events (total ' end",
            quantity_text | replace('QUANTITY', 'usage_quantity'), "') in '", "cycle",
            "case when event_count = 1 then ' that attaches' else ' that attach' end",
            "' to no metered subscription item active at the time, so nothing bills '",
            "case when event_count = 1 then 'it.' else 'them.' end"
        ]) }} as detail
    from orphans
),

findings as (
    select * from period_rows
    union all
    select * from orphan_rows
)

select
    {{ finding_columns('usage_billing', 'findings', 'customers.legal_entity_id',
        period_start='findings.period_start',
        expected_amount=minor_to_major('findings.expected_minor', 'findings.currency'),
        actual_amount=minor_to_major('findings.actual_minor', 'findings.currency'),
        difference=minor_to_major('findings.difference_minor', 'findings.currency'),
        leakage_amount=minor_to_major('findings.leakage_minor', 'findings.currency')) }}
from findings
left join {{ ref('dim_customers') }} as customers
    on findings.customer_id = customers.customer_id
left join {{ ref('int_recon_severities') }} as severities
    on findings.category = severities.category
{% endcall %}
