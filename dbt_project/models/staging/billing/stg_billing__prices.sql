with source as (
    select * from {{ raw_table('billing', 'prices') }}
),

renamed as (
    select
        cast(price_id as {{ dbt.type_string() }}) as price_id,
        cast(product_id as {{ dbt.type_string() }}) as product_id,
        upper(cast(currency as {{ dbt.type_string() }})) as currency,
        cast(unit_amount as {{ dbt.type_bigint() }}) as unit_amount_minor,
        cast(unit_amount_decimal as {{ type_decimal(38, 12) }}) as unit_amount_decimal_minor,
        cast({{ adapter.quote('interval') }} as {{ dbt.type_string() }}) as recurring_interval,
        cast(interval_count as {{ dbt.type_bigint() }}) as interval_count,
        cast(usage_type as {{ dbt.type_string() }}) as usage_type,
        cast(meter_id as {{ dbt.type_string() }}) as meter_id,
        cast(meter_event_name as {{ dbt.type_string() }}) as metadata_meter_event_name,
        cast(_file as {{ dbt.type_string() }}) as source_file,
        cast(_line as {{ dbt.type_int() }}) as source_line
    from source
)

select * from renamed
