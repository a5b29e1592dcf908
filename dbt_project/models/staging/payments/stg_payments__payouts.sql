with source as (
    select * from {{ raw_table('payments', 'payouts') }}
),

renamed as (
    select
        cast(payout_id as {{ dbt.type_string() }}) as payout_id,
        cast(amount as {{ dbt.type_bigint() }}) as amount_minor,
        upper(cast(currency as {{ dbt.type_string() }})) as currency,
        cast({{ adapter.quote('status') }} as {{ dbt.type_string() }}) as status,
        {{ to_utc_timestamp('arrival_at') }} as arrival_at,
        {{ to_utc_timestamp('created_at') }} as created_at,
        cast(_file as {{ dbt.type_string() }}) as source_file,
        cast(_line as {{ dbt.type_int() }}) as source_line
    from source
)

select * from renamed
