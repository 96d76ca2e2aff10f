-- The narratives the narrative classifier learns from and themes: incidents, complaints,
-- SJRs and claims with free text. A record with a specific code (one theme_code_map maps to a theme) is
-- a labelled example of its themes' narrative; the others (missing, generic or unmapped
-- codes) are what the classifier themes.
with

quality_records as (

    select * from {{ ref('int_quality_records_unioned') }}

),

code_themes as (

    select * from {{ ref('int_record_code_themes') }}

),

specific_code_themes as (

    select
        record_key,
        list(distinct theme_id order by theme_id) as coded_theme_ids
    from code_themes
    where method = 'code_map'
    group by record_key

),

narratives as (

    select
        quality_records.record_key,
        quality_records.source,
        quality_records.record_id,
        quality_records.record_date,
        quality_records.free_text as narrative,
        coalesce(specific_code_themes.coded_theme_ids, []) as coded_theme_ids,
        specific_code_themes.record_key is not null as is_specifically_coded,
        -- The classifier learns from coded records dated before the Monday of the as-of week,
        -- `narrative_training_lag_days` back: the week's nights then learn from the same
        -- records (and reuse one classifier: pipelines.textcoding.narrative_memo), and records
        -- still being reported late or recoded are left until they settle.
        -- (An undated record is not learnt from.)
        coalesce(
            specific_code_themes.record_key is not null
                and quality_records.record_date
                    < cast(date_trunc('week', {{ as_of_date() }}) as date)
                    - {{ var('narrative_training_lag_days') }},
            false
        ) as is_training_example
    from quality_records
    left join specific_code_themes
        on quality_records.record_key = specific_code_themes.record_key
    where quality_records.source in ('incidents', 'complaints', 'sjr', 'claims')
        and quality_records.free_text is not null

)

select * from narratives
