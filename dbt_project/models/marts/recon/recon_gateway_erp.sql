{% call cycle_partition() %}
{#-
    gateway_erp recon (mismatches.md): succeeded charges against their PAYMENT and FEE
    journals, succeeded refunds against their REFUND journals, and PAYMENT journals that post
    no succeeded charge. One row per finding, every cycle; columns as _recon__contract.md says.
-#}
{%- set text = dbt.type_string() -%}

with charges as (
    select * from {{ ref('fct_charges') }}
),

refunds as (
    select * from {{ ref('fct_refunds') }}
),

balance_transactions as (
    select * from {{ ref('fct_balance_transactions') }}
),

postings as (
    select * from {{ ref('int_ledger_documents_posted') }}
),

unposted as (
    select * from {{ ref('int_source_documents_unposted') }}
),

duplicated as (
    select * from {{ ref('int_ledger_postings_duplicated') }}
),

posted_charges as (
    select
        charges.charge_id,
        charges.cycle,
        charges.customer_id,
        charges.invoice_id,
        charges.currency,
        charges.effective_amount_minor,
        {{ minor_to_major('charges.effective_amount_minor', 'charges.currency') }}
            as charge_amount,
        payments.posted_amount,
        {{ major_to_minor('payments.posted_amount', 'charges.currency') }} as posted_amount_minor,
        payments.legal_entity_id as journal_legal_entity_id,
        -- The fee is compared in the balance transaction's (settlement) currency; without a
        -- balance transaction there is no fee to compare with.
        balance_transactions.balance_transaction_id,
        balance_transactions.currency as fee_currency,
        balance_transactions.fee_minor,
        {{ minor_to_major('balance_transactions.fee_minor', 'balance_transactions.currency') }}
            as fee_amount,
        cast(coalesce(fees.posted_amount, 0) as {{ type_money() }}) as posted_fee_amount,
        {{ major_to_minor('coalesce(fees.posted_amount, 0)', 'balance_transactions.currency') }}
            as posted_fee_minor
    from charges
    inner join postings as payments
        on payments.document_type = 'PAYMENT'
        and charges.charge_id = payments.document_ref
    left join balance_transactions
        on charges.balance_transaction_id = balance_transactions.balance_transaction_id
    left join postings as fees
        on fees.document_type = 'FEE'
        and charges.charge_id = fees.document_ref
    where charges.is_succeeded
),

posted_refunds as (
    select
        refunds.refund_id,
        refunds.cycle,
        refunds.customer_id,
        refunds.charge_id,
        refunds.currency,
        refunds.amount_minor,
        {{ minor_to_major('refunds.amount_minor', 'refunds.currency') }} as refund_amount,
        postings.posted_amount,
        {{ major_to_minor('postings.posted_amount', 'refunds.currency') }} as posted_amount_minor,
        postings.legal_entity_id as journal_legal_entity_id
    from refunds
    inner join postings
        on postings.document_type = 'REFUND'
        and refunds.refund_id = postings.document_ref
    where refunds.is_succeeded
),

not_posted as (
    select
        unposted.cycle,
        case unposted.document_kind
            when 'charge' then 'payment_not_posted'
            else 'refund_not_posted'
        end as category,
        unposted.document_id as object_id,
        unposted.customer_id,
        cast(null as {{ text }}) as journal_legal_entity_id,
        coalesce(charges.invoice_id, refunds.charge_id) as related_id,
        unposted.currency,
        {{ minor_to_major('unposted.amount_minor', 'unposted.currency') }} as expected_amount,
        cast(0 as {{ type_decimal(18, 3) }}) as actual_amount,
        {{ dbt.concat([
            "case unposted.document_kind when 'charge' then 'Payment ' else 'Refund ' end",
            "unposted.document_id", "' of '", "unposted.currency", "' '",
            amount_text(minor_to_major('unposted.amount_minor', 'unposted.currency'), 'unposted.currency'),
            "' succeeded at the gateway but was never posted to the ledger.'"]) }} as detail
    from unposted
    left join charges
        on unposted.document_id = charges.charge_id
    left join refunds
        on unposted.document_id = refunds.refund_id
    where unposted.document_kind in ('charge', 'refund')
),

payment_amount_mismatches as (
    select
        cycle,
        'payment_amount_mismatch' as category,
        charge_id as object_id,
        customer_id,
        journal_legal_entity_id,
        invoice_id as related_id,
        currency,
        charge_amount as expected_amount,
        posted_amount as actual_amount,
        {{ dbt.concat([
            "'Payment '", "charge_id", "' settled '", "currency", "' '",
            amount_text('charge_amount', 'currency'),
            "' but the ledger posted '", "currency", "' '",
            amount_text('posted_amount', 'currency'),
            "' to gateway clearing.'"]) }} as detail
    from posted_charges
    where abs(posted_amount_minor - effective_amount_minor) > {{ var('tolerance_minor') }}
),

fee_mismatches as (
    select
        cycle,
        'fee_mismatch' as category,
        charge_id as object_id,
        customer_id,
        journal_legal_entity_id,
        balance_transaction_id as related_id,
        fee_currency as currency,
        fee_amount as expected_amount,
        posted_fee_amount as actual_amount,
        {{ dbt.concat([
            "'The gateway charged a fee of '", "fee_currency", "' '",
            amount_text('fee_amount', 'fee_currency'),
            "' on payment '", "charge_id", "' but the ledger posted '", "fee_currency", "' '",
            amount_text('posted_fee_amount', 'fee_currency'),
            "' to gateway fees.'"]) }} as detail
    from posted_charges
    where balance_transaction_id is not null
        and abs(posted_fee_minor - coalesce(fee_minor, 0)) > {{ var('tolerance_minor') }}
),

refund_amount_mismatches as (
    select
        cycle,
        'refund_amount_mismatch' as category,
        refund_id as object_id,
        customer_id,
        journal_legal_entity_id,
        charge_id as related_id,
        currency,
        refund_amount as expected_amount,
        posted_amount as actual_amount,
        {{ dbt.concat([
            "'Refund '", "refund_id", "' of '", "currency", "' '",
            amount_text('refund_amount', 'currency'),
            "' was posted to the ledger as '", "currency", "' '",
            amount_text('posted_amount', 'currency'),
            "'.'"]) }} as detail
    from posted_refunds
    where abs(posted_amount_minor - amount_minor) > {{ var('tolerance_minor') }}
),

payment_journals_by_period as (
    select
        lines.period as cycle,
        lines.document_ref,
        min(lines.journal_id) as journal_id,
        min(lines.currency) as currency,
        min(lines.legal_entity_id) as journal_legal_entity_id,
        sum(lines.posted_amount) as posted_amount
    from {{ ref('fct_ledger_lines') }} as lines
    where lines.is_live and lines.document_type = 'PAYMENT' and lines.document_ref is not null
    group by lines.period, lines.document_ref
),

postings_without_payment as (
    select
        payment_journals_by_period.cycle,
        'posting_without_payment' as category,
        payment_journals_by_period.document_ref as object_id,
        charges.customer_id,
        payment_journals_by_period.journal_legal_entity_id,
        payment_journals_by_period.journal_id as related_id,
        payment_journals_by_period.currency,
        cast(null as {{ type_decimal(18, 3) }}) as expected_amount,
        cast(coalesce(payment_journals_by_period.posted_amount, 0) as {{ type_decimal(18, 3) }})
            as actual_amount,
        {{ dbt.concat([
            "'Ledger journal '", "payment_journals_by_period.journal_id", "' posts a payment of '",
            "payment_journals_by_period.currency", "' '",
            amount_text('coalesce(payment_journals_by_period.posted_amount, 0)', 'payment_journals_by_period.currency'),
            "' for '", "payment_journals_by_period.document_ref",
            "case when charges.charge_id is null then ', which is no gateway charge.' "
            ~ "else ', a charge that did not succeed.' end"]) }} as detail
    from payment_journals_by_period
    left join charges
        on payment_journals_by_period.document_ref = charges.charge_id
    where not coalesce(charges.is_succeeded, false)
),

findings as (
    select * from not_posted
    union all
    select * from payment_amount_mismatches
    union all
    select * from fee_mismatches
    union all
    select * from refund_amount_mismatches
    union all
    select * from postings_without_payment
),

kept as (
    -- Precedence: a charge or refund never posted has no other finding (a charge: not its fee
    -- either); a document posted more than once is not also compared on amount in that cycle.
    select findings.*
    from findings
    left join unposted
        on findings.object_id = unposted.document_id
    left join duplicated
        on findings.object_id = duplicated.document_ref
        and findings.cycle = duplicated.cycle
    where (findings.category in ('payment_not_posted', 'refund_not_posted')
            or unposted.document_id is null)
        and not (
            duplicated.document_ref is not null
            and findings.category in (
                'payment_amount_mismatch', 'fee_mismatch', 'refund_amount_mismatch')
        )
)

select
    {{ finding_columns('gateway_erp', 'kept', 'coalesce(customers.legal_entity_id, kept.journal_legal_entity_id)') }}
from kept
left join {{ ref('dim_customers') }} as customers
    on kept.customer_id = customers.customer_id
left join {{ ref('int_recon_severities') }} as severities
    on kept.category = severities.category
{% endcall %}
