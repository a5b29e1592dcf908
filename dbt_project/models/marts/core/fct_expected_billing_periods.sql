{{ config(unique_key=['subscription_item_id', 'period_start_at']) }}
{% call changed_rows_only() %}
-- Every billing period the subscriptions should have been billed for, up to the cycle's end,
-- with its cycle and, for licensed items, the amount expected after discounts.
with periods as (
    select * from {{ ref('int_billing_periods_stepped') }}
),

licensed_amounts as (
    select * from {{ ref('int_licensed_period_amounts') }}
)

select
    periods.subscription_item_id,
    periods.period_start_at,
    periods.period_end_at,
    cast(periods.period_start_at as date) as period_start_date,
    case
        when periods.is_metered
            then {{ cycle_of(dbt.dateadd('second', -1, 'periods.period_end_at')) }}
        else {{ cycle_of('periods.period_start_at') }}
    end as cycle,
    periods.period_index,
    periods.previous_period_start_at,
    periods.is_cut_short,
    periods.subscription_id,
    periods.customer_id,
    periods.price_id,
    periods.currency,
    periods.usage_type,
    periods.is_licensed,
    periods.is_metered,
    periods.meter_event_name,
    periods.unit_price_minor,
    licensed_amounts.gross_amount_minor,
    licensed_amounts.discount_amount_minor,
    licensed_amounts.expected_amount_minor
from periods
left join licensed_amounts
    on periods.subscription_item_id = licensed_amounts.subscription_item_id
    and periods.period_start_at = licensed_amounts.period_start_at
{% endcall %}
