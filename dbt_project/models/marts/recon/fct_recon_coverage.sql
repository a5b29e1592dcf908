{#-
    How many objects each recon looked at in the cycle being closed (var `cycle`): the union of
    the recons' coverage models, one row per recon (0 when it had nothing to look at), from
    which the reports compute match rates (objects without a finding / objects checked).
    The recons are the macro recon_names() (kept equal to the registry by a data test).
-#}
{%- set text = dbt.type_string() -%}

with recons as (
    {% for recon in recon_names() | sort -%}
    select cast('{{ recon }}' as {{ text }}) as recon
    {% if not loop.last %}union all
    {% endif -%}
    {%- endfor %}
),

coverage as (
    {% for recon in recon_names() | sort -%}
    select recon, objects_checked
    from {{ ref('recon_' ~ recon ~ '__coverage') }}
    where cycle = '{{ current_cycle() }}'
    {% if not loop.last %}union all
    {% endif -%}
    {%- endfor %}
)

select
    cast('{{ current_cycle() }}' as {{ text }}) as cycle,
    recons.recon,
    cast(coalesce(sum(coverage.objects_checked), 0) as {{ dbt.type_bigint() }}) as objects_checked
from recons
left join coverage
    on recons.recon = coverage.recon
group by recons.recon
