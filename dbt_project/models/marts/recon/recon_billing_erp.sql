{% call cycle_partition() %}
{#-
    billing_erp recon (mismatches.md): finalized invoices against their INVOICE journals, every
    document posted more than once, and INVOICE journals that post no finalized invoice. One
    row per finding, every cycle (fct_mismatches keeps the cycle being closed); columns as
    _recon__contract.md says.
-#}
{%- set text = dbt.type_string() -%}

with invoices as (
    select * from {{ ref('fct_invoices') }}
),

invoice_postings as (
    select * from {{ ref('int_ledger_documents_posted') }}
    where document_type = 'INVOICE'
),

invoice_journal_lines as (
    select * from {{ ref('fct_ledger_lines') }}
    where is_live and document_type = 'INVOICE' and document_ref is not null
),

unposted as (
    select * from {{ ref('int_source_documents_unposted') }}
),

duplicated as (
    select * from {{ ref('int_ledger_postings_duplicated') }}
),

customers as (
    select * from {{ ref('dim_customers') }}
),

posted_invoices as (
    -- Finalized invoices with at least one live INVOICE journal, and the first journal (if
    -- any) whose currency, period or entity differs from the invoice's.
    select
        invoices.invoice_id,
        invoices.cycle,
        invoices.customer_id,
        invoices.legal_entity_id,
        invoices.currency,
        invoices.total_minor,
        invoice_postings.posted_amount,
        min(case when invoice_journal_lines.currency is distinct from invoices.currency
            then invoice_journal_lines.journal_id end) as currency_journal_id,
        min(case when invoice_journal_lines.currency is distinct from invoices.currency
            then invoice_journal_lines.currency end) as journal_currency,
        min(case when invoice_journal_lines.period is distinct from invoices.cycle
            then invoice_journal_lines.journal_id end) as period_journal_id,
        min(case when invoice_journal_lines.period is distinct from invoices.cycle
            then invoice_journal_lines.period end) as journal_period,
        min(case when invoice_journal_lines.legal_entity_id is distinct from invoices.legal_entity_id
            then invoice_journal_lines.journal_id end) as entity_journal_id,
        min(case when invoice_journal_lines.legal_entity_id is distinct from invoices.legal_entity_id
            then coalesce(invoice_journal_lines.legal_entity_id, 'none') end) as journal_legal_entity_id
    from invoices
    inner join invoice_postings
        on invoices.invoice_id = invoice_postings.document_ref
    inner join invoice_journal_lines
        on invoices.invoice_id = invoice_journal_lines.document_ref
    where invoices.is_finalized
    group by
        invoices.invoice_id,
        invoices.cycle,
        invoices.customer_id,
        invoices.legal_entity_id,
        invoices.currency,
        invoices.total_minor,
        invoice_postings.posted_amount
),

compared as (
    select
        posted_invoices.*,
        {{ minor_to_major('total_minor', 'currency') }} as total_amount,
        {{ major_to_minor('posted_amount', 'currency') }} as posted_amount_minor
    from posted_invoices
),

not_posted as (
    select
        unposted.cycle,
        'invoice_not_posted' as category,
        unposted.document_id as object_id,
        unposted.customer_id,
        cast(null as {{ text }}) as journal_legal_entity_id,
        cast(null as {{ text }}) as related_id,
        unposted.currency,
        {{ minor_to_major('unposted.amount_minor', 'unposted.currency') }} as expected_amount,
        cast(0 as {{ type_decimal(18, 3) }}) as actual_amount,
        {{ dbt.concat([
            "'Invoice '", "unposted.document_id", "' for '", "unposted.currency", "' '",
            amount_text(minor_to_major('unposted.amount_minor', 'unposted.currency'), 'unposted.currency'),
            "' was finalized but never posted to the ledger.'"]) }} as detail
    from unposted
    where unposted.document_kind = 'invoice'
),

amount_mismatches as (
    select
        cycle,
        'invoice_amount_mismatch' as category,
        invoice_id as object_id,
        customer_id,
        cast(null as {{ text }}) as journal_legal_entity_id,
        cast(null as {{ text }}) as related_id,
        currency,
        total_amount as expected_amount,
        posted_amount as actual_amount,
        {{ dbt.concat([
            "'Invoice '", "invoice_id", "' totals '", "currency", "' '",
            amount_text('total_amount', 'currency'),
            "' but the ledger posted '", "currency", "' '",
            amount_text('posted_amount', 'currency'),
            "' to accounts receivable.'"]) }} as detail
    from compared
    where currency_journal_id is null
        and abs(posted_amount_minor - total_minor) > {{ var('tolerance_minor') }}
),

currency_mismatches as (
    select
        cycle,
        'invoice_currency_mismatch' as category,
        invoice_id as object_id,
        customer_id,
        cast(null as {{ text }}) as journal_legal_entity_id,
        currency_journal_id as related_id,
        currency,
        cast(null as {{ type_decimal(18, 3) }}) as expected_amount,
        cast(null as {{ type_decimal(18, 3) }}) as actual_amount,
        {{ dbt.concat([
            "'Invoice '", "invoice_id", "' is in '", "currency", "' but ledger journal '",
            "currency_journal_id", "' posts it in '", "coalesce(journal_currency, 'no currency')",
            "'.'"]) }} as detail
    from compared
    where currency_journal_id is not null
),

period_mismatches as (
    select
        cycle,
        'invoice_period_mismatch' as category,
        invoice_id as object_id,
        customer_id,
        cast(null as {{ text }}) as journal_legal_entity_id,
        period_journal_id as related_id,
        currency,
        cast(null as {{ type_decimal(18, 3) }}) as expected_amount,
        cast(null as {{ type_decimal(18, 3) }}) as actual_amount,
        {{ dbt.concat([
            "'Invoice '", "invoice_id", "' was finalized in '", "cycle",
            "' but ledger journal '", "period_journal_id", "' posts it in period '",
            "coalesce(journal_period, 'none')", "'.'"]) }} as detail
    from compared
    where period_journal_id is not null
),

entity_mismatches as (
    -- With no metadata.legal_entity on the customer there is nothing to compare with.
    select
        cycle,
        'invoice_entity_mismatch' as category,
        invoice_id as object_id,
        customer_id,
        journal_legal_entity_id,
        entity_journal_id as related_id,
        currency,
        cast(null as {{ type_decimal(18, 3) }}) as expected_amount,
        cast(null as {{ type_decimal(18, 3) }}) as actual_amount,
        {{ dbt.concat([
            "'Invoice '", "invoice_id", "' is billed by entity '", "legal_entity_id",
            "' but ledger journal '", "entity_journal_id", "' is posted in entity '",
            "journal_legal_entity_id", "'.'"]) }} as detail
    from compared
    where legal_entity_id is not null
        and entity_journal_id is not null
),

duplicate_postings as (
    select
        cycle,
        'duplicate_posting' as category,
        document_ref as object_id,
        customer_id,
        journal_legal_entity_id,
        duplicated_document_types as related_id,
        currency,
        cast(null as {{ type_decimal(18, 3) }}) as expected_amount,
        cast(null as {{ type_decimal(18, 3) }}) as actual_amount,
        {{ dbt.concat([
            "'The ledger holds more than one live journal of type '", "duplicated_document_types",
            "' for '", "document_ref", "' in '", "cycle", "'.'"]) }} as detail
    from duplicated
),

journals_without_invoice as (
    select
        invoice_journal_lines.period as cycle,
        invoice_journal_lines.document_ref,
        min(any_invoices.customer_id) as customer_id,
        min(invoice_journal_lines.journal_id) as journal_id,
        min(invoice_journal_lines.currency) as currency,
        min(invoice_journal_lines.legal_entity_id) as journal_legal_entity_id,
        sum(invoice_journal_lines.posted_amount) as posted_amount
    from invoice_journal_lines
    left join invoices
        on invoice_journal_lines.document_ref = invoices.invoice_id
        and invoices.is_finalized
    left join invoices as any_invoices
        on invoice_journal_lines.document_ref = any_invoices.invoice_id
    where invoices.invoice_id is null
    group by invoice_journal_lines.period, invoice_journal_lines.document_ref
),

postings_without_invoice as (
    select
        cycle,
        'posting_without_invoice' as category,
        document_ref as object_id,
        customer_id,
        journal_legal_entity_id,
        journal_id as related_id,
        currency,
        cast(null as {{ type_decimal(18, 3) }}) as expected_amount,
        cast(coalesce(posted_amount, 0) as {{ type_decimal(18, 3) }}) as actual_amount,
        {{ dbt.concat([
            "'Ledger journal '", "journal_id", "' posts '", "currency", "' '",
            amount_text('coalesce(posted_amount, 0)', 'currency'),
            "' in '", "cycle", "' to invoice '", "document_ref",
            "', which is no finalized invoice.'"]) }} as detail
    from journals_without_invoice
),

findings as (
    select * from not_posted
    union all
    select * from amount_mismatches
    union all
    select * from currency_mismatches
    union all
    select * from period_mismatches
    union all
    select * from entity_mismatches
    union all
    select * from duplicate_postings
    union all
    select * from postings_without_invoice
),

kept as (
    -- Precedence: a document never posted has no other finding; a document posted more than
    -- once is not also compared on amount, currency or period in that cycle.
    select findings.*
    from findings
    left join unposted
        on findings.object_id = unposted.document_id
    left join duplicated
        on findings.object_id = duplicated.document_ref
        and findings.cycle = duplicated.cycle
    where (findings.category = 'invoice_not_posted' or unposted.document_id is null)
        and not (
            duplicated.document_ref is not null
            and findings.category in (
                'invoice_amount_mismatch', 'invoice_currency_mismatch', 'invoice_period_mismatch')
        )
)

select
    {{ finding_columns('billing_erp', 'kept', 'coalesce(customers.legal_entity_id, kept.journal_legal_entity_id)') }}
from kept
left join customers
    on kept.customer_id = customers.customer_id
left join {{ ref('int_recon_severities') }} as severities
    on kept.category = severities.category
{% endcall %}
