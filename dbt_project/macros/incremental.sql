{#-
    Wrap a canonical (incremental, delete+insert by unique_key) model's query so that, on an
    incremental run, it returns only the rows the table does not already hold as they are:
        {% call changed_rows_only() %} with ... select ... {% endcall %}
    A row of the export equal in every column to a row of the table would be deleted by its key
    and inserted again, the same: skipping it leaves the same rows in the table, and a warm
    close of a cumulative export so writes what changed (new, corrected, and what the model's
    pre-hook deleted) instead of the whole history again. The comparison is EXCEPT (nulls
    compare equal); the model's rows are unique by its key (its unique test), so EXCEPT's
    removal of duplicates changes nothing.
    Only when the table's columns are the model's (by name, in any order): after a schema change
    (on_schema_change) the query returns every row, as without this wrapper. A full build, a
    first build, a unit test and Spark (whose canonical models are tables) get the query
    unchanged.
-#}
{% macro changed_rows_only() -%}
    {%- set model_sql = caller() -%}
    {%- set unit_test = model is defined and model.resource_type == 'unit_test' -%}
    {%- if execute and not unit_test and target.type != 'spark' and is_incremental() -%}
        {%- set model_columns = get_columns_in_query(model_sql) -%}
        {%- set table_columns = adapter.get_columns_in_relation(this) | map(attribute='name')
            | map('lower') | list -%}
        {%- set same_columns = (model_columns | length == table_columns | length)
            and (model_columns | map('lower') | reject('in', table_columns) | list | length == 0) -%}
        {%- if same_columns %}
select * from (
{{ model_sql }}
) as model_rows
except
select
    {%- for column in model_columns %}
    {{ adapter.quote(column) }}{% if not loop.last %},{% endif %}
    {%- endfor %}
from {{ this }}
        {%- else -%}
{{ model_sql }}
        {%- endif -%}
    {%- else -%}
{{ model_sql }}
    {%- endif -%}
{%- endmacro %}
