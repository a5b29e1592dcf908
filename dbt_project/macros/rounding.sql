{#
    Half-even ("banker's") rounding, the only rounding the spec allows (mismatches.md).
    DuckDB's and PostgreSQL's round() round half away from zero (2.5 -> 3), so neither is used.

    round_half_even(value, scale): `value` (an exact decimal or integer expression) rounded to
    `scale` decimal places, ties to the even neighbour: 2.5 -> 2, 3.5 -> 4, -2.5 -> -2.
    Returns numeric(38, scale); null stays null.
#}
{% macro round_half_even(value, scale=0) -%}
    {%- set shifted = "(" ~ value ~ ") * " ~ (10 ** scale) -%}
    {%- set down = "floor(" ~ shifted ~ ")" -%}
    cast((case
        when {{ shifted }} - {{ down }} > 0.5 then {{ down }} + 1
        when {{ shifted }} - {{ down }} < 0.5 then {{ down }}
        when mod({{ down }}, 2) = 0 then {{ down }}
        else {{ down }} + 1
    end){% if scale > 0 %} * {{ "%.*f" | format(scale, 10 ** (-scale)) }}{% endif %} as {{ type_decimal(38, scale) }})
{%- endmacro %}


{#
    div_half_even(numerator, denominator): the exact quotient of two integer expressions,
    rounded half-even to an integer (bigint). The denominator must be positive. Integer
    arithmetic only: DuckDB's `/` on integers or decimals gives a binary float.
#}
{% macro div_half_even(numerator, denominator) -%}
    {%- set size = "abs(" ~ numerator ~ ")" -%}
    {%- set quotient = int_div(size, denominator) -%}
    {%- set twice_rest = "2 * (" ~ size ~ " - " ~ quotient ~ " * (" ~ denominator ~ "))" -%}
    (case when ({{ numerator }}) < 0 then -1 else 1 end) * (
        {{ quotient }} + case
            when {{ twice_rest }} > ({{ denominator }}) then 1
            when {{ twice_rest }} = ({{ denominator }}) and mod({{ quotient }}, 2) = 1 then 1
            else 0
        end)
{%- endmacro %}


{#- Integer division of non-negative integers, truncated, as a bigint. -#}
{% macro int_div(numerator, denominator) -%}
    {{ return(adapter.dispatch('int_div', 'recon')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__int_div(numerator, denominator) -%}
    cast(floor(({{ numerator }}) / ({{ denominator }})) as {{ dbt.type_bigint() }})
{%- endmacro %}

{% macro duckdb__int_div(numerator, denominator) -%}
    cast(({{ numerator }}) // ({{ denominator }}) as {{ dbt.type_bigint() }})
{%- endmacro %}

{% macro postgres__int_div(numerator, denominator) -%}
    cast(div({{ numerator }}, {{ denominator }}) as {{ dbt.type_bigint() }})
{%- endmacro %}

{% macro spark__int_div(numerator, denominator) -%}
    cast(({{ numerator }}) div ({{ denominator }}) as {{ dbt.type_bigint() }})
{%- endmacro %}
