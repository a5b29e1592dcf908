{#
    dbt's cross-database macros as this project needs them on Spark (dbt-spark's own work on
    Spark's local-time-zone `timestamp` through Unix seconds, or drop the time of day).
    Timestamps here are `timestamp_ntz`, the UTC wall clock (macros/time.sql), as on DuckDB and
    PostgreSQL; a project macro named spark__<name> overrides dbt-spark's.
#}

{% macro spark__type_timestamp() -%}
    timestamp_ntz
{%- endmacro %}

{#- Calendar arithmetic that keeps the time of day; months clamp the day (Jan 31 + 1 = Feb 28). -#}
{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    timestampadd({{ datepart | upper }}, {{ interval }}, cast({{ from_date_or_timestamp }} as timestamp_ntz))
{%- endmacro %}

{#- Boundaries crossed, as DuckDB's date_diff and dbt-postgres count them: month and day by the
    calendar, whole seconds and hours by elapsed time. -#}
{% macro spark__datediff(first_date, second_date, datepart) -%}
    {%- if datepart == 'month' -%}
        ((year({{ second_date }}) - year({{ first_date }})) * 12
            + month({{ second_date }}) - month({{ first_date }}))
    {%- elif datepart == 'day' -%}
        datediff(cast({{ second_date }} as date), cast({{ first_date }} as date))
    {%- else -%}
        timestampdiff({{ datepart | upper }}, cast({{ first_date }} as timestamp_ntz),
            cast({{ second_date }} as timestamp_ntz))
    {%- endif -%}
{%- endmacro %}

{% macro spark__date_trunc(datepart, date) -%}
    cast(date_trunc('{{ datepart }}', {{ date }}) as timestamp_ntz)
{%- endmacro %}

{#- The project orders every listagg by its own measure, so sorting the list is that order
    (bytewise, as binary_order). -#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- if order_by_clause and order_by_clause | replace(' ', '') not in [
            'orderby' ~ measure | replace(' ', ''),
            'orderby' ~ binary_order(measure) | replace(' ', '')] -%}
        {{ exceptions.raise_compiler_error(
            "listagg on Spark orders by the measure only, got '" ~ order_by_clause ~ "'") }}
    {%- endif -%}
    array_join(array_sort(collect_list({{ measure }})), {{ delimiter_text }})
{%- endmacro %}

{#- Seeds: dbt-spark's session method pastes the values into the insert unquoted-escaped (a
    description with an apostrophe breaks it) and numbers as binary floats; here each value is
    a literal, strings escaped for Spark's parser, numbers as written. -#}
{% macro spark__load_csv_rows(model, agate_table) -%}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for col_name in agate_table.column_names -%}
                    {%- set type = column_override.get(
                        col_name, adapter.convert_type(agate_table, loop.index0)) -%}
                    {%- set value = row[loop.index0] -%}
                    cast({{ 'null' if value is none else "'" ~ (value | string
                        | replace('\\', '\\\\') | replace("'", "\\'")) ~ "'" }} as {{ type }})
                    {%- if not loop.last %},{% endif -%}
                {%- endfor -%})
                {%- if not loop.last %},{% endif %}
            {% endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- do statements.append(sql) -%}
    {%- endfor -%}
    {{ return(statements[0]) }}
{%- endmacro %}
