{% call cycle_partition() %}
-- Objects the payouts recon looked at, per cycle: paid payouts (month of arrival).
select
    cast(cycle as {{ dbt.type_string() }}) as cycle,
    cast('payouts' as {{ dbt.type_string() }}) as recon,
    count(distinct payout_id) as objects_checked
from {{ ref('fct_payouts') }}
where is_paid and cycle is not null
group by cycle
{% endcall %}
