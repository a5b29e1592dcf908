-- The severity and blocking flag of every mismatch category: the registry
-- (seeds/recon_categories.csv), with the severities the var `recon_severity` overrides
-- (config/recon.yml), so the recon models set severity by a join, not by copying the map.
{%- set overrides = var('recon_severity', {}) %}
{%- if overrides is not mapping %}
    {{ exceptions.raise_compiler_error(
        "var recon_severity must map categories to error or warning, got " ~ overrides) }}
{%- endif %}
{%- for category, severity in overrides | dictsort %}
    {%- if severity not in ('error', 'warning') %}
        {{ exceptions.raise_compiler_error(
            "var recon_severity: " ~ category ~ " must be error or warning, got " ~ severity) }}
    {%- endif %}
{%- endfor %}
{%- set text = dbt.type_string() %}

select
    cast(registry.recon as {{ text }}) as recon,
    cast(registry.category as {{ text }}) as category,
    cast(
        {%- if overrides %}
        case registry.category
            {%- for category, severity in overrides | dictsort %}
            when '{{ category }}' then '{{ severity }}'
            {%- endfor %}
            else registry.severity
        end
        {%- else %} registry.severity
        {%- endif %} as {{ text }}
    ) as severity,
    registry.blocking
from {{ ref('recon_categories') }} as registry
