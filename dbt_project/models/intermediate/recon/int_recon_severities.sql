-- The severity of every mismatch category, from the var `recon_severity` (config/recon.yml):
-- one row per category, so the recon models set severity by a join, not by copying the map.
{%- set severities = var('recon_severity', {}) %}
{%- if severities is not mapping %}
    {{ exceptions.raise_compiler_error(
        "var recon_severity must map each category to error or warning, got " ~ severities) }}
{%- endif %}
{%- for category, severity in severities | dictsort %}
    {%- if severity not in ('error', 'warning') %}
        {{ exceptions.raise_compiler_error(
            "var recon_severity: " ~ category ~ " must be error or warning, got " ~ severity) }}
    {%- endif %}
{%- endfor %}

{% if severities %}
{%- for category, severity in severities | dictsort %}
select
    cast('{{ category }}' as {{ dbt.type_string() }}) as category,
    cast('{{ severity }}' as {{ dbt.type_string() }}) as severity
{% if not loop.last %}union all{% endif %}
{%- endfor %}
{% else %}
select
    cast(null as {{ dbt.type_string() }}) as category,
    cast(null as {{ dbt.type_string() }}) as severity
where 1 = 0
{% endif %}
