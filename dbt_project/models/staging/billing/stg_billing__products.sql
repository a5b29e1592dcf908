with source as (
    select * from {{ raw_table('billing', 'products') }}
),

renamed as (
    select
        cast(product_id as {{ dbt.type_string() }}) as product_id,
        cast({{ adapter.quote('name') }} as {{ dbt.type_string() }}) as product_name,
        cast(_file as {{ dbt.type_string() }}) as source_file,
        cast(_line as {{ dbt.type_int() }}) as source_line
    from source
)

select * from renamed
