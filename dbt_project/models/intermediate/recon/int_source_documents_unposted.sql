-- Source documents the ERP never posted (mismatches.md, `*_not_posted`): finalized invoices
-- whose total differs from 0 by more than the tolerance with no live INVOICE journal, succeeded
-- charges with no live PAYMENT journal, succeeded refunds with no live REFUND journal. Such a
-- document has no other finding, in any recon and any cycle (precedence).
with postings as (
    select * from {{ ref('int_ledger_documents_posted') }}
),

unposted_invoices as (
    select
        'invoice' as document_kind,
        invoices.invoice_id as document_id,
        invoices.cycle,
        invoices.currency,
        invoices.total_minor as amount_minor,
        invoices.customer_id
    from {{ ref('fct_invoices') }} as invoices
    left join postings
        on postings.document_type = 'INVOICE'
        and invoices.invoice_id = postings.document_ref
    where invoices.is_finalized
        and abs(invoices.total_minor) > {{ var('tolerance_minor') }}
        and postings.document_ref is null
),

unposted_charges as (
    select
        'charge' as document_kind,
        charges.charge_id as document_id,
        charges.cycle,
        charges.currency,
        charges.effective_amount_minor as amount_minor,
        charges.customer_id
    from {{ ref('fct_charges') }} as charges
    left join postings
        on postings.document_type = 'PAYMENT'
        and charges.charge_id = postings.document_ref
    where charges.is_succeeded
        and postings.document_ref is null
),

unposted_refunds as (
    select
        'refund' as document_kind,
        refunds.refund_id as document_id,
        refunds.cycle,
        refunds.currency,
        refunds.amount_minor,
        refunds.customer_id
    from {{ ref('fct_refunds') }} as refunds
    left join postings
        on postings.document_type = 'REFUND'
        and refunds.refund_id = postings.document_ref
    where refunds.is_succeeded
        and postings.document_ref is null
)

select * from unposted_invoices
union all
select * from unposted_charges
union all
select * from unposted_refunds
