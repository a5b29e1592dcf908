{{ config(unique_key=['balance_transaction_id']) }}
{% call changed_rows_only() %}
-- Movements of the gateway balance, in the settlement currency, with the payout that settled
-- each one; a payout's own transaction (type payout, source the payout) is flagged, as it is
-- not part of what the payout settles.
select
    balance_transaction_id,
    transaction_type,
    source_id,
    currency,
    amount_minor,
    fee_minor,
    net_minor,
    created_at,
    available_on_at,
    payout_id,
    coalesce(transaction_type = 'payout' and source_id = payout_id, false)
        as is_payout_own_transaction
from {{ ref('stg_payments__balance_transactions') }}
{% endcall %}
