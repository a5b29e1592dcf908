{{ config(unique_key=['invoice_line_id']) }}
{% call changed_rows_only() %}
-- Invoice lines with their net amount (amount less discounts), whether they bill a licensed or
-- a metered price (the line's price, else its subscription item's), and their invoice's state.
with lines as (
    select * from {{ ref('stg_billing__invoice_lines') }}
),

invoices as (
    select * from {{ ref('fct_invoices') }}
),

prices as (
    select * from {{ ref('stg_billing__prices') }}
),

items as (
    select * from {{ ref('int_subscription_items_enriched') }}
),

typed as (
    select
        lines.*,
        case when prices.price_id is not null then prices.usage_type else items.usage_type end
            as usage_type,
        coalesce(lines.price_id, items.price_id) as resolved_price_id,
        items.subscription_id as item_subscription_id
    from lines
    left join prices
        on lines.price_id = prices.price_id
    left join items
        on lines.subscription_item_id = items.subscription_item_id
)

select
    typed.invoice_line_id,
    typed.invoice_id,
    invoices.customer_id,
    coalesce(typed.subscription_id, invoices.subscription_id) as subscription_id,
    typed.subscription_item_id,
    typed.resolved_price_id as price_id,
    typed.usage_type,
    coalesce(typed.usage_type = 'licensed', false) as is_licensed,
    coalesce(typed.usage_type = 'metered', false) as is_metered,
    coalesce(typed.is_proration, false) as is_proration,
    coalesce(typed.currency, invoices.currency) as currency,
    typed.amount_minor,
    coalesce(typed.discount_amount_minor, 0) as discount_amount_minor,
    typed.amount_minor - coalesce(typed.discount_amount_minor, 0) as net_amount_minor,
    typed.quantity,
    typed.period_start_at,
    typed.period_end_at,
    invoices.status as invoice_status,
    invoices.is_finalized as is_invoice_finalized,
    invoices.finalized_at as invoice_finalized_at,
    invoices.cycle as invoice_cycle
from typed
left join invoices
    on typed.invoice_id = invoices.invoice_id
{% endcall %}
