{{ config(unique_key=['charge_id', 'invoice_id']) }}
{% call changed_rows_only() %}
-- Charge-to-invoice links (one row per charge and invoice) with the charge's success and the
-- invoice's status: what "paid without payment" and "payment unapplied" are decided on.
with links as (
    select * from {{ ref('int_charge_invoice_links') }}
)

select
    links.charge_id,
    links.invoice_id,
    links.link_source,
    coalesce(charges.is_succeeded, false) as is_charge_succeeded,
    invoices.status as invoice_status
from links
left join {{ ref('fct_charges') }} as charges
    on links.charge_id = charges.charge_id
left join {{ ref('fct_invoices') }} as invoices
    on links.invoice_id = invoices.invoice_id
{% endcall %}
