with

complaints as (

    select * from {{ ref('int_complaints_deduplicated') }}

),

subjects_unnested as (

    select
        complaint_id,
        'subjects' as subject_field,
        unnest(subjects) as subject
    from complaints

    union all

    select
        complaint_id,
        'sub_subjects' as subject_field,
        unnest(sub_subjects) as subject
    from complaints

),

distinct_subjects as (

    -- An export can repeat a subject within one complaint; count it once.
    select distinct
        complaint_id,
        subject_field,
        subject
    from subjects_unnested
    where subject is not null

)

select * from distinct_subjects
