{#
    Fails for every null in any of `column_names`: one row per null cell, naming its column, so
    the failure count is what a `not_null` test per column would add up to. One query per model
    instead of one per column: dbt spends ~80 ms on every node of a build whatever it holds, and
    the per-column tests were more than half the nodes of a close.
#}
{% test not_null_columns(model, column_names) %}
    {%- for column in column_names %}
    select '{{ column }}' as null_column
    from {{ model }}
    where {{ column }} is null
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{% endtest %}
