with source as (
    select * from {{ raw_table('billing', 'credit_notes') }}
),

renamed as (
    select
        cast(credit_note_id as {{ dbt.type_string() }}) as credit_note_id,
        cast(invoice_id as {{ dbt.type_string() }}) as invoice_id,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(amount as {{ dbt.type_bigint() }}) as amount_minor,
        upper(cast(currency as {{ dbt.type_string() }})) as currency,
        cast({{ adapter.quote('status') }} as {{ dbt.type_string() }}) as status,
        {{ to_utc_timestamp('created_at') }} as created_at,
        cast(_file as {{ dbt.type_string() }}) as source_file,
        cast(_line as {{ dbt.type_int() }}) as source_line
    from source
)

select * from renamed
