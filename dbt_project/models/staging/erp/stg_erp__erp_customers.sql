with source as (
    select * from {{ raw_table('erp', 'erp_customers') }}
),

renamed as (
    select
        cast(customer_code as {{ dbt.type_string() }}) as erp_customer_code,
        cast({{ adapter.quote('name') }} as {{ dbt.type_string() }}) as erp_customer_name,
        cast(entity_code as {{ dbt.type_string() }}) as legal_entity_id,
        upper(cast(currency as {{ dbt.type_string() }})) as currency,
        upper(cast(country as {{ dbt.type_string() }})) as country_code,
        cast(tax_id as {{ dbt.type_string() }}) as tax_id,
        cast(external_ref as {{ dbt.type_string() }}) as external_ref,
        cast(_file as {{ dbt.type_string() }}) as source_file,
        cast(_line as {{ dbt.type_int() }}) as source_line
    from source
)

select * from renamed
