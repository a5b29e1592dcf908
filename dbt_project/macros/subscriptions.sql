{#
    subscription_end_at(): when a subscription stops billing (mismatches.md, "Expected
    subscription periods"): `ended_at`; else `canceled_at` when the status is canceled; else a
    scheduled `cancel_at`; else null (no end). Used wherever a subscription's end is needed, so
    the rule has one definition.
#}
{% macro subscription_end_at(ended_at='ended_at', canceled_at='canceled_at',
                             cancel_at='cancel_at', status='status') -%}
    coalesce(
        {{ ended_at }},
        case when {{ status }} = 'canceled' then {{ canceled_at }} end,
        {{ cancel_at }}
    )
{%- endmacro %}

{#- Whether a subscription's periods are expected at all: not incomplete / incomplete_expired. -#}
{% macro subscription_is_billable(status='status') -%}
    (coalesce({{ status }}, '') not in ('incomplete', 'incomplete_expired'))
{%- endmacro %}
