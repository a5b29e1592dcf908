{{ config(unique_key=['invoice_id']) }}
{% call changed_rows_only() %}
-- Invoices with their cycle (month of finalization, else creation), whether they are finalized
-- (open, paid or uncollectible), whether they were paid outside the gateway, and how many
-- succeeded charges pay them.
with invoices as (
    select * from {{ ref('stg_billing__invoices') }}
),

customers as (
    select * from {{ ref('stg_billing__customers') }}
),

paid_out_of_band as (
    -- Current shape: a paid invoice_payment of type payment_record.
    select distinct invoice_id
    from {{ ref('stg_payments__invoice_payments') }}
    where status = 'paid' and payment_type = 'payment_record'
),

succeeded_charges as (
    select links.invoice_id, count(*) as succeeded_charge_count
    from {{ ref('int_charge_invoice_links') }} as links
    inner join {{ ref('fct_charges') }} as charges
        on links.charge_id = charges.charge_id
    where charges.is_succeeded
    group by links.invoice_id
)

select
    invoices.invoice_id,
    invoices.invoice_number,
    invoices.customer_id,
    customers.legal_entity_id,
    invoices.subscription_id,
    invoices.currency,
    invoices.status,
    coalesce(invoices.status in ('open', 'paid', 'uncollectible'), false) as is_finalized,
    invoices.subtotal_minor,
    invoices.tax_minor,
    invoices.total_minor,
    {{ minor_to_major('invoices.total_minor', 'invoices.currency') }} as total_amount,
    invoices.amount_paid_minor,
    invoices.amount_remaining_minor,
    coalesce(invoices.is_paid_out_of_band, false) or paid_out_of_band.invoice_id is not null
        as is_paid_out_of_band,
    invoices.created_at,
    invoices.finalized_at,
    invoices.paid_at,
    invoices.voided_at,
    {{ cycle_of('coalesce(invoices.finalized_at, invoices.created_at)') }} as cycle,
    {{ cycle_of('invoices.paid_at') }} as paid_cycle,
    invoices.charge_id,
    coalesce(succeeded_charges.succeeded_charge_count, 0) as succeeded_charge_count
from invoices
left join customers
    on invoices.customer_id = customers.customer_id
left join paid_out_of_band
    on invoices.invoice_id = paid_out_of_band.invoice_id
left join succeeded_charges
    on invoices.invoice_id = succeeded_charges.invoice_id
{% endcall %}
