{{ config(unique_key=['cycle', 'usage_key']) }}
{% call changed_rows_only() %}
-- Usage events that attach to no metered subscription item active at their time, per cycle,
-- customer (the events' subject) and event type: the candidates for orphan usage.
with events as (
    select * from {{ ref('int_usage_events_attached') }}
    where not is_attached
)

select
    cycle,
    customer_id,
    event_type,
    {{ dbt.concat(["coalesce(customer_id, '')", "'/'", "event_type"]) }} as usage_key,
    count(*) as event_count,
    cast(sum(quantity) as {{ type_decimal(38, 12) }}) as usage_quantity,
    min(event_at) as first_event_at,
    max(event_at) as last_event_at
from events
group by cycle, customer_id, event_type
{% endcall %}
