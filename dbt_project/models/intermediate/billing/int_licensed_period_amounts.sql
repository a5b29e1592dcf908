{#-
    Expected amount (minor units) of every licensed item in every expected period of its
    subscription: unit price × quantity (quantity 1 when missing), rounded half-even, less the
    subscription's discounts that apply to the period, percent coupons first, each in turn:
    - percent_off: each item's amount less its percentage, rounded half-even;
    - amount_off: spread over the licensed items in proportion to their amounts, rounded
      half-even, the item with the greatest id taking the remainder; no item goes below 0.
    A coupon with duration `once` applies to the first period starting at or after the
    discount's start, `repeating` to the periods starting within duration_in_months of it,
    `forever` (or none) to all. A discount without a start starts with the subscription.
    Coupons are applied in turn, up to var `max_discounts_per_subscription` (default 3) per
    period; the data test of stg_billing__subscription_discounts guards that bound.
-#}
{%- set max_discounts = var('max_discounts_per_subscription', 3) -%}

with licensed_items as (
    select
        subscription_id,
        subscription_item_id,
        {{ round_half_even('unit_price_minor * coalesce(quantity, 1)') }} as gross_amount_minor
    from {{ ref('int_subscription_items_enriched') }}
    where is_licensed
),

periods as (
    -- A subscription's licensed items share its periods; one row per subscription and start.
    select distinct
        subscription_id,
        period_start_at,
        previous_period_start_at
    from {{ ref('int_billing_periods_stepped') }}
    where is_licensed
),

discounts as (
    select
        discounts.subscription_id,
        discounts.discount_id,
        discounts.coupon_id,
        discounts.percent_off,
        discounts.amount_off_minor,
        discounts.duration,
        discounts.duration_in_months,
        coalesce(discounts.started_at, subscriptions.started_at) as discount_started_at
    from {{ ref('stg_billing__subscription_discounts') }} as discounts
    left join {{ ref('stg_billing__subscriptions') }} as subscriptions
        on discounts.subscription_id = subscriptions.subscription_id
    where discounts.percent_off is not null or discounts.amount_off_minor > 0
),

applicable as (
    select
        periods.subscription_id,
        periods.period_start_at,
        discounts.percent_off,
        discounts.amount_off_minor,
        row_number() over (
            partition by periods.subscription_id, periods.period_start_at
            order by
                case when discounts.percent_off is not null then 0 else 1 end,
                discounts.discount_started_at,
                {{ binary_order('discounts.discount_id') }},
                {{ binary_order('discounts.coupon_id') }}
        ) as discount_rank
    from periods
    inner join discounts
        on periods.subscription_id = discounts.subscription_id
    where
        case
            when discounts.duration = 'once' then
                periods.period_start_at >= discounts.discount_started_at
                and (
                    periods.previous_period_start_at is null
                    or periods.previous_period_start_at < discounts.discount_started_at
                )
            when discounts.duration = 'repeating' and discounts.duration_in_months is not null then
                periods.period_start_at >= discounts.discount_started_at
                and periods.period_start_at < {{ add_months(
                    'discounts.discount_started_at', 'discounts.duration_in_months') }}
            else true
        end
),

discounted_0 as (
    select
        periods.subscription_id,
        periods.period_start_at,
        licensed_items.subscription_item_id,
        licensed_items.gross_amount_minor,
        licensed_items.gross_amount_minor as amount_minor
    from periods
    inner join licensed_items
        on periods.subscription_id = licensed_items.subscription_id
),

{%- for rank in range(1, max_discounts + 1) %}

totals_{{ rank }} as (
    -- Discount number {{ rank }} of the period, beside each item's amount so far.
    select
        previous.*,
        coupon.percent_off,
        coupon.amount_off_minor,
        sum(previous.amount_minor) over (
            partition by previous.subscription_id, previous.period_start_at
        ) as total_minor,
        max({{ binary_order('previous.subscription_item_id') }}) over (
            partition by previous.subscription_id, previous.period_start_at
        ) as last_item_id
    from discounted_{{ rank - 1 }} as previous
    left join applicable as coupon
        on previous.subscription_id = coupon.subscription_id
        and previous.period_start_at = coupon.period_start_at
        and coupon.discount_rank = {{ rank }}
),

shares_{{ rank }} as (
    -- amount_off in proportion to the items' amounts; the last item's share is the remainder.
    select
        *,
        case when total_minor > 0 and subscription_item_id <> last_item_id then
            {{ div_half_even('amount_off_minor * amount_minor', 'total_minor') }}
        end as proportional_share_minor
    from totals_{{ rank }}
),

discounted_{{ rank }} as (
    select
        subscription_id,
        period_start_at,
        subscription_item_id,
        gross_amount_minor,
        case
            when percent_off is not null then
                amount_minor - {{ round_half_even('amount_minor * percent_off * 0.01') }}
            when amount_off_minor is null or total_minor <= 0 then amount_minor
            when subscription_item_id = last_item_id then greatest(0, amount_minor - (
                amount_off_minor - coalesce(sum(proportional_share_minor) over (
                    partition by subscription_id, period_start_at), 0)))
            else greatest(0, amount_minor - proportional_share_minor)
        end as amount_minor
    from shares_{{ rank }}
),
{%- endfor %}

final as (
    select
        subscription_item_id,
        period_start_at,
        subscription_id,
        cast(gross_amount_minor as {{ dbt.type_bigint() }}) as gross_amount_minor,
        cast(gross_amount_minor - amount_minor as {{ dbt.type_bigint() }}) as discount_amount_minor,
        cast(amount_minor as {{ dbt.type_bigint() }}) as expected_amount_minor
    from discounted_{{ max_discounts }}
)

select * from final
