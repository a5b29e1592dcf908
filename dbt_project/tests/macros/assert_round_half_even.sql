-- round_half_even: ties go to the even neighbour (2.5 -> 2, 3.5 -> 4, -2.5 -> -2), unlike
-- round() on DuckDB and PostgreSQL. Returns the cases it gets wrong.
{%- set cases = [
    ('2.5', 0, '2'), ('3.5', 0, '4'), ('-2.5', 0, '-2'), ('-3.5', 0, '-4'), ('0.5', 0, '0'),
    ('1.5', 0, '2'), ('-0.5', 0, '0'), ('2.4999', 0, '2'), ('2.5001', 0, '3'), ('-2.5001', 0, '-3'),
    ('7', 0, '7'), ('1.005', 2, '1.00'), ('1.015', 2, '1.02'), ('1.025', 2, '1.02'),
    ('-1.025', 2, '-1.02'), ('123456789012.125', 2, '123456789012.12'),
] %}
{% for value, scale, expected in cases %}
select
    '{{ value }}' as value,
    {{ scale }} as scale,
    {{ round_half_even("cast(" ~ value ~ " as " ~ type_decimal(38, 6) ~ ")", scale) }} as actual,
    cast({{ expected }} as {{ type_decimal(38, 6) }}) as expected
from (select 1 as one) as single_row
where {{ round_half_even("cast(" ~ value ~ " as " ~ type_decimal(38, 6) ~ ")", scale) }}
    <> cast({{ expected }} as {{ type_decimal(38, 6) }})
{% if not loop.last %}union all{% endif %}
{%- endfor %}
