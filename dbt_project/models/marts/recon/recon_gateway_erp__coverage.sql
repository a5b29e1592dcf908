{% call cycle_partition() %}
-- Objects the gateway_erp recon looked at, per cycle: succeeded charges and refunds (their
-- cycle) and PAYMENT journal refs (the journal's period).
with checked as (
    select charge_id as object_id, cycle
    from {{ ref('fct_charges') }}
    where is_succeeded

    union

    select refund_id as object_id, cycle
    from {{ ref('fct_refunds') }}
    where is_succeeded

    union

    select document_ref as object_id, period as cycle
    from {{ ref('fct_ledger_lines') }}
    where is_live and document_type = 'PAYMENT' and document_ref is not null
)

select
    cast(cycle as {{ dbt.type_string() }}) as cycle,
    cast('gateway_erp' as {{ dbt.type_string() }}) as recon,
    count(distinct object_id) as objects_checked
from checked
where cycle is not null
group by cycle
{% endcall %}
