with source as (
    select * from {{ raw_table('usage', 'events') }}
),

renamed as (
    select
        cast(event_source as {{ dbt.type_string() }}) as event_source,
        cast(event_id as {{ dbt.type_string() }}) as event_id,
        cast({{ adapter.quote('type') }} as {{ dbt.type_string() }}) as event_type,
        cast(subject as {{ dbt.type_string() }}) as customer_id,
        {{ to_utc_timestamp('event_at') }} as event_at,
        cast({{ adapter.quote('value') }} as {{ type_decimal(38, 12) }}) as quantity,
        cast(subscription_item_id as {{ dbt.type_string() }}) as subscription_item_id,
        cast(_file as {{ dbt.type_string() }}) as source_file,
        cast(_line as {{ dbt.type_int() }}) as source_line
    from source
)

select * from renamed
