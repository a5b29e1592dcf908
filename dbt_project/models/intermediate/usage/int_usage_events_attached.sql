{#-
    Every usage event with the metered subscription item it bills (mismatches.md, "Usage
    events"). An event naming an item (data.subscription_item) attaches to it when that item is
    metered and active at the event's time, and is otherwise unattached (no fallback). An event
    naming none attaches to the customer's one metered item whose meter event is the event's
    type and that is active at its time; none or several leave it unattached. An item is active
    from its subscription's start up to its end, whatever the status.

    Each event is read once, by the branch of its rule (a left join to its candidate items),
    and the two branches are appended: no join of the events back to their candidates by
    (source, id). The events are unique by (source, id) (int_usage_events_deduplicated), so
    grouping the second branch by the event's columns gives one row per event.
-#}
with events as (
    select * from {{ ref('int_usage_events_deduplicated') }}
),

metered_items as (
    select
        subscription_item_id,
        customer_id,
        meter_event_name,
        started_at,
        ends_at
    from {{ ref('int_subscription_items_enriched') }}
    where is_metered
),

named as (
    -- Events that name their item: the item, when metered and active then, else none.
    select
        events.event_source,
        events.event_id,
        events.event_type,
        events.customer_id,
        events.event_at,
        events.quantity,
        events.subscription_item_id as named_subscription_item_id,
        metered_items.subscription_item_id,
        cast('subscription_item' as {{ dbt.type_string() }}) as attach_rule,
        cast(case when metered_items.subscription_item_id is null then 0 else 1 end
            as {{ dbt.type_bigint() }}) as candidate_count
    from events
    left join metered_items
        on events.subscription_item_id = metered_items.subscription_item_id
        and events.event_at >= metered_items.started_at
        and (metered_items.ends_at is null or events.event_at < metered_items.ends_at)
    where events.subscription_item_id is not null
),

matched as (
    -- Events that name none: the customer's metered items of that event type, active then.
    select
        events.event_source,
        events.event_id,
        events.event_type,
        events.customer_id,
        events.event_at,
        events.quantity,
        min(metered_items.subscription_item_id) as any_subscription_item_id,
        count(metered_items.subscription_item_id) as candidate_count
    from events
    left join metered_items
        on events.customer_id = metered_items.customer_id
        and events.event_type = metered_items.meter_event_name
        and events.event_at >= metered_items.started_at
        and (metered_items.ends_at is null or events.event_at < metered_items.ends_at)
    where events.subscription_item_id is null
    group by
        events.event_source,
        events.event_id,
        events.event_type,
        events.customer_id,
        events.event_at,
        events.quantity
),

attached as (
    select
        event_source,
        event_id,
        event_type,
        customer_id,
        event_at,
        quantity,
        named_subscription_item_id,
        subscription_item_id,
        attach_rule,
        candidate_count
    from named

    union all

    select
        event_source,
        event_id,
        event_type,
        customer_id,
        event_at,
        quantity,
        cast(null as {{ dbt.type_string() }}) as named_subscription_item_id,
        case when candidate_count = 1 then any_subscription_item_id end as subscription_item_id,
        cast('meter_event' as {{ dbt.type_string() }}) as attach_rule,
        cast(candidate_count as {{ dbt.type_bigint() }}) as candidate_count
    from matched
)

select
    event_source,
    event_id,
    event_type,
    customer_id,
    event_at,
    {{ cycle_of('event_at') }} as cycle,
    quantity,
    named_subscription_item_id,
    subscription_item_id,
    attach_rule,
    candidate_count,
    subscription_item_id is not null as is_attached
from attached
