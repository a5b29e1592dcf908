{{ config(unique_key=['refund_id']) }}
{% call changed_rows_only() %}
-- Refunds, with whether they succeeded and the cycle they belong to (month of creation).
with refunds as (
    select * from {{ ref('stg_payments__refunds') }}
),

charges as (
    select * from {{ ref('stg_payments__charges') }}
)

select
    refunds.refund_id,
    refunds.charge_id,
    charges.customer_id,
    refunds.currency,
    refunds.status,
    coalesce(refunds.status = 'succeeded', false) as is_succeeded,
    refunds.amount_minor,
    refunds.created_at,
    {{ cycle_of('refunds.created_at') }} as cycle,
    refunds.balance_transaction_id
from refunds
left join charges
    on refunds.charge_id = charges.charge_id
{% endcall %}
