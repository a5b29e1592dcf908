{#
    Normalised keys of the customer resolution rule (mismatches.md, "Customer resolution").
#}

{#- Tax id: upper-case, letters and digits only ("de 123-456" -> "DE123456"); '' -> null. -#}
{% macro normalise_tax_id(column) -%}
    nullif({{ regexp_replace_all("upper(" ~ column ~ ")", "'[^A-Z0-9]'", "''") }}, '')
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
    {%- set step.text = regexp_replace_all(step.text, "'" ~ _name_punctuation() ~ "'", "''") -%}
    {%- set step.text = "trim(" ~ regexp_replace_all(step.text, "'\\s+'", "' '") ~ ")" -%}
    {%- for _ in range(3) -%}
        {%- set step.text = regexp_replace_all(step.text, "'(\\S) ("
            ~ (legal_suffixes() | join('|')) ~ ")$'", "'" ~ first_group() ~ "'") -%}
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


{#- Every match of `pattern` (a string literal) in `text` replaced by `replacement` (one too). -#}
{% macro regexp_replace_all(text, pattern, replacement) -%}
    {{ return(adapter.dispatch('regexp_replace_all', 'recon')(text, pattern, replacement)) }}
{%- endmacro %}

{% macro default__regexp_replace_all(text, pattern, replacement) -%}
    regexp_replace({{ text }}, {{ pattern }}, {{ replacement }}, 'g')
{%- endmacro %}

{#- Spark's regexp_replace replaces every match; its string literals read a backslash as an
    escape, so each of the pattern's is doubled. -#}
{% macro spark__regexp_replace_all(text, pattern, replacement) -%}
    regexp_replace({{ text }}, {{ pattern | replace('\\', '\\\\') }}, {{ replacement }})
{%- endmacro %}

{#- A replacement's reference to the first group: \1, Java's $1 on Spark. -#}
{% macro first_group() -%}
    {{ return('$1' if target.type == 'spark' else '\\1') }}
{%- endmacro %}
