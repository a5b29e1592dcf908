{#
    Models land in the schema their folder configures (`staging`, later `intermediate`, `marts`),
    not in dbt's default `<target schema>_<custom schema>`, so every target has the same layout.
    The var `schema_prefix` (default empty) is prepended, so a test run can use private schemas.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ var('schema_prefix', '') }}{{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
