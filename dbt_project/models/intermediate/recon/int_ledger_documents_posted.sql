-- What the ERP ledger holds for each source document: its live journals of one document type
-- (reversed journals and reversals count as nothing) and their posted amount, the sum of the
-- live lines on the account role mismatches.md reads for that type, signed as it says; and the
-- cycle of the document the journals post (an invoice's, a charge's, a refund's, a payout's, a
-- credit note's month of creation), else the first period of its journals.
with live_lines as (
    select * from {{ ref('fct_ledger_lines') }}
    where is_live and document_ref is not null
),

documents as (
    select
        document_type,
        document_ref,
        count(distinct journal_id) as journal_count,
        count(*) as line_count,
        cast(coalesce(sum(posted_amount), 0) as {{ type_money() }}) as posted_amount,
        min(period) as first_period,
        max(period) as last_period,
        min(currency) as currency,
        count(distinct currency) as currency_count,
        min(legal_entity_id) as legal_entity_id,
        min(journal_id) as first_journal_id
    from live_lines
    group by document_type, document_ref
),

credit_notes as (
    select
        credit_note_id,
        {{ cycle_of('created_at') }} as cycle
    from {{ ref('stg_billing__credit_notes') }}
)

select
    documents.*,
    case
        when documents.document_type in ('INVOICE', 'REVREC') then invoices.cycle
        when documents.document_type in ('PAYMENT', 'FEE') then charges.cycle
        when documents.document_type = 'REFUND' then refunds.cycle
        when documents.document_type = 'PAYOUT' then payouts.cycle
        when documents.document_type = 'CREDIT_NOTE' then credit_notes.cycle
    end is not null as is_source_document_known,
    coalesce(
        case
            when documents.document_type in ('INVOICE', 'REVREC') then invoices.cycle
            when documents.document_type in ('PAYMENT', 'FEE') then charges.cycle
            when documents.document_type = 'REFUND' then refunds.cycle
            when documents.document_type = 'PAYOUT' then payouts.cycle
            when documents.document_type = 'CREDIT_NOTE' then credit_notes.cycle
        end,
        documents.first_period
    ) as document_cycle
from documents
left join {{ ref('fct_invoices') }} as invoices
    on documents.document_ref = invoices.invoice_id
left join {{ ref('fct_charges') }} as charges
    on documents.document_ref = charges.charge_id
left join {{ ref('fct_refunds') }} as refunds
    on documents.document_ref = refunds.refund_id
left join {{ ref('fct_payouts') }} as payouts
    on documents.document_ref = payouts.payout_id
left join credit_notes
    on documents.document_ref = credit_notes.credit_note_id
