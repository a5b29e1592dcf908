{#
    binary_order(expression): the text compared byte by byte, as DuckDB always does, so that
    "the greatest id" and tie-breaks are the same on every target whatever the database's
    collation (PostgreSQL's default may be linguistic: 'si_a' < 'si_B').
#}
{% macro binary_order(expression) -%}
    {{ return(adapter.dispatch('binary_order', 'recon')(expression)) }}
{%- endmacro %}

{% macro default__binary_order(expression) -%}
    {{ expression }}
{%- endmacro %}

{% macro postgres__binary_order(expression) -%}
    ({{ expression }} collate "C")
{%- endmacro %}
