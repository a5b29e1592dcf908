with source as (
    select * from {{ raw_table('payments', 'invoice_payments') }}
),

renamed as (
    select
        cast(invoice_payment_id as {{ dbt.type_string() }}) as invoice_payment_id,
        cast(invoice_id as {{ dbt.type_string() }}) as invoice_id,
        cast(payment_type as {{ dbt.type_string() }}) as payment_type,
        cast(charge_id as {{ dbt.type_string() }}) as charge_id,
        cast(payment_intent_id as {{ dbt.type_string() }}) as payment_intent_id,
        cast(amount_paid as {{ dbt.type_bigint() }}) as amount_paid_minor,
        upper(cast(currency as {{ dbt.type_string() }})) as currency,
        cast({{ adapter.quote('status') }} as {{ dbt.type_string() }}) as status,
        {{ to_utc_timestamp('created_at') }} as created_at,
        cast(_file as {{ dbt.type_string() }}) as source_file,
        cast(_line as {{ dbt.type_int() }}) as source_line
    from source
)

select * from renamed
