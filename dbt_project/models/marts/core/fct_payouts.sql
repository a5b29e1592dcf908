{{ config(unique_key=['payout_id']) }}
{% call changed_rows_only() %}
-- Payouts with their cycle (month of arrival) and what the balance transactions naming them
-- settle (sum of net, the payout's own transaction excluded).
with payouts as (
    select * from {{ ref('stg_payments__payouts') }}
),

settled as (
    select
        payout_id,
        sum(net_minor) as settled_net_minor,
        count(*) as settled_transaction_count
    from {{ ref('fct_balance_transactions') }}
    where payout_id is not null and not is_payout_own_transaction
    group by payout_id
)

select
    payouts.payout_id,
    payouts.currency,
    payouts.status,
    coalesce(payouts.status = 'paid', false) as is_paid,
    payouts.amount_minor,
    payouts.arrival_at,
    cast(payouts.arrival_at as date) as arrival_date,
    {{ cycle_of('payouts.arrival_at') }} as cycle,
    payouts.created_at,
    cast(settled.settled_net_minor as {{ dbt.type_bigint() }}) as settled_net_minor,
    coalesce(settled.settled_transaction_count, 0) as settled_transaction_count
from payouts
left join settled
    on payouts.payout_id = settled.payout_id
{% endcall %}
