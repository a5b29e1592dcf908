{#-
    The ratable revenue schedule of every licensed line on a finalized invoice (mismatches.md,
    "Revenue recognition"): the line's net amount spread over its period [start, end) in
    proportion to seconds, one share per cycle the period touches. Each share is rounded
    half-even to minor units, except the line's last cycle, which takes the remainder so the
    shares add up to the line. A line with an empty period is recognised in the month of its
    start (as the oracle reads the spec).
-#}
{%- set max_months = var('max_revenue_months', 1200) -%}

with lines as (
    select
        invoice_line_id,
        invoice_id,
        currency,
        net_amount_minor,
        period_start_at,
        period_end_at,
        coalesce(period_end_at > period_start_at, false) as has_duration
    from {{ ref('fct_invoice_lines') }}
    where is_licensed
        and is_invoice_finalized
        and period_start_at is not null
        and net_amount_minor is not null
),

spans as (
    select
        lines.*,
        {{ dbt.date_trunc('month', 'period_start_at') }} as first_month_at,
        case
            when has_duration then {{ dbt.datediff(
                'period_start_at', dbt.dateadd('second', -1, 'period_end_at'), 'month') }}
            else 0
        end as last_month_index,
        case
            when has_duration then {{ dbt.datediff('period_start_at', 'period_end_at', 'second') }}
        end as period_seconds
    from lines
),

months as (
    select
        spans.*,
        steps.n as month_index,
        {{ add_months('spans.first_month_at', 'steps.n') }} as month_start_at,
        {{ add_months('spans.first_month_at', 'steps.n + 1') }} as month_end_at
    from spans
    inner join ({{ number_series(max_months) }}) as steps
        on steps.n <= spans.last_month_index
),

segments as (
    select
        months.*,
        case
            when has_duration then {{ dbt.datediff(
                'greatest(period_start_at, month_start_at)',
                'least(period_end_at, month_end_at)', 'second') }}
        end as segment_seconds
    from months
),

rounded as (
    select
        segments.*,
        case
            when has_duration then {{ div_half_even(
                'net_amount_minor * cast(segment_seconds as ' ~ dbt.type_bigint() ~ ')',
                'cast(period_seconds as ' ~ dbt.type_bigint() ~ ')') }}
            else net_amount_minor
        end as rounded_share_minor
    from segments
),

shares as (
    select
        rounded.*,
        case
            when month_index = last_month_index
                then net_amount_minor - coalesce(sum(case
                    when month_index < last_month_index then rounded_share_minor
                end) over (partition by invoice_line_id), 0)
            else rounded_share_minor
        end as share_minor
    from rounded
)

select
    invoice_line_id,
    invoice_id,
    {{ cycle_of('month_start_at') }} as cycle,
    currency,
    net_amount_minor,
    period_start_at,
    period_end_at,
    cast(segment_seconds as {{ dbt.type_bigint() }}) as segment_seconds,
    cast(period_seconds as {{ dbt.type_bigint() }}) as period_seconds,
    month_index = last_month_index as is_last_cycle,
    cast(share_minor as {{ dbt.type_bigint() }}) as share_minor
from shares
