{#
    Currency amounts. Stripe amounts are integers in minor units; ERP amounts are decimals in
    major units. The exponent (digits of the minor unit) is ISO 4217's, as in
    recon_pipeline/lib/money.py: 0 for zero-decimal currencies, 3 for BHD JOD KWD OMR TND,
    else 2. Conversions multiply by an exact decimal literal: no division, no binary float.
#}


{% macro currency_list(codes) -%}
    {%- for code in codes.split() %}'{{ code }}'{% if not loop.last %}, {% endif %}{% endfor -%}
{%- endmacro %}

{#- Digits of the currency's minor unit (the currency in any letter case). -#}
{% macro currency_exponent(currency) -%}
    (case
        when upper({{ currency }}) in ({{ currency_list(zero_decimal_currencies()) }}) then 0
        when upper({{ currency }}) in ({{ currency_list(three_decimal_currencies()) }}) then 3
        else 2
    end)
{%- endmacro %}

{% macro zero_decimal_currencies() -%}
    {{ return("BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF") }}
{%- endmacro %}

{% macro three_decimal_currencies() -%}
    {{ return("BHD JOD KWD OMR TND") }}
{%- endmacro %}

{#- Exact decimal in major units of an amount in minor units: 1234 USD -> 12.340. -#}
{% macro minor_to_major(amount_minor, currency) -%}
    cast(cast({{ amount_minor }} as {{ type_decimal(38, 0) }}) * (case {{ currency_exponent(currency) }}
        when 0 then 1.000 when 3 then 0.001 else 0.010 end) as {{ type_decimal(38, 3) }})
{%- endmacro %}

{#-
    Exact value in minor units of an amount in major units (no rounding: 12.345 JPY stays
    12.345; round with round_half_even where a whole number of minor units is needed).
-#}
{% macro major_to_minor(amount, currency) -%}
    cast({{ amount }} * (case {{ currency_exponent(currency) }}
        when 0 then 1 when 3 then 1000 else 100 end) as {{ type_decimal(38, 6) }})
{%- endmacro %}
