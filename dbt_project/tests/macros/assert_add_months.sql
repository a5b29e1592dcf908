-- add_months keeps the anchor's day, clamped to the month's end, and its time of day.
{%- set cases = [
    ('2026-01-31 10:30:15', 1, '2026-02-28 10:30:15'),
    ('2026-01-31 10:30:15', 2, '2026-03-31 10:30:15'),
    ('2026-01-31 10:30:15', 3, '2026-04-30 10:30:15'),
    ('2026-01-31 10:30:15', 13, '2027-02-28 10:30:15'),
    ('2028-01-31 00:00:00', 1, '2028-02-29 00:00:00'),
    ('2026-03-31 23:59:59', -1, '2026-02-28 23:59:59'),
    ('2026-02-28 08:00:00', 12, '2027-02-28 08:00:00'),
] %}
{% for anchor, months, expected in cases %}
{%- set anchor_sql = "cast('" ~ anchor ~ "' as " ~ dbt.type_timestamp() ~ ")" %}
select
    '{{ anchor }}' as anchor,
    {{ months }} as months,
    {{ add_months(anchor_sql, months) }} as actual
from (select 1 as one) as single_row
where {{ add_months(anchor_sql, months) }} <> cast('{{ expected }}' as {{ dbt.type_timestamp() }})
{% if not loop.last %}union all{% endif %}
{%- endfor %}
