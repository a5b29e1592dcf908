with source as (
    select * from {{ raw_table('erp', 'gl_accounts') }}
),

renamed as (
    select
        cast(account_code as {{ dbt.type_string() }}) as account_code,
        cast({{ adapter.quote('name') }} as {{ dbt.type_string() }}) as account_name,
        cast(role as {{ dbt.type_string() }}) as account_role,
        cast(_file as {{ dbt.type_string() }}) as source_file,
        cast(_line as {{ dbt.type_int() }}) as source_line
    from source
)

select * from renamed
