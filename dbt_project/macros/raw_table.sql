{#
    The raw zone table `source_name.table_name`, for a staging model's `from`.

    It is `source()`, except on DuckDB when the table's Parquet file is not there (an optional
    file such as credit_notes, or a table whose extraction has not run): the model then reads an
    empty table with the columns and types the source declares, and dbt logs a warning. On
    PostgreSQL the loader (recon_pipeline.lib.warehouse) creates every table, empty or not.
#}
{% macro raw_table(source_name, table_name) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- if execute and relation.external is defined and relation.external
            and not raw_file_exists(relation.external) -%}
        {%- do exceptions.warn(
            "raw table " ~ source_name ~ "." ~ table_name ~ ": no file " ~ relation.external
            ~ "; reading it as an empty table"
        ) -%}
        {{ empty_raw_table(source_name, table_name) }}
    {%- else -%}
        {{ relation }}
    {%- endif -%}
{%- endmacro %}


{#- True when the quoted location (DuckDB) names at least one existing file. -#}
{% macro raw_file_exists(location) -%}
    {%- set found = run_query("select count(*) from glob(" ~ location ~ ")") -%}
    {{ return(found.columns[0].values()[0] > 0) }}
{%- endmacro %}


{#- A subquery with no rows and the declared columns (name, data_type) of a source table. -#}
{% macro empty_raw_table(source_name, table_name) -%}
    {%- set node = graph.sources["source." ~ project_name ~ "." ~ source_name ~ "." ~ table_name] -%}
    {%- set columns = node.columns.values() | list -%}
    {%- if not columns -%}
        {{ exceptions.raise_compiler_error(
            "source " ~ source_name ~ "." ~ table_name ~ " declares no columns") }}
    {%- endif -%}
    (select
        {%- for column in columns %}
        cast(null as {{ column.data_type }}) as {{ adapter.quote(column.name) }}
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    where 1 = 0)
{%- endmacro %}
