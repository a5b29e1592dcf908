with source as (
    select * from {{ raw_table('payments', 'refunds') }}
),

renamed as (
    select
        cast(refund_id as {{ dbt.type_string() }}) as refund_id,
        cast(charge_id as {{ dbt.type_string() }}) as charge_id,
        cast(amount as {{ dbt.type_bigint() }}) as amount_minor,
        upper(cast(currency as {{ dbt.type_string() }})) as currency,
        cast({{ adapter.quote('status') }} as {{ dbt.type_string() }}) as status,
        {{ to_utc_timestamp('created_at') }} as created_at,
        cast(balance_transaction_id as {{ dbt.type_string() }}) as balance_transaction_id,
        cast(_file as {{ dbt.type_string() }}) as source_file,
        cast(_line as {{ dbt.type_int() }}) as source_line
    from source
)

select * from renamed
