{#- entity (raw table name) -> staging model over it -#}
{%- set staging_models = {
    'incidents': 'stg_incidents__incident_revisions',
    'complaints': 'stg_complaints__complaints',
    'fft_responses': 'stg_fft__responses',
    'inquests': 'stg_inquests__inquests',
    'sjr_reviews': 'stg_sjr__reviews',
    'claims': 'stg_claims__claims',
    'audits': 'stg_audit__audits',
    'audit_results': 'stg_audit__results',
    'audit_actions': 'stg_audit__actions',
    'pfd_reports': 'stg_pfd__reports',
    'activity_monthly': 'stg_activity__monthly',
} -%}

with

{% for entity, model_name in staging_models.items() %}
{{ entity }} as (

    select * from {{ ref(model_name) }}

),

{% endfor %}
rows_unioned as (

    {% for entity in staging_models %}
    select
        '{{ entity }}' as entity,
        _source_file as file,
        count(*) as n_rows_in_raw
    from {{ entity }}
    group by _source_file
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from rows_unioned
