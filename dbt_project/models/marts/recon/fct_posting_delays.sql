{#-
    How long the ERP takes to post what billing and the gateway did, per legal entity, for the
    cycle being closed (a run replaces its cycle's rows; macros/partitions.sql): an invoice's
    finalization to its INVOICE journal, a succeeded charge to its PAYMENT journal. Days between
    the document's date and the posting date of its first live journal (the entity's books);
    the median and 95th percentile are nearest-rank (the value at rank ceil(p * n)), so whole
    days on every engine. Documents never posted are findings, not delays, and are left out.
-#}
{%- set text = dbt.type_string() -%}

with posted as (
    select
        document_type,
        document_ref,
        legal_entity_id,
        min(posting_date) as first_posting_date
    from {{ ref('fct_ledger_lines') }}
    where is_live and document_type in ('INVOICE', 'PAYMENT')
    group by document_type, document_ref, legal_entity_id
),

documents as (
    select
        cast('INVOICE' as {{ text }}) as document_type,
        invoice_id as document_id,
        cast(finalized_at as date) as document_date,
        cycle
    from {{ ref('fct_invoices') }}
    where is_finalized and finalized_at is not null
    union all
    select
        cast('PAYMENT' as {{ text }}) as document_type,
        charge_id as document_id,
        cast(created_at as date) as document_date,
        cycle
    from {{ ref('fct_charges') }}
    where is_succeeded
),

delays as (
    select
        documents.cycle,
        posted.legal_entity_id,
        documents.document_type,
        {{ dbt.datediff('documents.document_date', 'posted.first_posting_date', 'day') }}
            as delay_days
    from documents
    inner join posted
        on documents.document_type = posted.document_type
        and documents.document_id = posted.document_ref
    where {{ in_cycle_window('documents.cycle', every_cycle_in_unit_tests=false) }}
),

ranked as (
    select
        delays.*,
        row_number() over (
            partition by cycle, legal_entity_id, document_type order by delay_days
        ) as delay_rank,
        count(*) over (partition by cycle, legal_entity_id, document_type) as documents_posted
    from delays
)

select
    cast(cycle as {{ text }}) as cycle,
    legal_entity_id,
    document_type,
    cast(max(documents_posted) as {{ dbt.type_bigint() }}) as documents_posted,
    cast(min(case when delay_rank * 2 >= documents_posted then delay_days end)
        as {{ dbt.type_int() }}) as median_days,
    cast(min(case when delay_rank * 100 >= 95 * documents_posted then delay_days end)
        as {{ dbt.type_int() }}) as p95_days,
    cast(max(delay_days) as {{ dbt.type_int() }}) as max_days
from ranked
group by cycle, legal_entity_id, document_type
