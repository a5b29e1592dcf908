{{ config(unique_key=['customer_id']) }}
{% call changed_rows_only() %}
-- Billing customers with their crosswalk to the ERP customer master and the CRM.
with customers as (
    select * from {{ ref('stg_billing__customers') }}
),

erp_matches as (
    select * from {{ ref('int_customers_resolved_to_erp') }}
),

erp_customers as (
    select * from {{ ref('stg_erp__erp_customers') }}
),

crm_accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

erp_resolution as (
    select
        customer_id,
        min(match_rule) as erp_match_rule,
        count(distinct erp_customer_code) as erp_match_count,
        min(erp_customer_code) as any_erp_customer_code
    from erp_matches
    group by customer_id
),

crm_by_customer as (
    select billing_customer_id as customer_id, min(crm_account_id) as crm_account_id
    from crm_accounts
    where billing_customer_id is not null
    group by billing_customer_id
),

crm_by_erp_code as (
    -- CRM accounts naming any ERP customer the billing customer resolves to.
    select erp_matches.customer_id, min(crm_accounts.crm_account_id) as crm_account_id
    from erp_matches
    inner join crm_accounts
        on erp_matches.erp_customer_code = crm_accounts.erp_customer_code
    group by erp_matches.customer_id
),

final as (
    select
        customers.customer_id,
        customers.customer_name,
        customers.email,
        customers.currency,
        customers.country_code,
        customers.legal_entity_id,
        customers.tax_id,
        {{ normalise_tax_id('customers.tax_id') }} as tax_id_normalised,
        customers.created_at,
        customers.erp_customer_code as metadata_erp_customer_code,
        customers.crm_account_id as metadata_crm_account_id,
        coalesce(erp_resolution.erp_match_count, 0) as erp_match_count,
        erp_resolution.erp_match_rule,
        case
            when erp_resolution.erp_match_count = 1 then erp_resolution.any_erp_customer_code
        end as erp_customer_code,
        erp_customers.erp_customer_name,
        erp_customers.currency as erp_currency,
        erp_customers.country_code as erp_country_code,
        erp_customers.legal_entity_id as erp_legal_entity_id,
        {{ normalise_tax_id('erp_customers.tax_id') }} as erp_tax_id_normalised,
        coalesce(crm_by_customer.crm_account_id, crm_by_erp_code.crm_account_id) as crm_account_id,
        case
            when crm_by_customer.crm_account_id is not null then 'billing_customer_id'
            when crm_by_erp_code.crm_account_id is not null then 'erp_customer_code'
        end as crm_match_rule,
        coalesce(crm_by_customer.crm_account_id, crm_by_erp_code.crm_account_id)
            is not null as has_crm_account
    from customers
    left join erp_resolution
        on customers.customer_id = erp_resolution.customer_id
    left join erp_customers
        on erp_resolution.erp_match_count = 1
        and erp_resolution.any_erp_customer_code = erp_customers.erp_customer_code
    left join crm_by_customer
        on customers.customer_id = crm_by_customer.customer_id
    left join crm_by_erp_code
        on customers.customer_id = crm_by_erp_code.customer_id
)

select * from final
{% endcall %}
