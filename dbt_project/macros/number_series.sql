{#
    number_series(count): a query of one column `n` holding 0, 1, ..., count - 1, built from
    cross-joined digits, so no engine's generate_series / range / sequence leaks into a model.
    Use it as a subquery: `from ({{ number_series(1000) }}) as steps`.
#}
{% macro number_series(count) -%}
    {%- set places = [((count - 1) | string | length), 1] | max -%}
    select n from (
        select
            {% for place in range(places) -%}
            d{{ place }}.digit * {{ 10 ** place }}{% if not loop.last %} + {% endif %}
            {%- endfor %} as n
        from
            {% for place in range(places) -%}
            ({{ _digits() }}) as d{{ place }}{% if not loop.last %}
            cross join {% endif %}
            {%- endfor %}
    ) as numbers
    where n < {{ count }}
{%- endmacro %}

{% macro _digits() -%}
    {%- for digit in range(10) %}select {{ digit }} as digit{% if not loop.last %} union all {% endif %}{% endfor -%}
{%- endmacro %}
