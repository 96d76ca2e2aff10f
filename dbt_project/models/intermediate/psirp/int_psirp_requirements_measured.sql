-- Whether each national requirement can be measured in each quarter: every input field of
-- one of its alternatives carried by the export files of nearly all that quarter's records
-- (national_requirement_min_carried_pct) and filled in at least one. Otherwise the quarter's
-- count would read as "no events" where the truth is "not recorded".
{%- set min_carried = var('national_requirement_min_carried_pct') %}

with

incidents as (

    select * from {{ ref('int_incidents_deduplicated') }}

),

sjr_reviews as (

    select * from {{ ref('int_sjr_reviews_deduplicated') }}

),

loaded_fields as (

    select * from {{ ref('stg_loader__loaded_fields') }}

),

source_inventory as (

    select * from {{ ref('stg_loader__source_inventory') }}

),

inputs as (

    select * from {{ ref('int_psirp_requirement_inputs') }}

),

requirements as (

    select * from {{ ref('int_psirp_requirements') }}

),

incident_inputs as (

    select
        'incidents' as source,
        _source_file,
        cast(date_trunc('quarter', occurred_date) as date) as quarter_start,
        cast(is_never_event as varchar) as is_never_event,
        cast(is_mental_health_act as varchar) as is_mental_health_act,
        cast(is_mental_capacity_act as varchar) as is_mental_capacity_act,
        physical_harm,
        cast(meets_mnsi_criteria as varchar) as meets_mnsi_criteria,
        patient_age_band,
        cast(has_learning_disability as varchar) as has_learning_disability,
        cast(is_safeguarding as varchar) as is_safeguarding
    from incidents
    where occurred_date is not null

),

sjr_inputs as (

    select
        'sjr' as source,
        _source_file,
        cast(date_trunc('quarter', death_date) as date) as quarter_start,
        avoidability,
        cast(has_learning_disability as varchar) as has_learning_disability
    from sjr_reviews
    where death_date is not null

),

field_values as (

    -- One row per record x input field, the value as text (null = blank).
    select *
    from incident_inputs
    unpivot include nulls (
        field_value for field in (
            is_never_event, is_mental_health_act, is_mental_capacity_act, physical_harm,
            meets_mnsi_criteria, patient_age_band, has_learning_disability, is_safeguarding
        )
    )

    union all

    select *
    from sjr_inputs
    unpivot include nulls (field_value for field in (avoidability, has_learning_disability))

),

quarters as (

    -- Every quarter either source has records in, so a quarter without events still has a
    -- row (and a verdict).
    select distinct quarter_start from field_values

),

field_quarters as (

    select
        field_values.source,
        field_values.field,
        field_values.quarter_start,
        count(*) as records,
        count(*) filter (where loaded_fields.is_carried) as records_carried,
        count(*) filter (
            where loaded_fields.is_carried and field_values.field_value is not null
        ) as records_filled
    from field_values
    left join loaded_fields
        on field_values.source = loaded_fields.source
        and field_values._source_file = loaded_fields.file
        and field_values.field = loaded_fields.field
    group by all

),

input_verdicts as (

    -- Each input field of each requirement, in each quarter.
    select
        inputs.requirement,
        inputs.alternative,
        inputs.source,
        inputs.field,
        quarters.quarter_start,
        coalesce(field_quarters.records, 0) as records,
        coalesce(field_quarters.records_carried, 0) as records_carried,
        coalesce(field_quarters.records_filled, 0) as records_filled,
        case
            -- A source the trust does not send has no records in any quarter: said as such,
            -- never as a quarter that happened to have none.
            when source_inventory.state = 'not_sent'
                then inputs.source || ' not sent by this trust (its profile does not expect it)'
            when coalesce(field_quarters.records, 0) = 0
                and source_inventory.newest_record_date < quarters.quarter_start
                then inputs.source || ' records end ' || strftime(
                    source_inventory.newest_record_date, '%Y-%m-%d'
                ) || ', before the quarter'
            when coalesce(field_quarters.records, 0) = 0
                -- Said as the quarter's: "no sjr records" read as none loaded at all.
                then 'no ' || inputs.source || ' records dated in the quarter'
            when field_quarters.records_carried = 0
                then inputs.source || '.' || inputs.field || ' is not in the export'
            when field_quarters.records_filled = 0
                then inputs.source || '.' || inputs.field || ' is blank in every record'
            when 100.0 * field_quarters.records_carried / field_quarters.records < {{ min_carried }}
                then inputs.source || '.' || inputs.field || ' is in the export for only '
                    || round(100.0 * field_quarters.records_carried / field_quarters.records)
                    || '% of records'
        end as gap,
        coalesce(field_quarters.records_carried, 0) > 0
            and coalesce(field_quarters.records_filled, 0) > 0 as is_partly_usable
    from inputs
    cross join quarters
    left join field_quarters
        on inputs.source = field_quarters.source
        and inputs.field = field_quarters.field
        and quarters.quarter_start = field_quarters.quarter_start
    left join source_inventory
        on inputs.source = source_inventory.source

),

alternative_verdicts as (

    select
        requirement,
        alternative,
        quarter_start,
        bool_and(gap is null) as is_measurable,
        bool_and(is_partly_usable) as is_partly_measurable,
        string_agg(gap, '; ' order by source, field) as gaps
    from input_verdicts
    group by requirement, alternative, quarter_start

),

final as (

    select
        requirements.requirement,
        alternative_verdicts.quarter_start,
        case
            when bool_or(alternative_verdicts.is_measurable) then 'measurable'
            when bool_or(alternative_verdicts.is_partly_measurable) then 'partly_measurable'
            else 'not_measurable'
        end as measurability,
        -- What stops it being measured, when something does (every alternative's gaps).
        case when not bool_or(alternative_verdicts.is_measurable) then
            string_agg(alternative_verdicts.gaps, '; or ' order by alternative_verdicts.alternative)
        end as measurability_gaps
    from requirements
    inner join alternative_verdicts
        on requirements.requirement = alternative_verdicts.requirement
    group by requirements.requirement, alternative_verdicts.quarter_start

)

select * from final
