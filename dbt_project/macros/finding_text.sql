{#
    Text of amounts in the `detail` sentence of a finding, used by every recon model.
#}

{#- An amount in major units as text with its currency's decimals: 12.5 USD -> '12.50',
    1200 JPY -> '1200', 1.2345 KWD -> '1.235' (cast, so the database rounds). -#}
{% macro amount_text(amount, currency) -%}
    {%- set text = dbt.type_string() -%}
    (case {{ currency_exponent(currency) }}
        when 0 then cast(cast({{ amount }} as {{ type_decimal(18, 0) }}) as {{ text }})
        when 3 then cast(cast({{ amount }} as {{ type_decimal(18, 3) }}) as {{ text }})
        else cast(cast({{ amount }} as {{ type_decimal(18, 2) }}) as {{ text }})
    end)
{%- endmacro %}

{#- An amount in minor units as '<CURRENCY> <major units>': 1250 USD -> 'USD 12.50'; a missing
    currency or amount shows as '' or '?'. -#}
{% macro minor_amount_text(amount_minor, currency) -%}
    {{ dbt.concat(["coalesce(" ~ currency ~ ", '')", "' '",
        "coalesce(" ~ amount_text(minor_to_major(amount_minor, currency), currency) ~ ", '?')"]) }}
{%- endmacro %}

{#- `text` without the trailing characters of `characters` (a string literal): rtrim(text,
    characters); Spark's two-argument rtrim takes them the other way round. -#}
{% macro trim_trailing(text, characters) -%}
    {{ return(adapter.dispatch('trim_trailing', 'recon')(text, characters)) }}
{%- endmacro %}

{% macro default__trim_trailing(text, characters) -%}
    rtrim({{ text }}, {{ characters }})
{%- endmacro %}

{% macro spark__trim_trailing(text, characters) -%}
    rtrim({{ characters }}, {{ text }})
{%- endmacro %}

{#- An exact decimal as plain text. Spark writes a decimal as Java's BigDecimal.toString does:
    zero at scale 12 as '0E-12' (and any value below 10^-6 in E notation), so zero is spelt
    out there ('0.0', which trailing zeros trim to '0' as DuckDB's '0.000000000000'). -#}
{% macro decimal_text(expression) -%}
    {{ return(adapter.dispatch('decimal_text', 'recon')(expression)) }}
{%- endmacro %}

{% macro default__decimal_text(expression) -%}
    cast({{ expression }} as {{ dbt.type_string() }})
{%- endmacro %}

{% macro spark__decimal_text(expression) -%}
    (case when ({{ expression }}) = 0 then '0.0' else cast({{ expression }} as string) end)
{%- endmacro %}
