{% call cycle_partition() %}
-- Objects the gateway_billing recon looked at, per cycle: invoices paid through the gateway
-- (paid, not out of band, amount_paid > 0; the month they were paid) and succeeded charges
-- (their cycle).
with checked as (
    select invoice_id as object_id, coalesce(paid_cycle, cycle) as cycle
    from {{ ref('fct_invoices') }}
    where status = 'paid' and not is_paid_out_of_band and amount_paid_minor > 0

    union

    select charge_id as object_id, cycle
    from {{ ref('fct_charges') }}
    where is_succeeded
)

select
    cast(cycle as {{ dbt.type_string() }}) as cycle,
    cast('gateway_billing' as {{ dbt.type_string() }}) as recon,
    count(distinct object_id) as objects_checked
from checked
where cycle is not null
group by cycle
{% endcall %}
