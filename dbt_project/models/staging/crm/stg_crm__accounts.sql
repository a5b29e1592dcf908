with source as (
    select * from {{ raw_table('crm', 'accounts') }}
),

renamed as (
    select
        cast(account_id as {{ dbt.type_string() }}) as crm_account_id,
        cast({{ adapter.quote('name') }} as {{ dbt.type_string() }}) as account_name,
        upper(cast(country as {{ dbt.type_string() }})) as country_code,
        upper(cast(currency as {{ dbt.type_string() }})) as currency,
        cast(legal_entity as {{ dbt.type_string() }}) as legal_entity_id,
        cast(billing_customer_id as {{ dbt.type_string() }}) as billing_customer_id,
        cast(erp_customer_code as {{ dbt.type_string() }}) as erp_customer_code,
        cast(tax_id as {{ dbt.type_string() }}) as tax_id,
        cast({{ adapter.quote('status') }} as {{ dbt.type_string() }}) as status,
        cast(_file as {{ dbt.type_string() }}) as source_file,
        cast(_line as {{ dbt.type_int() }}) as source_line
    from source
)

select * from renamed
