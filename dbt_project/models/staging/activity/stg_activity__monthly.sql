with

source as (

    select * from {{ source('activity', 'activity_monthly') }}

),

renamed as (

    select
        -- ids
        _source_file,
        _source_row,

        -- strings
        site,
        directorate,
        location as location_raw,

        -- numerics
        occupied_bed_days,
        admissions,
        attendances,

        -- dates: any date in the month counts for the month
        cast(date_trunc('month', month) as date) as activity_month

    from source

)

select * from renamed
