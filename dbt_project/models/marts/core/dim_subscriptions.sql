{{ config(unique_key=['subscription_id']) }}
{% call changed_rows_only() %}
-- Subscriptions with the end that stops their billing and whether they bill at all.
with subscriptions as (
    select * from {{ ref('stg_billing__subscriptions') }}
),

customers as (
    select * from {{ ref('stg_billing__customers') }}
)

select
    subscriptions.subscription_id,
    subscriptions.customer_id,
    customers.legal_entity_id,
    subscriptions.status,
    {{ subscription_is_billable('subscriptions.status') }} as is_billable,
    subscriptions.currency,
    subscriptions.started_at,
    subscriptions.billing_cycle_anchor_at,
    subscriptions.trial_end_at,
    subscriptions.canceled_at,
    subscriptions.ended_at,
    subscriptions.cancel_at,
    {{ subscription_end_at(
        'subscriptions.ended_at', 'subscriptions.canceled_at',
        'subscriptions.cancel_at', 'subscriptions.status') }} as ends_at,
    subscriptions.created_at
from subscriptions
left join customers
    on subscriptions.customer_id = customers.customer_id
{% endcall %}
