{% call cycle_partition() %}
-- Objects the billing_erp recon looked at, per cycle: finalized invoices (their cycle), every
-- document with live journals checked for duplicate posting (its cycle; REVREC: the period),
-- and INVOICE journal refs that name no finalized invoice (the journal's period).
with checked as (
    select invoice_id as object_id, cycle
    from {{ ref('fct_invoices') }}
    where is_finalized

    union

    select document_ref as object_id, document_cycle as cycle
    from {{ ref('int_ledger_documents_posted') }}
    where document_type not in ('REVREC', 'MANUAL', 'REVERSAL')

    union

    select invoice_id as object_id, period as cycle
    from {{ ref('int_revenue_recognitions_posted') }}

    union

    select document_ref as object_id, period as cycle
    from {{ ref('fct_ledger_lines') }}
    where is_live and document_type = 'INVOICE' and document_ref is not null
)

select
    cast(cycle as {{ dbt.type_string() }}) as cycle,
    cast('billing_erp' as {{ dbt.type_string() }}) as recon,
    count(distinct object_id) as objects_checked
from checked
where cycle is not null
group by cycle
{% endcall %}
