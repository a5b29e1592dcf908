{#-
    Every expected billing period (licensed and metered) with the invoice lines that cover it
    (mismatches.md, "Expected subscription periods"). A line covers a period when it bills the
    same subscription item (or, when the line names no item, the same subscription and price),
    is not a proration, sits on a finalized invoice, and its period starts within
    `coverage_window_hours` of the period's start. A metered period is billed in arrears: its
    covering line also sits on an invoice finalized at or after the period's end and at most
    `grace_days` later (finalized_at, else the invoice's creation). One row per period, with
    how many lines cover it, the single covering line's amount and quantity when there is
    exactly one, and whether a proration line of the item starts inside the period (then the
    period is checked for coverage only).
-#}
{%- set window_hours = var('coverage_window_hours', 24) -%}
{%- set grace_days = var('grace_days', 3) -%}
{#- A line is in reach of a period when it could cover it (starts within the window of the
    period's start) or is a proration inside it (starts in [start, end)): the join takes only
    those, so its size grows with the lines, not with periods × lines of an item (months²). -#}
{%- set in_reach -%}
        and lines.line_period_start_at
            >= {{ dbt.dateadd('hour', -window_hours, 'periods.period_start_at') }}
        and (
            lines.line_period_start_at
                <= {{ dbt.dateadd('hour', window_hours, 'periods.period_start_at') }}
            or lines.line_period_start_at < periods.period_end_at
        )
{%- endset %}

with periods as (
    select * from {{ ref('fct_expected_billing_periods') }}
),

items as (
    select subscription_item_id, product_id
    from {{ ref('dim_subscription_items') }}
),

products as (
    select product_id, product_name
    from {{ ref('stg_billing__products') }}
),

lines as (
    -- Lines of finalized invoices, with the instant their invoice was finalized.
    select
        lines.invoice_line_id,
        lines.invoice_id,
        lines.subscription_id,
        lines.subscription_item_id,
        lines.price_id,
        lines.is_proration,
        lines.net_amount_minor,
        lines.quantity,
        lines.period_start_at as line_period_start_at,
        coalesce(invoices.finalized_at, invoices.created_at) as invoice_finalized_at
    from {{ ref('fct_invoice_lines') }} as lines
    inner join {{ ref('fct_invoices') }} as invoices
        on lines.invoice_id = invoices.invoice_id
    where invoices.is_finalized
),

candidates as (
    -- The lines in reach of each period, of its item (or, naming no item, of its subscription
    -- and price).
    select
        periods.subscription_item_id,
        periods.period_start_at,
        periods.period_end_at,
        periods.is_metered,
        lines.invoice_line_id,
        lines.invoice_id,
        lines.is_proration,
        lines.net_amount_minor,
        lines.quantity,
        lines.line_period_start_at,
        lines.invoice_finalized_at
    from periods
    inner join lines
        on lines.subscription_item_id = periods.subscription_item_id
{{ in_reach }}

    union all

    select
        periods.subscription_item_id,
        periods.period_start_at,
        periods.period_end_at,
        periods.is_metered,
        lines.invoice_line_id,
        lines.invoice_id,
        lines.is_proration,
        lines.net_amount_minor,
        lines.quantity,
        lines.line_period_start_at,
        lines.invoice_finalized_at
    from periods
    inner join lines
        on lines.subscription_id = periods.subscription_id
        and lines.price_id = periods.price_id
{{ in_reach }}
    where lines.subscription_item_id is null
),

covering as (
    select
        candidates.subscription_item_id,
        candidates.period_start_at,
        candidates.invoice_line_id,
        candidates.invoice_id,
        candidates.net_amount_minor,
        candidates.quantity
    from candidates
    where not candidates.is_proration
        and candidates.line_period_start_at
            >= {{ dbt.dateadd('hour', -window_hours, 'candidates.period_start_at') }}
        and candidates.line_period_start_at
            <= {{ dbt.dateadd('hour', window_hours, 'candidates.period_start_at') }}
        and (
            not candidates.is_metered
            or (
                candidates.invoice_finalized_at >= candidates.period_end_at
                and candidates.invoice_finalized_at
                    <= {{ dbt.dateadd('day', grace_days, 'candidates.period_end_at') }}
            )
        )
),

coverage as (
    select
        subscription_item_id,
        period_start_at,
        count(*) as covering_line_count,
        min(invoice_line_id) as any_covering_line_id,
        min(invoice_id) as any_covering_invoice_id,
        min(net_amount_minor) as any_net_amount_minor,
        min(quantity) as any_quantity
    from covering
    group by subscription_item_id, period_start_at
),

covering_invoices as (
    select
        subscription_item_id,
        period_start_at,
        count(*) as covering_invoice_count,
        {{ dbt.listagg(
            'invoice_id', "', '", 'order by ' ~ binary_order('invoice_id')) }}
            as covering_invoice_ids
    from (select distinct subscription_item_id, period_start_at, invoice_id from covering)
        as distinct_invoices
    group by subscription_item_id, period_start_at
),

prorations as (
    -- Periods with a proration line of their item starting inside them.
    select distinct
        candidates.subscription_item_id,
        candidates.period_start_at
    from candidates
    where candidates.is_proration
        and candidates.line_period_start_at >= candidates.period_start_at
        and candidates.line_period_start_at < candidates.period_end_at
)

select
    periods.subscription_item_id,
    periods.period_start_at,
    periods.period_end_at,
    periods.period_start_date,
    periods.cycle,
    periods.subscription_id,
    periods.customer_id,
    periods.price_id,
    items.product_id,
    products.product_name,
    periods.currency,
    periods.is_licensed,
    periods.is_metered,
    periods.unit_price_minor,
    periods.expected_amount_minor,
    cast(coalesce(coverage.covering_line_count, 0) as {{ dbt.type_bigint() }})
        as covering_line_count,
    cast(coalesce(covering_invoices.covering_invoice_count, 0) as {{ dbt.type_bigint() }})
        as covering_invoice_count,
    covering_invoices.covering_invoice_ids,
    case when coverage.covering_line_count = 1 then coverage.any_covering_line_id end
        as covering_line_id,
    case when coverage.covering_line_count = 1 then coverage.any_covering_invoice_id end
        as covering_invoice_id,
    cast(case when coverage.covering_line_count = 1 then coverage.any_net_amount_minor end
        as {{ dbt.type_bigint() }}) as covering_net_amount_minor,
    cast(case when coverage.covering_line_count = 1 then coverage.any_quantity end
        as {{ type_decimal(38, 12) }}) as covering_quantity,
    prorations.subscription_item_id is not null as has_proration_inside
from periods
left join items
    on periods.subscription_item_id = items.subscription_item_id
left join products
    on items.product_id = products.product_id
left join coverage
    on periods.subscription_item_id = coverage.subscription_item_id
    and periods.period_start_at = coverage.period_start_at
left join covering_invoices
    on periods.subscription_item_id = covering_invoices.subscription_item_id
    and periods.period_start_at = covering_invoices.period_start_at
left join prorations
    on periods.subscription_item_id = prorations.subscription_item_id
    and periods.period_start_at = prorations.period_start_at
