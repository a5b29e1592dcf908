with source as (
    select * from {{ raw_table('reference', 'fx_rates') }}
),

renamed as (
    select
        cast(rate_date as date) as rate_date,
        upper(cast(currency as {{ dbt.type_string() }})) as currency,
        cast(rate_to_reporting as {{ type_fx_rate() }}) as rate_to_reporting
    from source
)

select * from renamed
