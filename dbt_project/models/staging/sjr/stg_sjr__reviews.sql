with

source as (

    select * from {{ source('sjr', 'sjr_reviews') }}

),

renamed as (

    select
        -- ids
        review_id,

        -- strings
        site,
        directorate,
        specialty,
        location,
        problem_assessment,
        problem_medication,
        problem_treatment,
        problem_infection,
        problem_procedure,
        problem_monitoring,
        problem_resuscitation,
        problem_other,
        avoidability,
        reviewer_comments,

        -- numerics
        score_admission,
        score_ongoing_care,
        score_procedure,
        score_perioperative,
        score_end_of_life,
        score_overall,

        -- booleans
        has_learning_disability,
        is_second_stage_review,

        -- dates
        date_of_death as death_date,
        admission_date,
        review_date,

        -- lineage
        _source_file,
        _source_row,
        _mapping

    from source

)

select * from renamed
