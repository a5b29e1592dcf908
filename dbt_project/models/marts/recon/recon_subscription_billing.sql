{% call cycle_partition() %}
{#-
    subscription_billing recon (mismatches.md): expected periods against the lines that bill
    them, for every cycle (fct_mismatches keeps the cycle being closed). Columns follow
    _recon__contract.md. Per period, in this order:
    - duplicate_billing: more than one covering line (licensed or metered period); the
      amounts are then not compared;
    - unbilled_subscription: a licensed period with no covering line; leakage = expected;
    - underbilled / overbilled_subscription: the one covering line's net amount is below /
      above the expected amount by more than `tolerance_minor`; leakage (underbilled) = the
      difference; a period with a proration line inside it is checked for coverage only;
    - billed_after_cancellation: a non-proration licensed line on a finalized invoice whose
      period starts at or after its subscription's end, in the invoice's cycle.
-#}
{%- set tolerance = var('tolerance_minor', 1) -%}

with periods as (
    select * from {{ ref('int_billing_periods_covered') }}
    where is_licensed or is_metered
),

customers as (
    select customer_id, legal_entity_id
    from {{ ref('dim_customers') }}
),

period_findings as (
    select
        periods.cycle,
        case
            when periods.covering_line_count > 1 then 'duplicate_billing'
            when periods.covering_line_count = 0 then 'unbilled_subscription'
            when periods.covering_net_amount_minor
                < periods.expected_amount_minor - {{ tolerance }}
                then 'underbilled_subscription'
            else 'overbilled_subscription'
        end as category,
        periods.subscription_item_id,
        periods.period_start_date as period_start,
        periods.customer_id,
        periods.currency,
        periods.product_name,
        periods.covering_line_count,
        periods.covering_invoice_count as invoice_count,
        coalesce(periods.covering_invoice_id, periods.covering_invoice_ids) as related_id,
        periods.expected_amount_minor,
        periods.covering_net_amount_minor,
        cast(null as {{ dbt.type_timestamp() }}) as subscription_ends_at
    from periods
    where periods.covering_line_count > 1
        or (
            periods.is_licensed
            and (
                periods.covering_line_count = 0
                or (
                    periods.covering_line_count = 1
                    and not periods.has_proration_inside
                    and (
                        periods.covering_net_amount_minor
                            < periods.expected_amount_minor - {{ tolerance }}
                        or periods.covering_net_amount_minor
                            > periods.expected_amount_minor + {{ tolerance }}
                    )
                )
            )
        )
),

items as (
    select subscription_item_id, subscription_id, price_id, product_id
    from {{ ref('dim_subscription_items') }}
),

items_by_price as (
    -- For a line naming no (known) item: its subscription's item of the line's price.
    select
        subscription_id,
        price_id,
        min({{ binary_order('subscription_item_id') }}) as subscription_item_id
    from items
    group by subscription_id, price_id
),

late_lines as (
    -- Non-proration licensed lines of finalized invoices starting at or after the end.
    select
        lines.invoice_cycle as cycle,
        coalesce(known.subscription_item_id, by_price.subscription_item_id)
            as subscription_item_id,
        cast(lines.period_start_at as date) as period_start,
        subscriptions.customer_id,
        lines.currency,
        lines.invoice_id,
        lines.net_amount_minor,
        subscriptions.ends_at
    from {{ ref('fct_invoice_lines') }} as lines
    left join items as known
        on lines.subscription_item_id = known.subscription_item_id
    left join items_by_price as by_price
        on known.subscription_item_id is null
        and lines.subscription_id = by_price.subscription_id
        and lines.price_id = by_price.price_id
    inner join {{ ref('dim_subscriptions') }} as subscriptions
        on coalesce(known.subscription_id, by_price.subscription_id)
            = subscriptions.subscription_id
    where lines.is_invoice_finalized
        and not lines.is_proration
        and lines.is_licensed
        and lines.period_start_at >= subscriptions.ends_at
),

late_invoices as (
    -- One row per late-billed period and invoice.
    select
        cycle,
        subscription_item_id,
        period_start,
        invoice_id,
        min(customer_id) as customer_id,
        min(currency) as currency,
        sum(net_amount_minor) as net_amount_minor,
        min(ends_at) as ends_at
    from late_lines
    group by cycle, subscription_item_id, period_start, invoice_id
),

late_findings as (
    select
        late_invoices.cycle,
        'billed_after_cancellation' as category,
        late_invoices.subscription_item_id,
        late_invoices.period_start,
        min(late_invoices.customer_id) as customer_id,
        min(late_invoices.currency) as currency,
        min(products.product_name) as product_name,
        cast(null as {{ dbt.type_bigint() }}) as covering_line_count,
        count(*) as invoice_count,
        {{ dbt.listagg(
            'late_invoices.invoice_id', "', '",
            'order by ' ~ binary_order('late_invoices.invoice_id')) }} as related_id,
        cast(0 as {{ dbt.type_bigint() }}) as expected_amount_minor,
        sum(late_invoices.net_amount_minor) as covering_net_amount_minor,
        min(late_invoices.ends_at) as subscription_ends_at
    from late_invoices
    left join items
        on late_invoices.subscription_item_id = items.subscription_item_id
    left join {{ ref('stg_billing__products') }} as products
        on items.product_id = products.product_id
    group by late_invoices.cycle, late_invoices.subscription_item_id, late_invoices.period_start
),

findings as (
    select * from period_findings
    union all
    select * from late_findings
),

amounts as (
    -- Amounts in minor units, as the category compares them (null when nothing was).
    select
        findings.*,
        case
            when category = 'duplicate_billing' then null
            else expected_amount_minor
        end as expected_minor,
        case
            when category = 'duplicate_billing' then null
            when category = 'unbilled_subscription' then 0
            else covering_net_amount_minor
        end as actual_minor,
        case
            when category = 'unbilled_subscription' then expected_amount_minor
            when category = 'underbilled_subscription'
                then expected_amount_minor - covering_net_amount_minor
        end as leakage_minor,
        {{ dbt.concat([
            "coalesce(product_name, 'Subscription')", "' item '", "subscription_item_id"
        ]) }} as item_label,
        cast(period_start as {{ dbt.type_string() }}) as period_start_text
    from findings
),

texts as (
    -- Amounts as a finance reader writes them: "USD 98.00", "JPY 7350".
    select
        amounts.*,
        {{ minor_amount_text('expected_minor', 'currency') }} as expected_text,
        {{ minor_amount_text('actual_minor', 'currency') }} as actual_text,
        {{ minor_amount_text('leakage_minor', 'currency') }} as leakage_text
    from amounts
)

{%- set detail -%}
case texts.category
        when 'duplicate_billing' then {{ dbt.concat([
            "texts.item_label", "' was billed '",
            "cast(texts.covering_line_count as " ~ dbt.type_string() ~ ")",
            "' times for the period starting '", "texts.period_start_text",
            "case when texts.invoice_count > 1 then ' (invoices ' else ' (all on invoice ' end",
            "coalesce(texts.related_id, '?')", "'); the amounts were not compared.'"]) }}
        when 'unbilled_subscription' then {{ dbt.concat([
            "texts.item_label", "' was not billed for the period starting '",
            "texts.period_start_text", "': '", "texts.leakage_text",
            "' of revenue leaked.'"]) }}
        when 'underbilled_subscription' then {{ dbt.concat([
            "texts.item_label", "' was billed '", "texts.actual_text",
            "' for the period starting '", "texts.period_start_text", "' instead of '",
            "texts.expected_text", "' (invoice '", "coalesce(texts.related_id, '?')", "'): '",
            "texts.leakage_text", "' of revenue leaked.'"]) }}
        when 'overbilled_subscription' then {{ dbt.concat([
            "texts.item_label", "' was billed '", "texts.actual_text",
            "' for the period starting '", "texts.period_start_text", "', more than the '",
            "texts.expected_text", "' expected (invoice '", "coalesce(texts.related_id, '?')",
            "').'"]) }}
        else {{ dbt.concat([
            "texts.item_label", "' was billed '", "texts.actual_text",
            "' for a period starting '", "texts.period_start_text",
            "', on or after the end of its subscription on '",
            "coalesce(cast(cast(texts.subscription_ends_at as date) as " ~ dbt.type_string()
                ~ "), '?')",
            "case when texts.invoice_count > 1 then ' (invoices ' else ' (invoice ' end",
            "coalesce(texts.related_id, '?')", "').'"]) }}
    end
{%- endset %}

select
    {{ finding_columns('subscription_billing', 'texts', 'customers.legal_entity_id',
        object_id='texts.subscription_item_id', period_start='texts.period_start',
        expected_amount=minor_to_major('texts.expected_minor', 'texts.currency'),
        actual_amount=minor_to_major('texts.actual_minor', 'texts.currency'),
        difference=minor_to_major('texts.actual_minor - texts.expected_minor', 'texts.currency'),
        leakage_amount=minor_to_major('texts.leakage_minor', 'texts.currency'),
        detail=detail) }}
from texts
left join customers
    on texts.customer_id = customers.customer_id
left join {{ ref('int_recon_severities') }} as severities
    on texts.category = severities.category
{% endcall %}
