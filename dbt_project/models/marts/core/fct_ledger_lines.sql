{#- The ERP is read whole on every run: the run's own periods are replaced by what the ledger
    holds now, so a journal deleted or re-numbered in a period of the cycle window is gone from
    the canonical table too (merge by key alone keeps lines the ledger no longer has). Other
    periods' lines are merged by key as before. -#}
{{ config(unique_key=['journal_id', 'line_no'], pre_hook="{{ delete_cycle_window('period') }}") }}
-- ERP journal lines with their account role, whether their journal is live (neither a REVERSAL
-- nor reversed by one: the two together count as nothing), signed amounts (debit − credit) in
-- major and minor units, and the posted amount of the line's document where the line sits on
-- the account role the spec reads for that document type.
{% call changed_rows_only() %}
with lines as (
    select * from {{ ref('stg_erp__gl_journal_lines') }}
),

accounts as (
    select * from {{ ref('stg_erp__gl_accounts') }}
),

reversed_journals as (
    select distinct reversal_of_journal_id as journal_id
    from lines
    where document_type = 'REVERSAL' and reversal_of_journal_id is not null
),

classified as (
    select
        lines.*,
        accounts.account_role,
        lines.document_type = 'REVERSAL' as is_reversal,
        reversed_journals.journal_id is not null as is_reversed,
        cast(lines.debit - lines.credit as {{ type_money() }}) as signed_amount,
        case lines.document_type
            when 'INVOICE' then 'AR'
            when 'PAYMENT' then 'GATEWAY_CLEARING'
            when 'FEE' then 'GATEWAY_FEES'
            when 'REFUND' then 'GATEWAY_CLEARING'
            when 'PAYOUT' then 'CASH'
            when 'REVREC' then 'REVENUE'
        end as posting_account_role,
        case when lines.document_type in ('REFUND', 'REVREC') then -1 else 1 end as posting_sign
    from lines
    left join accounts
        on lines.account_code = accounts.account_code
    left join reversed_journals
        on lines.journal_id = reversed_journals.journal_id
)

select
    journal_id,
    line_no,
    legal_entity_id,
    posting_date,
    period,
    account_code,
    account_role,
    currency,
    debit,
    credit,
    document_type,
    document_ref,
    erp_customer_code,
    reversal_of_journal_id,
    is_reversal,
    is_reversed,
    not (is_reversal or is_reversed) as is_live,
    signed_amount,
    {{ major_to_minor('signed_amount', 'currency') }} as signed_amount_minor,
    posting_account_role,
    cast(case when account_role = posting_account_role then posting_sign * signed_amount end
        as {{ type_money() }}) as posted_amount,
    cast(case when account_role = posting_account_role
        then posting_sign * {{ major_to_minor('signed_amount', 'currency') }}
    end as {{ type_decimal(38, 6) }}) as posted_amount_minor
from classified
{% endcall %}
