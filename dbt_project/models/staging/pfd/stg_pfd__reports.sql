with

source as (

    select * from {{ source('pfd', 'pfd_reports') }}

),

renamed as (

    select
        -- ids
        report_id,
        _source_file,
        _source_row,

        -- strings
        coroner,
        coroner_area,
        receivers,
        category,
        url,
        investigation,
        circumstances,
        concerns,

        -- dates
        report_date

    from source

)

select * from renamed
