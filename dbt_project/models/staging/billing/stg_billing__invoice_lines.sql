with source as (
    select * from {{ raw_table('billing', 'invoice_lines') }}
),

renamed as (
    select
        cast(invoice_line_id as {{ dbt.type_string() }}) as invoice_line_id,
        cast(invoice_id as {{ dbt.type_string() }}) as invoice_id,
        cast(amount as {{ dbt.type_bigint() }}) as amount_minor,
        upper(cast(currency as {{ dbt.type_string() }})) as currency,
        cast(quantity as {{ type_decimal(38, 12) }}) as quantity,
        {{ to_utc_timestamp('period_start_at') }} as period_start_at,
        {{ to_utc_timestamp('period_end_at') }} as period_end_at,
        cast(discount_amount as {{ dbt.type_bigint() }}) as discount_amount_minor,
        cast(price_id as {{ dbt.type_string() }}) as price_id,
        cast(subscription_item_id as {{ dbt.type_string() }}) as subscription_item_id,
        cast(subscription_id as {{ dbt.type_string() }}) as subscription_id,
        cast(is_proration as {{ dbt.type_boolean() }}) as is_proration,
        cast(_file as {{ dbt.type_string() }}) as source_file,
        cast(_line as {{ dbt.type_int() }}) as source_line
    from source
)

select * from renamed
