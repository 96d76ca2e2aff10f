with

source as (

    select * from {{ source('inquests', 'inquests') }}

),

renamed as (

    select
        -- ids
        case_reference as inquest_id,

        -- strings
        coroner_area,
        site,
        directorate,
        specialty,
        location,
        conclusion,
        concerns,

        -- lists
        linked_incident_ids,
        linked_sjr_ids,

        -- booleans
        is_neglect_rider,
        is_article_2,
        is_pfd_issued,

        -- dates
        date_of_death as death_date,
        hearing_date,
        pfd_date,
        -- Regulation 28: the recipient of a PFD report must respond within 56 days of it.
        pfd_date + 56 as pfd_response_due_date,
        response_sent_date as pfd_response_sent_date,

        -- lineage
        _source_file,
        _source_row,
        _mapping

    from source

)

select * from renamed
