with source as (
    select * from {{ raw_table('payments', 'balance_transactions') }}
),

renamed as (
    select
        cast(balance_transaction_id as {{ dbt.type_string() }}) as balance_transaction_id,
        cast({{ adapter.quote('type') }} as {{ dbt.type_string() }}) as transaction_type,
        cast(source_id as {{ dbt.type_string() }}) as source_id,
        cast(amount as {{ dbt.type_bigint() }}) as amount_minor,
        cast(fee as {{ dbt.type_bigint() }}) as fee_minor,
        cast(net as {{ dbt.type_bigint() }}) as net_minor,
        upper(cast(currency as {{ dbt.type_string() }})) as currency,
        {{ to_utc_timestamp('created_at') }} as created_at,
        {{ to_utc_timestamp('available_on_at') }} as available_on_at,
        cast(payout_id as {{ dbt.type_string() }}) as payout_id,
        cast(_file as {{ dbt.type_string() }}) as source_file,
        cast(_line as {{ dbt.type_int() }}) as source_line
    from source
)

select * from renamed
