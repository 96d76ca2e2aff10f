-- Which canonical fields each source's exports actually carry and fill: a field the mapping
-- does not map reads as "not recorded", never as zero events (national requirements use it).
with

loaded_fields as (

    select * from {{ ref('stg_loader__loaded_fields') }}

),

final as (

    select
        source,
        entity,
        field,
        bool_or(is_carried) as is_mapped,
        count(*) as files,
        count(*) filter (where is_carried) as files_carrying,
        string_agg(distinct column_name, '; ' order by column_name) as export_columns,
        cast(sum(rows_loaded) as bigint) as rows_loaded,
        cast(sum(rows_filled) as bigint) as rows_filled,
        round(100.0 * sum(rows_filled) / nullif(sum(rows_loaded), 0), 1) as pct_filled,
        min(first_month_filled) as first_month_filled,
        max(last_month_filled) as last_month_filled
    from loaded_fields
    group by source, entity, field

)

select * from final
