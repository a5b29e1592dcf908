-- One row per usage event: a redelivered (source, id) pair counts once (sources.md, usage/).
-- The delivery read first (file, then line) is kept; delivery_count says how many there were.
with events as (
    select * from {{ ref('stg_usage__events') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by event_source, event_id
            order by {{ binary_order('source_file') }}, source_line
        ) as delivery_number,
        count(*) over (partition by event_source, event_id) as delivery_count
    from events
)

select
    event_source,
    event_id,
    event_type,
    customer_id,
    event_at,
    quantity,
    subscription_item_id,
    delivery_count,
    source_file,
    source_line
from ranked
where delivery_number = 1
