with source as (
    select * from {{ raw_table('billing', 'subscription_items') }}
),

renamed as (
    select
        cast(subscription_item_id as {{ dbt.type_string() }}) as subscription_item_id,
        cast(subscription_id as {{ dbt.type_string() }}) as subscription_id,
        cast(price_id as {{ dbt.type_string() }}) as price_id,
        cast(quantity as {{ dbt.type_bigint() }}) as quantity,
        cast(_file as {{ dbt.type_string() }}) as source_file,
        cast(_line as {{ dbt.type_int() }}) as source_line
    from source
)

select * from renamed
