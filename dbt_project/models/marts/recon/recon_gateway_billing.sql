{% call cycle_partition() %}
{#-
    gateway_billing recon (mismatches.md): invoices marked paid that no succeeded charge pays,
    and succeeded charges linked to an invoice that is still open or uncollectible. One row per
    finding, every cycle; columns as _recon__contract.md says.
-#}
{%- set text = dbt.type_string() -%}

with invoices as (
    select * from {{ ref('fct_invoices') }}
),

charges as (
    select * from {{ ref('fct_charges') }}
),

links as (
    select * from {{ ref('fct_charge_invoice_links') }}
),

unposted as (
    select * from {{ ref('int_source_documents_unposted') }}
),

paid_without_payment as (
    -- A paid invoice without paid_at falls in its own (finalization) cycle.
    select
        coalesce(paid_cycle, cycle) as cycle,
        'invoice_paid_without_payment' as category,
        invoice_id as object_id,
        customer_id,
        cast(null as {{ text }}) as related_id,
        currency,
        {{ minor_to_major('amount_paid_minor', 'currency') }} as expected_amount,
        cast(0 as {{ type_decimal(18, 3) }}) as actual_amount,
        {{ dbt.concat([
            "'Invoice '", "invoice_id", "' is marked paid ('", "currency", "' '",
            amount_text(minor_to_major('amount_paid_minor', 'currency'), 'currency'),
            "') but no succeeded gateway payment is linked to it.'"]) }} as detail
    from invoices
    where status = 'paid'
        and not is_paid_out_of_band
        and amount_paid_minor > 0
        and succeeded_charge_count = 0
),

unapplied_links as (
    select
        links.charge_id,
        min(links.invoice_id) as invoice_id,
        min(links.invoice_status) as invoice_status
    from links
    where links.invoice_status in ('open', 'uncollectible')
    group by links.charge_id
),

unapplied_payments as (
    select
        charges.cycle,
        'payment_unapplied' as category,
        charges.charge_id as object_id,
        charges.customer_id,
        unapplied_links.invoice_id as related_id,
        charges.currency,
        cast(null as {{ type_decimal(18, 3) }}) as expected_amount,
        {{ minor_to_major('charges.effective_amount_minor', 'charges.currency') }} as actual_amount,
        {{ dbt.concat([
            "'Payment '", "charges.charge_id", "' of '", "charges.currency", "' '",
            amount_text(minor_to_major('charges.effective_amount_minor', 'charges.currency'), 'charges.currency'),
            "' succeeded but invoice '", "unapplied_links.invoice_id", "' is still '",
            "unapplied_links.invoice_status", "'.'"]) }} as detail
    from charges
    inner join unapplied_links
        on charges.charge_id = unapplied_links.charge_id
    where charges.is_succeeded
),

findings as (
    select * from paid_without_payment
    union all
    select * from unapplied_payments
),

kept as (
    -- Precedence: an invoice or a charge never posted to the ledger has no other finding.
    select findings.*
    from findings
    left join unposted
        on findings.object_id = unposted.document_id
    where unposted.document_id is null
)

select
    {{ finding_columns('gateway_billing', 'kept', 'customers.legal_entity_id') }}
from kept
left join {{ ref('dim_customers') }} as customers
    on kept.customer_id = customers.customer_id
left join {{ ref('int_recon_severities') }} as severities
    on kept.category = severities.category
{% endcall %}
