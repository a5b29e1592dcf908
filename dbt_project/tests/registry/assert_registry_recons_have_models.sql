-- The recons of the registry (seeds/recon_categories.csv) are the recons whose models
-- fct_mismatches and fct_recon_coverage union (macro recon_names): a row names a recon that
-- has no model in the union, or the union names a recon the registry lacks.
with listed as (
    {% for recon in recon_names() -%}
    select cast('{{ recon }}' as {{ dbt.type_string() }}) as recon
    {% if not loop.last %}union all
    {% endif -%}
    {%- endfor %}
),

registered as (
    select distinct recon from {{ ref('recon_categories') }}
)

select registered.recon, 'in the registry, not in macro recon_names' as problem
from registered
where registered.recon not in (select listed.recon from listed)
union all
select listed.recon, 'in macro recon_names, not in the registry' as problem
from listed
where listed.recon not in (select registered.recon from registered)
