with source as (
    select * from {{ raw_table('billing', 'subscriptions') }}
),

renamed as (
    select
        cast(subscription_id as {{ dbt.type_string() }}) as subscription_id,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast({{ adapter.quote('status') }} as {{ dbt.type_string() }}) as status,
        upper(cast(currency as {{ dbt.type_string() }})) as currency,
        {{ to_utc_timestamp('start_at') }} as started_at,
        {{ to_utc_timestamp('billing_cycle_anchor_at') }} as billing_cycle_anchor_at,
        {{ to_utc_timestamp('trial_end_at') }} as trial_end_at,
        {{ to_utc_timestamp('canceled_at') }} as canceled_at,
        {{ to_utc_timestamp('ended_at') }} as ended_at,
        {{ to_utc_timestamp('cancel_at') }} as cancel_at,
        {{ to_utc_timestamp('created_at') }} as created_at,
        cast(_file as {{ dbt.type_string() }}) as source_file,
        cast(_line as {{ dbt.type_int() }}) as source_line
    from source
)

select * from renamed
