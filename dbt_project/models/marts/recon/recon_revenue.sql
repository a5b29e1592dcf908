{% call cycle_partition() %}
{#-
    revenue recon (mismatches.md, "Revenue recognition"): the REVREC an invoice posts in a
    cycle against its expected ratable share (int_revenue_shares_scheduled). Checked for every
    finalized invoice with a licensed period overlapping the cycle, and for every invoice with a
    live REVREC journal in it (expected 0 when the invoice is not finalized or nothing of it
    falls in the cycle). One row per finding, every cycle up to the one being closed (later
    cycles have not ended); columns as _recon__contract.md says.
-#}
{%- set text = dbt.type_string() -%}

with expected as (
    select
        invoice_id,
        cycle,
        sum(share_minor) as expected_minor
    from {{ ref('int_revenue_shares_scheduled') }}
    group by invoice_id, cycle
),

posted as (
    select * from {{ ref('int_revenue_recognitions_posted') }}
),

checked as (
    -- Cycles after the one being closed have not ended: nothing of them is checked yet.
    select invoice_id, cycle from expected
    where cycle <= '{{ current_cycle() }}'
    union
    select invoice_id, period as cycle from posted
    where period <= '{{ current_cycle() }}'
),

compared as (
    -- A REVREC ref that is no invoice is compared in its journals' currency.
    select
        checked.invoice_id,
        checked.cycle,
        invoices.customer_id,
        posted.legal_entity_id as journal_legal_entity_id,
        posted.first_journal_id,
        coalesce(invoices.currency, posted.currency) as currency,
        coalesce(expected.expected_minor, 0) as expected_minor,
        cast(coalesce(posted.posted_amount, 0) as {{ type_money() }}) as posted_amount
    from checked
    left join expected
        on checked.invoice_id = expected.invoice_id
        and checked.cycle = expected.cycle
    left join posted
        on checked.invoice_id = posted.invoice_id
        and checked.cycle = posted.period
    left join {{ ref('fct_invoices') }} as invoices
        on checked.invoice_id = invoices.invoice_id
),

mismatches as (
    select
        compared.*,
        {{ minor_to_major('expected_minor', 'currency') }} as expected_amount
    from compared
    where abs({{ major_to_minor('posted_amount', 'currency') }} - expected_minor)
        > {{ var('tolerance_minor') }}
),

findings as (
    select
        cycle,
        'revenue_recognition_mismatch' as category,
        invoice_id as object_id,
        customer_id,
        journal_legal_entity_id,
        first_journal_id as related_id,
        currency,
        expected_amount,
        cast(posted_amount as {{ type_decimal(18, 3) }}) as actual_amount,
        {{ dbt.concat([
            "'Invoice '", "invoice_id", "' should recognise '", "currency", "' '",
            amount_text('expected_amount', 'currency'),
            "' of revenue in '", "cycle", "' but the ledger recognised '", "currency", "' '",
            amount_text('posted_amount', 'currency'),
            "'.'"]) }} as detail
    from mismatches
),

kept as (
    -- Precedence: an invoice never posted has no other finding, in any cycle; an invoice whose
    -- REVREC (or INVOICE) journal is duplicated in a cycle is not also compared there.
    select findings.*
    from findings
    left join {{ ref('int_source_documents_unposted') }} as unposted
        on findings.object_id = unposted.document_id
    left join {{ ref('int_ledger_postings_duplicated') }} as duplicated
        on findings.object_id = duplicated.document_ref
        and findings.cycle = duplicated.cycle
    where unposted.document_id is null
        and duplicated.document_ref is null
)

select
    {{ finding_columns('revenue', 'kept', 'coalesce(customers.legal_entity_id, kept.journal_legal_entity_id)') }}
from kept
left join {{ ref('dim_customers') }} as customers
    on kept.customer_id = customers.customer_id
left join {{ ref('int_recon_severities') }} as severities
    on kept.category = severities.category
{% endcall %}
