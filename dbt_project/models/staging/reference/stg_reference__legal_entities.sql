with source as (
    select * from {{ raw_table('reference', 'legal_entities') }}
),

renamed as (
    select
        cast(entity_code as {{ dbt.type_string() }}) as legal_entity_id,
        cast(name as {{ dbt.type_string() }}) as legal_entity_name,
        upper(cast(functional_currency as {{ dbt.type_string() }})) as functional_currency,
        upper(cast(country as {{ dbt.type_string() }})) as country_code
    from source
)

select * from renamed
