-- Documents posted more than once: more than one live journal of one document type for one
-- document (REVREC: in one period). One row per document and cycle, whatever types are
-- duplicated: the cycle is the document's (int_ledger_documents_posted; REVREC: the period).
-- MANUAL journals post no source document and are not checked.
with duplicated as (
    select
        document_type,
        document_ref,
        document_cycle as cycle,
        journal_count,
        currency as journal_currency,
        legal_entity_id as journal_legal_entity_id
    from {{ ref('int_ledger_documents_posted') }}
    where journal_count > 1
        and document_type not in ('REVREC', 'MANUAL', 'REVERSAL')

    union all

    select
        'REVREC' as document_type,
        invoice_id as document_ref,
        period as cycle,
        journal_count,
        currency as journal_currency,
        legal_entity_id as journal_legal_entity_id
    from {{ ref('int_revenue_recognitions_posted') }}
    where journal_count > 1
),

per_document_and_cycle as (
    select
        document_ref,
        cycle,
        {{ dbt.listagg('document_type', "', '", 'order by document_type') }}
            as duplicated_document_types,
        sum(journal_count) as journal_count,
        min(journal_currency) as journal_currency,
        min(journal_legal_entity_id) as journal_legal_entity_id
    from duplicated
    group by document_ref, cycle
),

credit_notes as (
    select * from {{ ref('stg_billing__credit_notes') }}
)

-- The document's currency and customer, whichever source object the ref names.
select
    per_document_and_cycle.document_ref,
    per_document_and_cycle.cycle,
    per_document_and_cycle.duplicated_document_types,
    per_document_and_cycle.journal_count,
    coalesce(
        invoices.currency, charges.currency, refunds.currency, payouts.currency,
        credit_notes.currency, per_document_and_cycle.journal_currency
    ) as currency,
    coalesce(
        invoices.customer_id, charges.customer_id, refunds.customer_id, credit_notes.customer_id
    ) as customer_id,
    per_document_and_cycle.journal_legal_entity_id
from per_document_and_cycle
left join {{ ref('fct_invoices') }} as invoices
    on per_document_and_cycle.document_ref = invoices.invoice_id
left join {{ ref('fct_charges') }} as charges
    on per_document_and_cycle.document_ref = charges.charge_id
left join {{ ref('fct_refunds') }} as refunds
    on per_document_and_cycle.document_ref = refunds.refund_id
left join {{ ref('fct_payouts') }} as payouts
    on per_document_and_cycle.document_ref = payouts.payout_id
left join credit_notes
    on per_document_and_cycle.document_ref = credit_notes.credit_note_id
