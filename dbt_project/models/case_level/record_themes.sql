-- Every theme of every record, with how it was assigned and why: the evidence behind each
-- count in theme_counts and the triangulation marts.
{#- Incremental as int_record_themes_mapped: the changed records' rows, or every record's when
    what every record's themes read changed (shared_coding_inputs). -#}
{{ config(materialized='incremental',
          pre_hook="{{ delete_changed_records(record_key_of('source', 'record_id'),
                                              shared_coding_inputs()) }}",
          post_hook="{{ keep_shared_digest(shared_coding_inputs()) }}") }}
{%- set only_changed = is_incremental() and not shared_input_changed(shared_coding_inputs()) %}

with

record_themes as (

    select * from {{ ref('int_record_themes_mapped') }}
{%- if only_changed %}
    where {{ changed_record() }}
{%- endif %}

),

quality_records as (

    select * from {{ ref('int_quality_records_unioned') }}
{%- if only_changed %}
    where {{ changed_record() }}
{%- endif %}

),

themes as (

    select * from {{ ref('themes') }}

)

select
    record_themes.source,
    record_themes.record_id,
    quality_records.record_date,
    quality_records.record_month,
    quality_records.location_id,
    quality_records.location_name,
    quality_records.directorate,
    quality_records.severity_label,
    record_themes.theme_id,
    themes.theme_name,
    record_themes.method,
    record_themes.reason,
    record_themes.confidence,
    record_themes.model_version,
    record_themes.evidence
from record_themes
inner join quality_records
    on record_themes.record_key = quality_records.record_key
inner join themes
    on record_themes.theme_id = themes.theme_id
