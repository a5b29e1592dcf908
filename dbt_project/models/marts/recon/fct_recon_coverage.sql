{#-
    How many objects each recon looked at in the cycle being closed (var `cycle`; the cycle
    window of macros/partitions.sql): the union of the recons' coverage models, one row per
    recon and cycle (0 when it had nothing to look at), from which the reports compute match
    rates (objects without a finding / objects checked). Incremental: a run replaces its
    cycle's rows only.
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
    select cycle, recon, objects_checked
    from {{ ref('recon_' ~ recon ~ '__coverage') }}
    where {{ in_cycle_window('cycle', every_cycle_in_unit_tests=false) }}
    {% if not loop.last %}union all
    {% endif -%}
    {%- endfor %}
),

cycles as (
    -- The cycle being closed, and any other of the window a recon looked at.
    select cast('{{ cycle_window()[1] }}' as {{ text }}) as cycle
    union
    select cycle from coverage
)

select
    cast(cycles.cycle as {{ text }}) as cycle,
    recons.recon,
    cast(coalesce(sum(coverage.objects_checked), 0) as {{ dbt.type_bigint() }}) as objects_checked
from cycles
cross join recons
left join coverage
    on recons.recon = coverage.recon
    and cycles.cycle = coverage.cycle
group by cycles.cycle, recons.recon
