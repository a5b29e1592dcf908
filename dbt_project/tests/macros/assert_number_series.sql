-- number_series(n) holds exactly 0 .. n - 1.
{% for count in [1, 10, 11, 1000] %}
select {{ count }} as requested, count(*) as found, min(n) as lowest, max(n) as highest
from ({{ number_series(count) }}) as series
having count(*) <> {{ count }} or min(n) <> 0 or max(n) <> {{ count - 1 }}
    or count(distinct n) <> {{ count }}
{% if not loop.last %}union all{% endif %}
{%- endfor %}
