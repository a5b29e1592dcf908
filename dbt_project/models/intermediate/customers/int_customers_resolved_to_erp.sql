{#-
    The ERP customers each billing customer resolves to (mismatches.md, "Customer
    resolution"): the rules are tried in order and the first that finds one or more ERP
    customers wins; one row per billing customer and ERP customer it found.
    1. external_ref: erp_customers.external_ref = the billing customer id;
    2. erp_customer_code: erp_customers.customer_code = the customer's metadata.erp_customer_code;
    3. tax_id: equal normalised tax ids (upper-case, letters and digits only);
    4. name_and_country: equal normalised names (case-folded, punctuation deleted, trailing
       legal suffixes removed, spaces collapsed) and equal countries.
-#}
with customers as (
    select
        customer_id,
        erp_customer_code,
        {{ normalise_tax_id('tax_id') }} as tax_id_normalised,
        {{ normalise_name('customer_name') }} as name_normalised,
        country_code
    from {{ ref('stg_billing__customers') }}
),

erp_customers as (
    select
        erp_customer_code,
        external_ref,
        {{ normalise_tax_id('tax_id') }} as tax_id_normalised,
        {{ normalise_name('erp_customer_name') }} as name_normalised,
        country_code
    from {{ ref('stg_erp__erp_customers') }}
),

candidates as (
    select customers.customer_id, erp_customers.erp_customer_code, 1 as rule_order
    from customers
    inner join erp_customers
        on customers.customer_id = erp_customers.external_ref

    union all

    select customers.customer_id, erp_customers.erp_customer_code, 2 as rule_order
    from customers
    inner join erp_customers
        on customers.erp_customer_code = erp_customers.erp_customer_code

    union all

    select customers.customer_id, erp_customers.erp_customer_code, 3 as rule_order
    from customers
    inner join erp_customers
        on customers.tax_id_normalised = erp_customers.tax_id_normalised

    union all

    select customers.customer_id, erp_customers.erp_customer_code, 4 as rule_order
    from customers
    inner join erp_customers
        on customers.name_normalised = erp_customers.name_normalised
        and customers.country_code = erp_customers.country_code
),

first_rule as (
    select customer_id, min(rule_order) as rule_order
    from candidates
    group by customer_id
),

resolved as (
    select distinct
        candidates.customer_id,
        candidates.erp_customer_code,
        candidates.rule_order as match_rule_order,
        case candidates.rule_order
            when 1 then 'external_ref'
            when 2 then 'erp_customer_code'
            when 3 then 'tax_id'
            else 'name_and_country'
        end as match_rule
    from candidates
    inner join first_rule
        on candidates.customer_id = first_rule.customer_id
        and candidates.rule_order = first_rule.rule_order
)

select * from resolved
