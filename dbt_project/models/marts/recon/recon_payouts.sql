{% call cycle_partition() %}
{#-
    payouts recon (mismatches.md): paid payouts against the balance transactions that name them
    (settlement) and against their PAYOUT journals (posting). One row per finding, every cycle;
    columns as _recon__contract.md says.
-#}
{%- set text = dbt.type_string() -%}

with payouts as (
    select
        payouts.*,
        {{ minor_to_major('payouts.amount_minor', 'payouts.currency') }} as payout_amount,
        {{ minor_to_major('payouts.settled_net_minor', 'payouts.currency') }} as settled_amount,
        postings.document_ref is not null as is_posted,
        cast(coalesce(postings.posted_amount, 0) as {{ type_money() }}) as posted_amount,
        {{ major_to_minor('coalesce(postings.posted_amount, 0)', 'payouts.currency') }}
            as posted_amount_minor,
        postings.first_journal_id,
        postings.legal_entity_id as journal_legal_entity_id
    from {{ ref('fct_payouts') }} as payouts
    left join {{ ref('int_ledger_documents_posted') }} as postings
        on postings.document_type = 'PAYOUT'
        and payouts.payout_id = postings.document_ref
    where payouts.is_paid
),

duplicated as (
    select * from {{ ref('int_ledger_postings_duplicated') }}
),

settlement_mismatches as (
    -- Checked only where balance transactions (other than its own) name the payout.
    select
        cycle,
        'payout_settlement_mismatch' as category,
        payout_id as object_id,
        journal_legal_entity_id,
        cast(null as {{ text }}) as related_id,
        currency,
        payout_amount as expected_amount,
        settled_amount as actual_amount,
        {{ dbt.concat([
            "'Payout '", "payout_id", "' of '", "currency", "' '",
            amount_text('payout_amount', 'currency'),
            "' settles balance transactions netting '", "currency", "' '",
            amount_text('settled_amount', 'currency'),
            "'.'"]) }} as detail
    from payouts
    where settled_transaction_count > 0
        and abs(settled_net_minor - amount_minor) > {{ var('tolerance_minor') }}
),

posting_mismatches as (
    select
        cycle,
        'payout_posting_mismatch' as category,
        payout_id as object_id,
        journal_legal_entity_id,
        first_journal_id as related_id,
        currency,
        payout_amount as expected_amount,
        cast(posted_amount as {{ type_decimal(18, 3) }}) as actual_amount,
        case
            when not is_posted then {{ dbt.concat([
                "'Payout '", "payout_id", "' of '", "currency", "' '",
                amount_text('payout_amount', 'currency'),
                "' arrived but was never posted to the ledger.'"]) }}
            else {{ dbt.concat([
                "'Payout '", "payout_id", "' of '", "currency", "' '",
                amount_text('payout_amount', 'currency'),
                "' was posted to cash as '", "currency", "' '",
                amount_text('posted_amount', 'currency'),
                "'.'"]) }}
        end as detail
    from payouts
    where not is_posted
        or abs(posted_amount_minor - amount_minor) > {{ var('tolerance_minor') }}
),

findings as (
    select * from settlement_mismatches
    union all
    select * from posting_mismatches
),

kept as (
    -- Precedence: a payout posted more than once is not also compared on its posted amount
    -- in that cycle (its settlement still is).
    select findings.*
    from findings
    left join duplicated
        on findings.object_id = duplicated.document_ref
        and findings.cycle = duplicated.cycle
    where not (
        duplicated.document_ref is not null
        and findings.category = 'payout_posting_mismatch'
    )
),

currency_entities as (
    -- The legal entity whose functional currency a payout is in, where only one has it: the
    -- entity of a payout that was never posted (so has no journal entity).
    select upper(functional_currency) as currency, min(legal_entity_id) as legal_entity_id
    from {{ ref('dim_legal_entities') }}
    group by upper(functional_currency)
    having count(*) = 1
)

select
    {{ finding_columns('payouts', 'kept',
        'coalesce(kept.journal_legal_entity_id, currency_entities.legal_entity_id)',
        customer_id='null') }}
from kept
left join currency_entities
    on upper(kept.currency) = currency_entities.currency
left join {{ ref('int_recon_severities') }} as severities
    on kept.category = severities.category
{% endcall %}
