with source as (
    select * from {{ raw_table('billing', 'subscription_discounts') }}
),

renamed as (
    select
        cast(subscription_id as {{ dbt.type_string() }}) as subscription_id,
        cast(discount_id as {{ dbt.type_string() }}) as discount_id,
        cast(coupon_id as {{ dbt.type_string() }}) as coupon_id,
        cast(percent_off as {{ type_decimal(38, 12) }}) as percent_off,
        cast(amount_off as {{ dbt.type_bigint() }}) as amount_off_minor,
        upper(cast(currency as {{ dbt.type_string() }})) as currency,
        cast(duration as {{ dbt.type_string() }}) as duration,
        cast(duration_in_months as {{ dbt.type_bigint() }}) as duration_in_months,
        {{ to_utc_timestamp('start_at') }} as started_at,
        {{ to_utc_timestamp('end_at') }} as ends_at,
        cast(_file as {{ dbt.type_string() }}) as source_file,
        cast(_line as {{ dbt.type_int() }}) as source_line
    from source
)

select * from renamed
