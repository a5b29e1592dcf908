-- Minor units follow ISO 4217 exponents (JPY 0, USD 2, KWD 3) exactly; cycle_of is YYYY-MM.
{%- set money = [('1234', 'usd', '12.340'), ('1234', 'JPY', '1234.000'), ('1234', 'kwd', '1.234'),
                 ('-5', 'EUR', '-0.050')] %}
{% for minor, currency, major in money %}
select 'minor_to_major' as check_name, '{{ minor }} {{ currency }}' as case_value
from (select 1 as one) as single_row
where {{ minor_to_major(minor, "'" ~ currency ~ "'") }} <> cast({{ major }} as {{ type_decimal(38, 3) }})
    or {{ major_to_minor("cast(" ~ major ~ " as " ~ type_decimal(38, 3) ~ ")", "'" ~ currency ~ "'") }}
        <> cast({{ minor }} as {{ type_decimal(38, 6) }})
union all
{% endfor %}
select 'cycle_of' as check_name, '2026-10-31 23:59:59' as case_value
from (select 1 as one) as single_row
where {{ cycle_of("cast('2026-10-31 23:59:59' as " ~ dbt.type_timestamp() ~ ")") }} <> '2026-10'
union all
select 'cycle_of' as check_name, '2026-01-01 00:00:00' as case_value
from (select 1 as one) as single_row
where {{ cycle_of("cast('2026-01-01 00:00:00' as " ~ dbt.type_timestamp() ~ ")") }} <> '2026-01'
