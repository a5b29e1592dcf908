{{ config(unique_key=['subscription_item_id']) }}
{% call changed_rows_only() %}
-- Subscription items with their price, billing interval, usage type and metered event type.
select
    subscription_item_id,
    subscription_id,
    customer_id,
    price_id,
    product_id,
    quantity,
    currency,
    unit_amount_minor,
    unit_amount_decimal_minor,
    unit_price_minor,
    recurring_interval,
    interval_count,
    interval_months,
    interval_days,
    usage_type,
    is_licensed,
    is_metered,
    meter_id,
    meter_event_name
from {{ ref('int_subscription_items_enriched') }}
{% endcall %}
