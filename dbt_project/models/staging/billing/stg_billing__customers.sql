with source as (
    select * from {{ raw_table('billing', 'customers') }}
),

renamed as (
    select
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast({{ adapter.quote('name') }} as {{ dbt.type_string() }}) as customer_name,
        cast(email as {{ dbt.type_string() }}) as email,
        upper(cast(currency as {{ dbt.type_string() }})) as currency,
        upper(cast(country as {{ dbt.type_string() }})) as country_code,
        {{ to_utc_timestamp('created_at') }} as created_at,
        cast(legal_entity as {{ dbt.type_string() }}) as legal_entity_id,
        cast(crm_account_id as {{ dbt.type_string() }}) as crm_account_id,
        cast(erp_customer_code as {{ dbt.type_string() }}) as erp_customer_code,
        cast(tax_id as {{ dbt.type_string() }}) as tax_id,
        cast(_file as {{ dbt.type_string() }}) as source_file,
        cast(_line as {{ dbt.type_int() }}) as source_line
    from source
)

select * from renamed
