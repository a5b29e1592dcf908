{% call cycle_partition() %}
{#-
    customer_master recon (mismatches.md): every billing customer with a finalized invoice in a
    cycle, against the ERP customer master and the CRM, for every cycle (fct_mismatches keeps
    the cycle being closed). Columns follow _recon__contract.md. The resolution to the ERP is
    dim_customers' (the first rule that finds anyone wins):
    - customer_missing_in_erp: no ERP customer found;
    - duplicate_customer: several found (their attributes are then not compared);
    - customer_attribute_mismatch: the one found differs in currency, country or legal entity
      (a value on one side only is a difference), or in normalised tax id when both have one;
    - customer_missing_in_crm: no CRM account names the customer (billing_customer_id) or an
      ERP customer it resolves to; reported beside any of the above.
    A customer whose billing row is missing (quarantined) cannot be compared and is skipped.
-#}
{%- set attributes = [
    ('currency', 'currency', 'erp_currency'),
    ('country', 'country_code', 'erp_country_code'),
    ('legal entity', 'legal_entity_id', 'erp_legal_entity_id'),
    ('tax id', 'tax_id_normalised', 'erp_tax_id_normalised'),
] -%}

with population as (
    -- Customers with a finalized invoice in the cycle.
    select distinct cycle, customer_id
    from {{ ref('fct_invoices') }}
    where is_finalized and customer_id is not null
),

customers as (
    select
        population.cycle,
        dim_customers.*,
        coalesce(
            dim_customers.erp_match_count = 1
            and (
                dim_customers.currency is distinct from dim_customers.erp_currency
                or dim_customers.country_code is distinct from dim_customers.erp_country_code
                or dim_customers.legal_entity_id
                    is distinct from dim_customers.erp_legal_entity_id
                or dim_customers.tax_id_normalised <> dim_customers.erp_tax_id_normalised
            ),
            false
        ) as has_attribute_difference
    from population
    inner join {{ ref('dim_customers') }} as dim_customers
        on population.customer_id = dim_customers.customer_id
),

erp_codes as (
    -- The ERP customers each billing customer resolves to, listed.
    select
        customer_id,
        {{ dbt.listagg(
            'erp_customer_code', "', '", 'order by ' ~ binary_order('erp_customer_code')) }}
            as erp_customer_codes
    from {{ ref('int_customers_resolved_to_erp') }}
    group by customer_id
),

findings as (
    select
        customers.*,
        case
            when customers.erp_match_count = 0 then 'customer_missing_in_erp'
            when customers.erp_match_count > 1 then 'duplicate_customer'
            else 'customer_attribute_mismatch'
        end as category
    from customers
    where customers.erp_match_count <> 1 or customers.has_attribute_difference

    union all

    select
        customers.*,
        'customer_missing_in_crm' as category
    from customers
    where not customers.has_crm_account
),

described as (
    select
        findings.*,
        erp_codes.erp_customer_codes,
        {{ dbt.concat([
            "'Customer '", "findings.customer_id",
            "coalesce(" ~ dbt.concat(["' ('", "findings.customer_name", "')'"]) ~ ", '')"
        ]) }} as customer_label,
        {#- "; currency: billing EUR, ERP USD" for each attribute that differs. -#}
        {%- set differences = [] -%}
        {%- for label, billing, erp in attributes -%}
            {%- if label == 'tax id' -%}
                {%- set differs = 'findings.' ~ billing ~ ' <> findings.' ~ erp -%}
            {%- else -%}
                {%- set differs = 'findings.' ~ billing ~ ' is distinct from findings.' ~ erp -%}
            {%- endif -%}
            {%- do differences.append(
                "coalesce(case when " ~ differs ~ " then "
                ~ dbt.concat(["'; " ~ label ~ ": billing '",
                              "coalesce(findings." ~ billing ~ ", 'none')", "', ERP '",
                              "coalesce(findings." ~ erp ~ ", 'none')"])
                ~ " end, '')") -%}
        {%- endfor %}
        substr({{ dbt.concat(differences) }}, 3) as difference_list
    from findings
    left join erp_codes
        on findings.customer_id = erp_codes.customer_id
)

{%- set detail -%}
case described.category
        when 'customer_missing_in_erp' then {{ dbt.concat([
            "described.customer_label",
            "' was invoiced in '", "described.cycle",
            "' but matches no ERP customer (by external reference, ERP code, tax id or name and country).'"
        ]) }}
        when 'duplicate_customer' then {{ dbt.concat([
            "described.customer_label", "' matches '",
            "cast(described.erp_match_count as " ~ dbt.type_string() ~ ")",
            "' ERP customers ('", "coalesce(described.erp_customer_codes, '?')", "') by '",
            "case described.erp_match_rule when 'external_ref' then 'external reference'"
                ~ " when 'erp_customer_code' then 'ERP customer code'"
                ~ " when 'tax_id' then 'tax id' when 'name_and_country' then 'name and country'"
                ~ " else coalesce(described.erp_match_rule, '?') end",
            "'; its attributes were not compared.'"
        ]) }}
        when 'customer_attribute_mismatch' then {{ dbt.concat([
            "described.customer_label", "' differs from ERP customer '",
            "coalesce(described.erp_customer_code, '?')", "' in '",
            "coalesce(described.difference_list, '?')", "'.'"
        ]) }}
        else {{ dbt.concat([
            "described.customer_label",
            "' has no CRM account (none names the billing customer'",
            "coalesce(" ~ dbt.concat(["' or ERP customer '", "described.erp_customer_codes"])
                ~ ", '')",
            "').'"
        ]) }}
    end
{%- endset %}

select
    {{ finding_columns('customer_master', 'described', 'described.legal_entity_id',
        object_id='described.customer_id',
        related_id="case when described.category = 'customer_missing_in_erp' then null"
            ~ " else described.erp_customer_codes end",
        currency='null', expected_amount='null', actual_amount='null', difference='null',
        detail=detail) }}
from described
left join {{ ref('int_recon_severities') }} as severities
    on described.category = severities.category
{% endcall %}
