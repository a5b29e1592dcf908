{#-
    Every usage event with the metered subscription item it bills (mismatches.md, "Usage
    events"). An event naming an item (data.subscription_item) attaches to it when that item is
    metered and active at the event's time, and is otherwise unattached (no fallback). An event
    naming none attaches to the customer's one metered item whose meter event is the event's
    type and that is active at its time; none or several leave it unattached. An item is active
    from its subscription's start up to its end, whatever the status.
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
    -- Events that name their item: the item, when metered and active then.
    select
        events.event_source,
        events.event_id,
        metered_items.subscription_item_id
    from events
    inner join metered_items
        on events.subscription_item_id = metered_items.subscription_item_id
    where events.event_at >= metered_items.started_at
        and (metered_items.ends_at is null or events.event_at < metered_items.ends_at)
),

matched as (
    -- Events that name none: the customer's metered items of that event type, active then.
    select
        events.event_source,
        events.event_id,
        min(metered_items.subscription_item_id) as subscription_item_id,
        count(*) as candidate_count
    from events
    inner join metered_items
        on events.customer_id = metered_items.customer_id
        and events.event_type = metered_items.meter_event_name
    where events.subscription_item_id is null
        and events.event_at >= metered_items.started_at
        and (metered_items.ends_at is null or events.event_at < metered_items.ends_at)
    group by events.event_source, events.event_id
),

attached as (
    select
        events.event_source,
        events.event_id,
        events.event_type,
        events.customer_id,
        events.event_at,
        {{ cycle_of('events.event_at') }} as cycle,
        events.quantity,
        events.subscription_item_id as named_subscription_item_id,
        case
            when events.subscription_item_id is not null then named.subscription_item_id
            when matched.candidate_count = 1 then matched.subscription_item_id
        end as subscription_item_id,
        case
            when events.subscription_item_id is not null then 'subscription_item'
            else 'meter_event'
        end as attach_rule,
        case
            when events.subscription_item_id is not null
                then case when named.subscription_item_id is null then 0 else 1 end
            else coalesce(matched.candidate_count, 0)
        end as candidate_count
    from events
    left join named
        on events.event_source = named.event_source
        and events.event_id = named.event_id
    left join matched
        on events.event_source = matched.event_source
        and events.event_id = matched.event_id
)

select
    *,
    subscription_item_id is not null as is_attached
from attached
