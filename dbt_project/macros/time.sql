{#
    Time, portably. Every `_at` column of the models is a UTC timestamp without time zone:
    staging converts the raw zone's UTC instants once (to_utc_timestamp), so no session time
    zone can shift a day, a month or a cycle later on.
#}

{#- The UTC wall-clock time of a timestamp with time zone. -#}
{% macro to_utc_timestamp(column) -%}
    {{ return(adapter.dispatch('to_utc_timestamp', 'recon')(column)) }}
{%- endmacro %}

{% macro default__to_utc_timestamp(column) -%}
    ({{ column }} at time zone 'UTC')
{%- endmacro %}

{#- Spark reads the instant as a local-time-zone `timestamp`; its wall clock in the session's
    time zone, which the profile sets to UTC (profiles.yml). -#}
{% macro spark__to_utc_timestamp(column) -%}
    cast({{ column }} as timestamp_ntz)
{%- endmacro %}


{#
    add_months(timestamp, months): `months` calendar months later (or earlier), keeping the day
    of month, clamped to the month's last day, and the time of day: Jan 31 10:00 + 1 = Feb 28
    10:00, + 2 = Mar 31 10:00. Always step from the anchor (anchor + k months), never from the
    previous result, or a clamped day sticks (Jan 31 -> Feb 28 -> Mar 28).
#}
{% macro add_months(timestamp, months) -%}
    {{ return(adapter.dispatch('add_months', 'recon')(timestamp, months)) }}
{%- endmacro %}

{#- DuckDB and PostgreSQL interval arithmetic clamps the day and keeps the time of day. -#}
{% macro default__add_months(timestamp, months) -%}
    {{ dbt.dateadd('month', months, timestamp) }}
{%- endmacro %}


{#- The cycle (UTC calendar month, text YYYY-MM) of a timestamp. -#}
{% macro cycle_of(timestamp) -%}
    {{ dbt.concat([
        "cast(cast(extract(year from " ~ timestamp ~ ") as " ~ dbt.type_int() ~ ") as "
            ~ dbt.type_string() ~ ")",
        "'-'",
        "lpad(cast(cast(extract(month from " ~ timestamp ~ ") as " ~ dbt.type_int() ~ ") as "
            ~ dbt.type_string() ~ "), 2, '0')",
    ]) }}
{%- endmacro %}


{#- The cycle being closed: the dbt var `cycle`, else $RECON_DBT_CYCLE (run_value), checked to be
    YYYY-MM. -#}
{% macro current_cycle() -%}
    {%- set cycle = run_value('cycle', '0000-00') | string -%}
    {%- if execute and not modules.re.match('^[0-9]{4}-(0[1-9]|1[0-2])$', cycle) -%}
        {{ exceptions.raise_compiler_error(
            "var cycle must be a month YYYY-MM, got '" ~ cycle ~ "'") }}
    {%- endif -%}
    {{ return(cycle) }}
{%- endmacro %}


{#- First instant after the cycle being closed (a timestamp literal expression). -#}
{% macro cycle_end_at() -%}
    {%- set cycle = current_cycle() -%}
    {%- set first = cycle if execute else '2000-01' -%}
    {{ add_months("cast('" ~ first ~ "-01 00:00:00' as " ~ dbt.type_timestamp() ~ ")", 1) }}
{%- endmacro %}


{#
    add_interval(anchor, k, interval_months, interval_days): start of the k-th billing period
    from `anchor`, computed from the anchor every time (anchor + k × interval): whole months for
    month and year prices (`interval_months`), days for day and week prices (`interval_days`).
#}
{% macro add_interval(anchor, k, interval_months, interval_days) -%}
    case
        when {{ interval_months }} is not null
            then {{ add_months(anchor, "(" ~ k ~ ") * " ~ interval_months) }}
        else {{ dbt.dateadd('day', "(" ~ k ~ ") * " ~ interval_days, anchor) }}
    end
{%- endmacro %}


{#- The last day (a date) of the cycle held by the text expression `cycle` (YYYY-MM). -#}
{% macro cycle_last_date(cycle) -%}
    cast({{ dbt.dateadd('day', -1, add_months(
        "cast(" ~ cycle ~ " || '-01 00:00:00' as " ~ dbt.type_timestamp() ~ ")", 1)) }} as date)
{%- endmacro %}


{#-
    A value of one run: the dbt var `name` when given (--vars, a unit test's overrides), else the
    environment variable RECON_DBT_<NAME>, which a Dagster run sets (recon_pipeline/settings.py,
    dbt_env). Environment, not --vars: dbt keeps its parsed project (partial_parse.msgpack) only
    while the --vars are the same, so a var that changes every cycle made every cycle's first
    build parse the whole project again. The variable is read when executing only: a parse then
    records no per-run value in any model, and a run of another cycle re-parses none of them.
-#}
{% macro run_value(name, default) -%}
    {%- set given = var(name, none) -%}
    {%- if given is not none -%}
        {{ return(given) }}
    {%- elif not execute -%}
        {{ return(default) }}
    {%- endif -%}
    {{ return(env_var('RECON_DBT_' ~ (name | upper), default)) }}
{%- endmacro %}
