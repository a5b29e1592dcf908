{{ config(unique_key=['currency', 'valid_from_date']) }}
{% call changed_rows_only() %}
-- Rates to the reporting currency with the days each one applies to: a rate applies from its
-- date until the next date that has a rate for the currency, so a day without a rate uses the
-- latest earlier one. Join with: valid_from_date <= day and (valid_until_date is null or day <
-- valid_until_date).
with rates as (
    select * from {{ ref('stg_reference__fx_rates') }}
)

select
    currency,
    rate_date as valid_from_date,
    lead(rate_date) over (partition by currency order by rate_date) as valid_until_date,
    rate_to_reporting
from rates
{% endcall %}
