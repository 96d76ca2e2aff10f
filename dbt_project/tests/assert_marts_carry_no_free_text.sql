-- Marts leave the patient safety team: no free-text column and no record-level id may
-- reach them (the data-quality marts carry file and row numbers only). Checks the column
-- names of every table in the marts schema against the free-text fields of the canonical
-- sources and the record ids. One exception, by design: pfd_tracker lists each PFD report
-- by its inquest register reference, because a response deadline is tracked case by case
-- (it carries nothing else about the case).
-- depends_on: {{ ref('theme_counts') }}
-- depends_on: {{ ref('theme_signals') }}
-- depends_on: {{ ref('unresolved_locations') }}
-- depends_on: {{ ref('unmapped_codes') }}
-- depends_on: {{ ref('rejected_rows') }}
-- depends_on: {{ ref('load_summary') }}
-- depends_on: {{ ref('fft_experience') }}
-- depends_on: {{ ref('complaints_performance') }}
-- depends_on: {{ ref('learning_from_deaths') }}
-- depends_on: {{ ref('pfd_tracker') }}
-- depends_on: {{ ref('audit_programme') }}

{{ config(meta={'dagster': {'ref': {'name': 'theme_counts'}}}) }}

select
    table_name,
    column_name
from information_schema.columns
where table_catalog = current_database()
    and table_schema = '{{ ref("theme_counts").schema }}'
    and lower(column_name) in (
        -- free text
        'description',
        'action_taken',
        'comment_good',
        'comment_improve',
        'concerns',
        'reviewer_comments',
        'free_text',
        'record',
        -- record-level ids
        'record_key',
        'record_id',
        'incident_id',
        'complaint_id',
        'response_id',
        'inquest_id',
        'case_reference',
        'review_id'
    )
    and not (table_name = 'pfd_tracker' and lower(column_name) = 'inquest_id')
