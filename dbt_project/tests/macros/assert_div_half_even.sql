-- div_half_even: an exact integer quotient rounded half-even, without a binary float.
{%- set cases = [
    (5, 2, 2), (7, 2, 4), (-5, 2, -2), (-7, 2, -4), (1, 3, 0), (2, 3, 1), (0, 9, 0),
    (450000, 1200, 375), (9007199254740993, 2, 4503599627370496),
] %}
{% for numerator, denominator, expected in cases %}
select
    {{ numerator }} as numerator,
    {{ denominator }} as denominator,
    {{ div_half_even("cast(" ~ numerator ~ " as " ~ dbt.type_bigint() ~ ")", denominator) }} as actual
from (select 1 as one) as single_row
where {{ div_half_even("cast(" ~ numerator ~ " as " ~ dbt.type_bigint() ~ ")", denominator) }}
    <> {{ expected }}
{% if not loop.last %}union all{% endif %}
{%- endfor %}
