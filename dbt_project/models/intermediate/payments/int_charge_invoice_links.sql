-- Which charge pays which invoice, from every place the exports say so: charge.invoice and
-- invoice.charge (classic shape), and paid invoice_payments naming the charge or its payment
-- intent (current shape). One row per charge and invoice, with the first way it was found.
with charges as (
    select * from {{ ref('stg_payments__charges') }}
),

invoices as (
    select * from {{ ref('stg_billing__invoices') }}
),

paid_invoice_payments as (
    select * from {{ ref('stg_payments__invoice_payments') }}
    where status = 'paid'
),

links as (
    select charge_id, invoice_id, 1 as link_order
    from charges
    where invoice_id is not null

    union all

    select charge_id, invoice_id, 2 as link_order
    from invoices
    where charge_id is not null

    union all

    select charge_id, invoice_id, 3 as link_order
    from paid_invoice_payments
    where charge_id is not null

    union all

    select charges.charge_id, paid_invoice_payments.invoice_id, 4 as link_order
    from paid_invoice_payments
    inner join charges
        on paid_invoice_payments.payment_intent_id = charges.payment_intent_id
),

first_link as (
    select charge_id, invoice_id, min(link_order) as link_order
    from links
    group by charge_id, invoice_id
)

select
    charge_id,
    invoice_id,
    case link_order
        when 1 then 'charge.invoice'
        when 2 then 'invoice.charge'
        when 3 then 'invoice_payment.charge'
        else 'invoice_payment.payment_intent'
    end as link_source
from first_link
