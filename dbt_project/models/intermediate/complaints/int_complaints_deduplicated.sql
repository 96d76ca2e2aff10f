with

complaints as (

    select * from {{ ref('stg_complaints__complaints') }}

),

latest_occurrences as (

    -- A complaint is exported again by every extract that covers it (open cases change);
    -- the occurrence read last wins: latest file name, then latest row.
    select *
    from complaints
    qualify row_number() over (
        partition by complaint_id
        order by _source_file desc, _source_row desc
    ) = 1

)

select * from latest_occurrences
