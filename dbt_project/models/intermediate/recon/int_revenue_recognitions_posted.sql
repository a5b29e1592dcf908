-- Live REVREC journals per document (an invoice id) and accounting period: how many journals
-- and the revenue they recognise (credit − debit on REVENUE accounts), in major units of the
-- journals' currency.
with revrec_lines as (
    select * from {{ ref('fct_ledger_lines') }}
    where is_live and document_type = 'REVREC' and document_ref is not null
)

select
    document_ref as invoice_id,
    period,
    count(distinct journal_id) as journal_count,
    cast(coalesce(sum(posted_amount), 0) as {{ type_money() }}) as posted_amount,
    min(currency) as currency,
    min(legal_entity_id) as legal_entity_id,
    min(journal_id) as first_journal_id
from revrec_lines
group by document_ref, period
