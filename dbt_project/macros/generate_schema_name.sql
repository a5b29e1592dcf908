{#
    Models land in the schema their folder configures (`staging`, later `intermediate`, `marts`),
    not in dbt's default `<target schema>_<custom schema>`, so every target has the same layout.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
