{% call cycle_partition() %}
-- Objects the subscription_billing recon looked at, per cycle: every expected licensed or
-- metered period (checked for coverage and duplicates), plus each late-billed period it found
-- outside them (billed_after_cancellation). Match rates are computed from it.
with objects as (
    select cycle, subscription_item_id, period_start_date as period_start
    from {{ ref('int_billing_periods_covered') }}
    where is_licensed or is_metered

    union

    select cycle, object_id as subscription_item_id, period_start
    from {{ ref('recon_subscription_billing') }}
    where category = 'billed_after_cancellation'
)

select
    cycle,
    cast('subscription_billing' as {{ dbt.type_string() }}) as recon,
    count(*) as objects_checked
from objects
group by cycle
{% endcall %}
