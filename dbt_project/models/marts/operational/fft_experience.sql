with

fft_responses as (

    select * from {{ ref('int_fft_responses_deduplicated') }}

),

quality_records as (

    select * from {{ ref('int_quality_records_unioned') }}

),

located_responses as (

    -- Place comes from the spine, so a response sits at the same resolved location (and
    -- its seed directorate) as in every other mart.
    select
        quality_records.record_month as month,
        fft_responses.setting,
        quality_records.site,
        quality_records.directorate,
        quality_records.location_id,
        quality_records.location_name,
        fft_responses.rating
    from fft_responses
    inner join quality_records
        on {{ record_key('fft', 'fft_responses.response_id') }} = quality_records.record_key

),

counted as (

    -- Unresolved locations count together (null location_id) under their exported
    -- directorate, so monthly totals are complete; `site` and `location_name` follow from
    -- the location (min() just picks the one value).
    select
        month,
        setting,
        directorate,
        location_id,
        min(location_name) as location_name,
        min(site) as site,
        count(*) as response_count,
        count(*) filter (where rating = 'very_good') as very_good_count,
        count(*) filter (where rating = 'good') as good_count,
        count(*) filter (where rating = 'neither') as neither_count,
        count(*) filter (where rating = 'poor') as poor_count,
        count(*) filter (where rating = 'very_poor') as very_poor_count,
        count(*) filter (where rating = 'dont_know') as dont_know_count
    from located_responses
    group by month, setting, directorate, location_id

),

scored as (

    -- NHS England's definitions: "don't know" stays in the denominator. Rounded to 2
    -- decimals for reading; the counts are there to recompute exactly.
    select
        *,
        round(100.0 * (very_good_count + good_count) / response_count, 2) as pct_positive,
        round(100.0 * (poor_count + very_poor_count) / response_count, 2) as pct_negative
    from counted

),

final as (

    select
        month,
        setting,
        location_id,
        location_name,
        site,
        directorate,
        response_count,
        very_good_count,
        good_count,
        neither_count,
        poor_count,
        very_poor_count,
        dont_know_count,
        pct_positive,
        pct_negative
    from scored

)

select * from final
