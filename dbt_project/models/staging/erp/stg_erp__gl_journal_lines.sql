with source as (
    select * from {{ raw_table('erp', 'gl_journal_lines') }}
),

renamed as (
    select
        cast(entity_code as {{ dbt.type_string() }}) as legal_entity_id,
        cast(journal_id as {{ dbt.type_string() }}) as journal_id,
        cast(line_no as {{ dbt.type_bigint() }}) as line_no,
        cast(posting_date as date) as posting_date,
        cast({{ adapter.quote('period') }} as {{ dbt.type_string() }}) as period,
        cast(account_code as {{ dbt.type_string() }}) as account_code,
        cast(debit as {{ type_money() }}) as debit,
        cast(credit as {{ type_money() }}) as credit,
        upper(cast(currency as {{ dbt.type_string() }})) as currency,
        cast(document_type as {{ dbt.type_string() }}) as document_type,
        cast(document_ref as {{ dbt.type_string() }}) as document_ref,
        cast(customer_code as {{ dbt.type_string() }}) as erp_customer_code,
        cast(reversal_of as {{ dbt.type_string() }}) as reversal_of_journal_id,
        cast(_file as {{ dbt.type_string() }}) as source_file,
        cast(_line as {{ dbt.type_int() }}) as source_line
    from source
)

select * from renamed
