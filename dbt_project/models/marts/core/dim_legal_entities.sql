{{ config(unique_key=['legal_entity_id']) }}
{% call changed_rows_only() %}
-- The legal entities that bill customers and post journals.
select
    legal_entity_id,
    legal_entity_name,
    functional_currency,
    country_code
from {{ ref('stg_reference__legal_entities') }}
{% endcall %}
