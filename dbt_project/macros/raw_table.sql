{#
    The raw zone table `source_name.table_name`, for a staging model's `from`.

    On DuckDB it is the table's Parquet file, <raw_root>/<cycle>/<source_name>/<table_name>.parquet
    (raw_location), read in place; when the file is not there (an optional file such as
    credit_notes, or a table whose extraction has not run) the model reads an empty table with
    the columns and types the source declares, and dbt logs a warning. On PostgreSQL and Spark
    it is `source()`: the loader (recon_pipeline.lib.warehouse) creates every table on
    PostgreSQL, empty or not, and on Spark the on-run-start hook (create_raw_tables) does.

    The path is built here, when the model runs, not in the sources' YAML: a source YAML that
    reads the cycle or OUT (env_var, var) is parsed again by every run whose cycle differs from
    the last one's, and with it every model that reads the source (5 s of each close on the
    demo). The parsed project so holds no cycle and no OUT.

    A table whose source declares a natural key (`meta.key`, a list of columns) is read with one
    copy per key (docs/sources.md, "The same object exported twice"): of the rows sharing a key,
    those of the last copy by source file path (bytewise), then by line number, are kept.
    Identical copies so count once; of conflicting copies the last exported wins. The rows of
    one copy (one file and line) are kept together.
    Null key columns compare equal here (a discount without an id is keyed by its coupon).
#}
{% macro raw_table(source_name, table_name) -%}
    {#- source() records the dependency (lineage, Dagster's asset key) whatever is read. -#}
    {%- set relation = source(source_name, table_name) -%}
    {%- set unit_test = model is defined and model.resource_type == 'unit_test' -%}
    {%- if execute and target.type == 'duckdb' and not unit_test -%}
        {%- set location = raw_location(source_name, table_name) -%}
        {%- set relation = "'" ~ location | replace("'", "''") ~ "'" -%}
        {%- if not raw_file_exists(relation) -%}
            {%- do exceptions.warn(
                "raw table " ~ source_name ~ "." ~ table_name ~ ": no file " ~ relation
                ~ "; reading it as an empty table"
            ) -%}
            {{ return(empty_raw_table(source_name, table_name)) }}
        {%- endif -%}
    {%- endif -%}
    {%- set key = raw_table_key(source_name, table_name) if execute else [] -%}
    {%- if key -%}
        {{ one_copy_per_key(source_name, table_name, relation, key) }}
    {%- else -%}
        {{ relation }}
    {%- endif -%}
{%- endmacro %}


{#-
    The file of a raw zone table in the run's cycle: <raw_root>/<cycle>/<source_name>/<table_name>.parquet,
    where the extraction writes it (recon_pipeline.settings, Settings.raw_dir). raw_root is the
    run's (run_value: the var, else $RECON_DBT_RAW_ROOT; Settings.raw_root, OUT's URL for a
    Spark warehouse), else <out_dir>/raw (the var out_dir, else $RECON_DBT_OUT_DIR, else
    $RECON_OUT_DIR of a hand run, else `target`). Known when executing only (at parse time, a
    placeholder).
-#}
{% macro raw_location(source_name, table_name) -%}
    {%- if not execute -%}
        {{ return('raw/' ~ source_name ~ '/' ~ table_name ~ '.parquet') }}
    {%- endif -%}
    {%- set out_dir = run_value('out_dir', env_var('RECON_OUT_DIR', 'target')) -%}
    {%- set root = run_value('raw_root', out_dir ~ '/raw') -%}
    {{ return(root ~ '/' ~ current_cycle() ~ '/' ~ source_name ~ '/' ~ table_name ~ '.parquet') }}
{%- endmacro %}


{#- The natural key a source table declares in its meta (`key: [col, ...]`), else []. -#}
{% macro raw_table_key(source_name, table_name) -%}
    {%- set node = graph.sources.get("source." ~ project_name ~ "." ~ source_name ~ "." ~ table_name) -%}
    {%- if node is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set key = node.config.meta.get("key") or node.meta.get("key") or [] -%}
    {{ return([key] if key is string else key) }}
{%- endmacro %}


{#- A subquery of `relation` with the last copy of each key (see raw_table). -#}
{% macro one_copy_per_key(source_name, table_name, relation, key) -%}
    {%- set node = graph.sources["source." ~ project_name ~ "." ~ source_name ~ "." ~ table_name] -%}
    {%- set columns = node.columns.values() | list -%}
    {%- set bytewise = ' collate "C"' if target.type == 'postgres' else '' -%}
    (select
        {%- for column in columns %}
        {{ adapter.quote(column.name) }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from (
        select *, dense_rank() over (
            partition by {% for k in key %}{{ adapter.quote(k) }}{% if not loop.last %}, {% endif %}{% endfor %}
            order by {{ adapter.quote('_file') }}{{ bytewise }} desc, {{ adapter.quote('_line') }} desc
        ) as recon_copy_rank
        from {{ relation }}
    ) as copies
    where recon_copy_rank = 1) as {{ adapter.quote("raw_" ~ table_name) }}
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


{#-
    On Spark the raw zone's Parquet files are tables of the catalog, so `source()` reads them as
    on PostgreSQL: the on-run-start hook (dbt_project.yml) (re)creates each source table over its
    file of the run's cycle (raw_location) with the columns and types it declares, so a missing
    file reads as an empty table. Other targets need nothing (an empty hook).
-#}
{% macro create_raw_tables() -%}
    {{ return(adapter.dispatch('create_raw_tables', 'recon')()) }}
{%- endmacro %}

{% macro default__create_raw_tables() -%}
{%- endmacro %}

{% macro spark__create_raw_tables() -%}
    {%- if execute -%}
        {%- for node in graph.sources.values() | sort(attribute='unique_id')
                if node.package_name == project_name -%}
            {%- set location = raw_location(node.source_name, node.name) -%}
            {%- set relation = source(node.source_name, node.name) -%}
            {%- do run_query("create schema if not exists " ~ relation.schema) -%}
            {%- do run_query("drop table if exists " ~ relation) -%}
            {%- call statement('raw_table') -%}
                create table {{ relation }} (
                    {%- for column in node.columns.values() %}
                    {{ adapter.quote(column.name) }} {{ spark_raw_type(column.data_type) }}
                    {%- if not loop.last %},{% endif %}
                    {%- endfor %}
                ) using parquet location '{{ location }}'
            {%- endcall -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}

{#- The Spark type of a declared raw column type (the extraction contract's names). -#}
{% macro spark_raw_type(data_type) -%}
    {%- set types = {'text': 'string', 'timestamptz': 'timestamp_ltz', 'integer': 'int'} -%}
    {{ return(types.get(data_type | lower, data_type | replace('numeric', 'decimal'))) }}
{%- endmacro %}
