{{ config(unique_key=['charge_id']) }}
{% call changed_rows_only() %}
-- Gateway charges: whether each one succeeded (status succeeded and not captured: false), the
-- amount it settled (amount_captured when present), its fee, and the invoice it pays.
with charges as (
    select * from {{ ref('stg_payments__charges') }}
),

balance_transactions as (
    select * from {{ ref('stg_payments__balance_transactions') }}
),

links as (
    select
        charge_id,
        count(*) as linked_invoice_count,
        min(invoice_id) as any_invoice_id
    from {{ ref('int_charge_invoice_links') }}
    group by charge_id
)

select
    charges.charge_id,
    charges.customer_id,
    charges.currency,
    charges.status,
    charges.is_captured,
    charges.is_paid,
    coalesce(charges.status = 'succeeded' and charges.is_captured is distinct from false, false)
        as is_succeeded,
    charges.amount_minor,
    charges.amount_captured_minor,
    charges.amount_refunded_minor,
    coalesce(charges.amount_captured_minor, charges.amount_minor) as effective_amount_minor,
    charges.created_at,
    {{ cycle_of('charges.created_at') }} as cycle,
    charges.payment_intent_id,
    charges.balance_transaction_id,
    balance_transactions.fee_minor,
    balance_transactions.currency as fee_currency,
    case when links.linked_invoice_count = 1 then links.any_invoice_id end as invoice_id,
    coalesce(links.linked_invoice_count, 0) as linked_invoice_count
from charges
left join balance_transactions
    on charges.balance_transaction_id = balance_transactions.balance_transaction_id
left join links
    on charges.charge_id = links.charge_id
{% endcall %}
