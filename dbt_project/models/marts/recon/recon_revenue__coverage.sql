{% call cycle_partition() %}
-- Objects the revenue recon looked at, per cycle up to the one being closed: invoices with an
-- expected ratable share in the cycle or a live REVREC journal in it.
with checked as (
    select invoice_id as object_id, cycle
    from {{ ref('int_revenue_shares_scheduled') }}

    union

    select invoice_id as object_id, period as cycle
    from {{ ref('int_revenue_recognitions_posted') }}
)

select
    cast(cycle as {{ dbt.type_string() }}) as cycle,
    cast('revenue' as {{ dbt.type_string() }}) as recon,
    count(distinct object_id) as objects_checked
from checked
where cycle <= '{{ current_cycle() }}'
group by cycle
{% endcall %}
