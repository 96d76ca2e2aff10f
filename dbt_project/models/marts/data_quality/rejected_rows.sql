with

rejected_rows as (

    select * from {{ ref('stg_loader__rejected_rows') }}

),

final as (

    -- Where each rejected row sits and why, never the row itself (raw.rejected_rows.record
    -- can carry identifiable free text).
    select
        source,
        entity,
        file,
        row_number,
        column_name,
        reason,
        mapping
    from rejected_rows

)

select * from final
