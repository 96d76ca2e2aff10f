with

source as (

    select * from {{ source('claims', 'claims') }}

),

renamed as (

    select
        -- ids
        claim_reference as claim_id,

        -- strings
        scheme,
        -- NHS Resolution's listing gives the scheme, not the type: the clinical schemes
        -- (CNST, ELS and the GP schemes) hold clinical claims, LTPS and PES the others.
        coalesce(
            claim_type,
            case
                when scheme in ('cnst', 'els', 'cnsgp', 'elsgp') then 'clinical'
                when scheme in ('ltps', 'pes') then 'non_clinical'
            end
        ) as claim_type,
        status as claim_status,
        site,
        directorate,
        specialty,
        location,
        cause_group,
        cause,
        injury,
        description,

        -- lists
        linked_incident_ids,
        linked_complaint_ids,
        linked_inquest_ids,

        -- numerics (GBP); a blank amount is nothing paid or reserved
        coalesce(damages_paid, 0) as damages_paid,
        coalesce(defence_costs, 0) as defence_costs,
        coalesce(claimant_costs, 0) as claimant_costs,
        coalesce(reserve, 0) as reserve,

        -- dates
        incident_date,
        notification_date,
        closed_date,

        -- lineage
        _source_file,
        _source_row,
        _mapping

    from source

)

select * from renamed
