-- One row per subscription item with what billing it needs: its subscription's dates and end,
-- its price's terms, and the usage event type a metered price bills.
with items as (
    select * from {{ ref('stg_billing__subscription_items') }}
),

subscriptions as (
    select * from {{ ref('stg_billing__subscriptions') }}
),

prices as (
    select * from {{ ref('stg_billing__prices') }}
),

meters as (
    select * from {{ ref('stg_billing__meters') }}
),

enriched as (
    select
        items.subscription_item_id,
        items.subscription_id,
        subscriptions.customer_id,
        subscriptions.status as subscription_status,
        {{ subscription_is_billable('subscriptions.status') }} as is_billable,
        subscriptions.started_at,
        subscriptions.billing_cycle_anchor_at,
        subscriptions.trial_end_at,
        {{ subscription_end_at(
            'subscriptions.ended_at', 'subscriptions.canceled_at',
            'subscriptions.cancel_at', 'subscriptions.status') }} as ends_at,
        items.price_id,
        prices.product_id,
        items.quantity,
        coalesce(subscriptions.currency, prices.currency) as currency,
        prices.unit_amount_minor,
        prices.unit_amount_decimal_minor,
        coalesce(
            prices.unit_amount_decimal_minor,
            cast(prices.unit_amount_minor as {{ type_decimal(38, 12) }})
        ) as unit_price_minor,
        prices.recurring_interval,
        prices.interval_count,
        case prices.recurring_interval
            when 'month' then prices.interval_count
            when 'year' then 12 * prices.interval_count
        end as interval_months,
        case prices.recurring_interval
            when 'week' then 7 * prices.interval_count
            when 'day' then prices.interval_count
        end as interval_days,
        prices.usage_type,
        coalesce(prices.usage_type = 'licensed', false) as is_licensed,
        coalesce(prices.usage_type = 'metered', false) as is_metered,
        prices.meter_id,
        coalesce(meters.event_name, prices.metadata_meter_event_name) as meter_event_name
    from items
    left join subscriptions
        on items.subscription_id = subscriptions.subscription_id
    left join prices
        on items.price_id = prices.price_id
    left join meters
        on prices.meter_id = meters.meter_id
)

select * from enriched
