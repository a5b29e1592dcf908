{% call cycle_partition() %}
-- Objects the usage_billing recon looked at, per cycle: every expected metered period, plus
-- every `<subject>/<type>` with usage events in the cycle (each checked for orphan usage).
-- Match rates are computed from it.
with objects as (
    select cycle, subscription_item_id as object_id
    from {{ ref('int_billing_periods_covered') }}
    where is_metered

    union all

    select distinct
        cycle,
        {{ dbt.concat(["coalesce(customer_id, '')", "'/'", "event_type"]) }} as object_id
    from {{ ref('int_usage_events_attached') }}
)

select
    cycle,
    cast('usage_billing' as {{ dbt.type_string() }}) as recon,
    count(*) as objects_checked
from objects
group by cycle
{% endcall %}
