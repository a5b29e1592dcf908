-- Customer resolution keys: tax ids upper-case letters and digits only; names case-folded,
-- punctuation deleted, spaces collapsed, trailing legal suffixes removed (never the first word).
{%- set names = [
    ("Blue Analytics, L.L.C.", "blue analytics"),
    ("BLUE ANALYTICS LLC", "blue analytics"),
    ("Silver  Analytics, S.A.", "silver analytics"),
    ("Northern Analytics Ltd.", "northern analytics"),
    ("Acme GmbH & Co. KG", "acme gmbh co kg"),
    ("Acme Holdings Inc Ltd", "acme holdings"),
    ("Ltd", "ltd"),
    ("Co Ltd", "co"),
    ("Müller Söhne GmbH", "müller söhne"),
    ("  O'Brien  & Sons  ", "obrien sons"),
    ("...", none),
] %}
{%- set tax_ids = [
    ("de 123 456-789", "DE123456789"),
    ("GB-581.654.358", "GB581654358"),
    (" - ", none),
] %}
{% for raw, expected in names %}
select 'name' as kind, '{{ raw | replace("'", "''") }}' as raw_value,
    {{ normalise_name("'" ~ (raw | replace("'", "''")) ~ "'") }} as actual
from (select 1 as one) as single_row
where {% if expected is none %}{{ normalise_name("'" ~ (raw | replace("'", "''")) ~ "'") }} is not null
    {%- else %}coalesce({{ normalise_name("'" ~ (raw | replace("'", "''")) ~ "'") }}, '') <> '{{ expected }}'{% endif %}
union all
{% endfor %}
{%- for raw, expected in tax_ids %}
select 'tax_id' as kind, '{{ raw }}' as raw_value, {{ normalise_tax_id("'" ~ raw ~ "'") }} as actual
from (select 1 as one) as single_row
where {% if expected is none %}{{ normalise_tax_id("'" ~ raw ~ "'") }} is not null
    {%- else %}coalesce({{ normalise_tax_id("'" ~ raw ~ "'") }}, '') <> '{{ expected }}'{% endif %}
{% if not loop.last %}union all{% endif %}
{%- endfor %}
