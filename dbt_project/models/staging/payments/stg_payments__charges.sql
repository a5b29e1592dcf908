with source as (
    select * from {{ raw_table('payments', 'charges') }}
),

renamed as (
    select
        cast(charge_id as {{ dbt.type_string() }}) as charge_id,
        cast(amount as {{ dbt.type_bigint() }}) as amount_minor,
        cast(amount_captured as {{ dbt.type_bigint() }}) as amount_captured_minor,
        cast(captured as {{ dbt.type_boolean() }}) as is_captured,
        cast(amount_refunded as {{ dbt.type_bigint() }}) as amount_refunded_minor,
        upper(cast(currency as {{ dbt.type_string() }})) as currency,
        cast({{ adapter.quote('status') }} as {{ dbt.type_string() }}) as status,
        cast(paid as {{ dbt.type_boolean() }}) as is_paid,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        {{ to_utc_timestamp('created_at') }} as created_at,
        cast(balance_transaction_id as {{ dbt.type_string() }}) as balance_transaction_id,
        cast(payment_intent_id as {{ dbt.type_string() }}) as payment_intent_id,
        cast(invoice_id as {{ dbt.type_string() }}) as invoice_id,
        cast(_file as {{ dbt.type_string() }}) as source_file,
        cast(_line as {{ dbt.type_int() }}) as source_line
    from source
)

select * from renamed
