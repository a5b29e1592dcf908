with source as (
    select * from {{ raw_table('billing', 'invoices') }}
),

renamed as (
    select
        cast(invoice_id as {{ dbt.type_string() }}) as invoice_id,
        cast({{ adapter.quote('number') }} as {{ dbt.type_string() }}) as invoice_number,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        upper(cast(currency as {{ dbt.type_string() }})) as currency,
        cast({{ adapter.quote('status') }} as {{ dbt.type_string() }}) as status,
        cast(subtotal as {{ dbt.type_bigint() }}) as subtotal_minor,
        cast(total as {{ dbt.type_bigint() }}) as total_minor,
        cast(tax as {{ dbt.type_bigint() }}) as tax_minor,
        cast(amount_paid as {{ dbt.type_bigint() }}) as amount_paid_minor,
        cast(amount_remaining as {{ dbt.type_bigint() }}) as amount_remaining_minor,
        cast(paid_out_of_band as {{ dbt.type_boolean() }}) as is_paid_out_of_band,
        {{ to_utc_timestamp('created_at') }} as created_at,
        {{ to_utc_timestamp('finalized_at') }} as finalized_at,
        {{ to_utc_timestamp('paid_at') }} as paid_at,
        {{ to_utc_timestamp('voided_at') }} as voided_at,
        cast(subscription_id as {{ dbt.type_string() }}) as subscription_id,
        cast(charge_id as {{ dbt.type_string() }}) as charge_id,
        cast(_file as {{ dbt.type_string() }}) as source_file,
        cast(_line as {{ dbt.type_int() }}) as source_line
    from source
)

select * from renamed
