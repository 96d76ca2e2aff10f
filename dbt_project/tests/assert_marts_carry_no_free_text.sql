-- Marts leave the patient safety team: no free-text column and no record-level id may
-- reach them (the data-quality marts carry file and row numbers only). The case-level marts
-- stay with the team and may carry record ids, never free text. Checks the column names of
-- every table in both schemas against the free-text fields of the canonical sources and the
-- record ids.
-- depends_on: {{ ref('theme_counts') }}
-- depends_on: {{ ref('theme_signals') }}
-- depends_on: {{ ref('theme_spc') }}
-- depends_on: {{ ref('unresolved_locations') }}
-- depends_on: {{ ref('unmapped_codes') }}
-- depends_on: {{ ref('rejected_rows') }}
-- depends_on: {{ ref('flagged_rows') }}
-- depends_on: {{ ref('load_summary') }}
-- depends_on: {{ ref('coding_disagreements') }}
-- depends_on: {{ ref('record_themes') }}
-- depends_on: {{ ref('fft_experience') }}
-- depends_on: {{ ref('complaints_performance') }}
-- depends_on: {{ ref('learning_from_deaths') }}
-- depends_on: {{ ref('pfd_tracker') }}
-- depends_on: {{ ref('audit_programme') }}
-- depends_on: {{ ref('triangulation') }}
-- depends_on: {{ ref('triangulation_evidence') }}
-- depends_on: {{ ref('psirp_local_priorities') }}
-- depends_on: {{ ref('audit_priorities') }}
-- depends_on: {{ ref('hotspots') }}
-- depends_on: {{ ref('coding_quality') }}

{{ config(meta={'dagster': {'ref': {'name': 'theme_counts'}}}) }}

select
    table_schema,
    table_name,
    column_name
from information_schema.columns
where table_catalog = current_database()
    and (
        table_schema in ('{{ ref("theme_counts").schema }}', '{{ ref("coding_disagreements").schema }}')
        and lower(column_name) in (
            'description',
            'action_taken',
            'comment_good',
            'comment_improve',
            'concerns',
            'reviewer_comments',
            'free_text',
            'record'
        )
        or table_schema = '{{ ref("theme_counts").schema }}'
        and lower(column_name) in (
            'record_key',
            'record_id',
            'incident_id',
            'complaint_id',
            'response_id',
            'inquest_id',
            'case_reference',
            'review_id'
        )
    )
