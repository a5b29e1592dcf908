{#
    Normalised keys of the customer resolution rule (mismatches.md, "Customer resolution").
#}

{#- Tax id: upper-case, letters and digits only ("de 123-456" -> "DE123456"); '' -> null. -#}
{% macro normalise_tax_id(column) -%}
    nullif(regexp_replace(upper({{ column }}), '[^A-Z0-9]', '', 'g'), '')
{%- endmacro %}


{#
    Name: case-folded, punctuation deleted, spaces collapsed, then trailing legal suffixes
    (Inc, LLC, Ltd, GmbH, SA, BV, ...) removed, up to three of them and never the first word:
    "Blue Analytics, L.L.C." -> "blue analytics"; "SILVER ANALYTICS, S.A." -> "silver analytics".
    Punctuation is Unicode's punctuation in ASCII plus the common typographic marks; letters of
    any script are kept.
#}
{% macro normalise_name(column) -%}
    {%- set step = namespace(text="lower(" ~ column ~ ")") -%}
    {%- set step.text = "regexp_replace(" ~ step.text ~ ", '" ~ _name_punctuation() ~ "', '', 'g')" -%}
    {%- set step.text = "trim(regexp_replace(" ~ step.text ~ ", '\\s+', ' ', 'g'))" -%}
    {%- for _ in range(3) -%}
        {%- set step.text = "regexp_replace(" ~ step.text ~ ", '(\\S) ("
            ~ (legal_suffixes() | join('|')) ~ ")$', '\\1')" -%}
    {%- endfor -%}
    nullif({{ step.text }}, '')
{%- endmacro %}

{% macro _name_punctuation() -%}
    {{ return("[!\"#%&''()*,\\-./:;?@\\[\\\\\\]_{}¡§«¶·»¿‐‑‒–—―‘’‚“”„…‹›]") }}
{%- endmacro %}

{#- Legal-form words removed from the end of a name, lower case without punctuation. -#}
{% macro legal_suffixes() -%}
    {{ return([
        "inc", "incorporated", "llc", "llp", "ltd", "limited", "gmbh", "sa", "sas", "sarl",
        "srl", "spa", "bv", "nv", "ag", "ab", "oy", "plc", "corp", "corporation", "co", "pty",
        "pte", "kk",
    ]) }}
{%- endmacro %}
