{{ config(unique_key=['subscription_item_id', 'period_start_at']) }}
{% call changed_rows_only() %}
-- Usage of every expected metered period: the exact sum of the attached events' quantities in
-- [period start, period end), and how many events that is (0 and 0 when none).
with periods as (
    select * from {{ ref('fct_expected_billing_periods') }}
    where is_metered
),

events as (
    select * from {{ ref('int_usage_events_attached') }}
    where is_attached
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
    periods.currency,
    periods.meter_event_name,
    periods.unit_price_minor,
    cast(coalesce(sum(events.quantity), 0) as {{ type_decimal(38, 12) }}) as usage_quantity,
    count(events.event_id) as event_count
from periods
left join events
    on periods.subscription_item_id = events.subscription_item_id
    and events.event_at >= periods.period_start_at
    and events.event_at < periods.period_end_at
group by
    periods.subscription_item_id,
    periods.period_start_at,
    periods.period_end_at,
    periods.period_start_date,
    periods.cycle,
    periods.subscription_id,
    periods.customer_id,
    periods.price_id,
    periods.currency,
    periods.meter_event_name,
    periods.unit_price_minor
{% endcall %}
