{% call cycle_partition() %}
-- Objects the customer_master recon looked at, per cycle: the billing customers with a
-- finalized invoice in the cycle whose billing row could be read. Match rates are computed
-- from it.
with population as (
    select distinct invoices.cycle, invoices.customer_id
    from {{ ref('fct_invoices') }} as invoices
    inner join {{ ref('dim_customers') }} as customers
        on invoices.customer_id = customers.customer_id
    where invoices.is_finalized
)

select
    cycle,
    cast('customer_master' as {{ dbt.type_string() }}) as recon,
    count(*) as objects_checked
from population
group by cycle
{% endcall %}
