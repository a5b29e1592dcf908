{#
    Portable column types. Money and rates are exact decimals, never binary floats
    (sources.md); `numeric(p, s)` means the same on DuckDB, PostgreSQL and Spark.
#}
{% macro type_decimal(precision, scale) -%}
    numeric({{ precision }}, {{ scale }})
{%- endmacro %}

{#- Amounts in major units, as the ERP posts them: at most the currency's decimals, which
    are at most 3 (KWD, BHD, JOD, OMR, TND: fils and baisa; sources.md). -#}
{% macro type_money() -%}
    {{ type_decimal(18, 3) }}
{%- endmacro %}

{#- Exchange rates: enough scale for a rate between any two currencies. -#}
{% macro type_fx_rate() -%}
    {{ type_decimal(24, 12) }}
{%- endmacro %}
