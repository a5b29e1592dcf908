with source as (
    select * from {{ raw_table('billing', 'meters') }}
),

renamed as (
    select
        cast(meter_id as {{ dbt.type_string() }}) as meter_id,
        cast(event_name as {{ dbt.type_string() }}) as event_name,
        cast(_file as {{ dbt.type_string() }}) as source_file,
        cast(_line as {{ dbt.type_int() }}) as source_line
    from source
)

select * from renamed
