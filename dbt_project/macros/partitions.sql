{#
    Cycle partitions. The findings a run writes (the recon models, their coverage models,
    fct_mismatches and fct_recon_coverage) are incremental tables partitioned by `cycle`: a run
    replaces the partitions of its cycle window and nothing else, so closing 2026-08 after
    2026-10 leaves 2026-10's rows as its own run wrote them, and re-running a cycle gives the
    same rows (delete + insert, never a duplicate).

    The window is the dbt vars `min_cycle` .. `max_cycle` (both YYYY-MM; or RECON_DBT_MIN_CYCLE,
    RECON_DBT_MAX_CYCLE: macros/time.sql, run_value), each defaulting to `cycle`, the way dagster-open-platform feeds `min_date`/`max_date` from a partition's time
    window: a Dagster run passes its partition (recon_pipeline.settings), a backfill of several
    cycles from one export may pass a wider window.
#}

{#- (first, last) cycle of the window, checked to be YYYY-MM and in order. -#}
{% macro cycle_window() -%}
    {%- set cycle = current_cycle() -%}
    {%- set first = run_value('min_cycle', '') or cycle -%}
    {%- set last = run_value('max_cycle', '') or cycle -%}
    {%- if execute -%}
        {%- for bound in [first, last] -%}
            {%- if not modules.re.match('^[0-9]{4}-(0[1-9]|1[0-2])$', bound | string) -%}
                {{ exceptions.raise_compiler_error(
                    "vars min_cycle and max_cycle must be months YYYY-MM, got '" ~ bound ~ "'") }}
            {%- endif -%}
        {%- endfor -%}
        {%- if first > last -%}
            {{ exceptions.raise_compiler_error(
                "min_cycle " ~ first ~ " is after max_cycle " ~ last) }}
        {%- endif -%}
    {%- endif -%}
    {{ return((first | string, last | string)) }}
{%- endmacro %}


{#-
    A predicate: `column` lies in the cycle window. A unit test of a recon model (whose contract
    is every cycle of its inputs) sees every cycle: pass every_cycle_in_unit_tests=false where
    the model itself is about one cycle (fct_mismatches).
-#}
{% macro in_cycle_window(column='cycle', every_cycle_in_unit_tests=true) -%}
    {%- if every_cycle_in_unit_tests and model is defined and model.resource_type == 'unit_test' -%}
        1 = 1
    {%- else -%}
        {%- set window = cycle_window() -%}
        {{ column }} between '{{ window[0] }}' and '{{ window[1] }}'
    {%- endif -%}
{%- endmacro %}


{#-
    Wrap a model's query (a call block) so it returns the rows of the cycle window only:
        {% call cycle_partition() %} with ... select ... {% endcall %}
-#}
{% macro cycle_partition(column='cycle') -%}
select * from (
{{ caller() }}
) as cycle_rows
where {{ in_cycle_window(column) }}
{%- endmacro %}


{#-
    The pre-hook of a cycle-partitioned model (dbt_project.yml): on an incremental run, delete
    the window's partitions; the model's rows (the window's only) are then appended. On Spark
    the tables are partitioned by cycle and insert_overwrite replaces the window's partitions.
-#}
{% macro delete_cycle_window(column='cycle') -%}
    {%- if is_incremental() and target.type != 'spark' -%}
        {%- set window = cycle_window() -%}
        delete from {{ this }} where {{ column }} between '{{ window[0] }}' and '{{ window[1] }}'
    {%- endif -%}
{%- endmacro %}


{#-
    A data test's `where` config may name the run's cycle as __cycle__ (a test of a table that
    keeps every closed cycle's rows checks the cycle being closed): replaced here, when the test
    runs, by current_cycle(). In the YAML, env_var('RECON_DBT_CYCLE') would make every run of
    another cycle parse the test's file again, and the model it tests (partial parsing). dbt's
    own get_where_subquery otherwise (the documented way to template `where`).
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where and '__cycle__' in where -%}
        {%- set where = where | replace('__cycle__', current_cycle()) -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- endif -%}
    {%- do return(adapter.dispatch('get_where_subquery', 'dbt')(relation)) -%}
{%- endmacro %}
