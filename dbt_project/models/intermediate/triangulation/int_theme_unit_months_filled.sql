-- One row per theme x organisational unit x source (and 'all') x month of the source's data
-- span (at most its last spc_max_months months) from the unit's first record, zero where no
-- record carries the theme: the series theme_spc charts.

with

quality_records as (

    select * from {{ ref('int_quality_records_unioned') }}

),

signal_windows as (

    -- One row per signal source: audits are coverage, not problems in care.
    select * from {{ ref('int_signal_windows') }}

),

signal_records as (

    -- Undated records have no month to count in.
    select quality_records.*
    from quality_records
    inner join signal_windows
        on quality_records.source = signal_windows.source
    where quality_records.record_month is not null

),

months_counted as (

    -- Themed records already counted per unit, source and month (each record once for the
    -- trust, once at its directorate when known, once at its location when resolved);
    -- counting them again from the spine held a large trust's every themed record x unit
    -- in memory. Claims are charted at their incident date only: not `claims_notified`.
    select * from {{ ref('int_theme_unit_months_counted') }}
    where source <> 'claims_notified'

),

counted as (

    select
        theme_id,
        unit_level,
        unit_id,
        unit_name,
        directorate,
        source,
        month,
        theme_records as record_count
    from months_counted

    union all

    -- 'all' is every signal source together: a record counts once per theme.
    select
        theme_id,
        unit_level,
        unit_id,
        min(unit_name) as unit_name,
        min(directorate) as directorate,
        'all' as source,
        month,
        cast(sum(theme_records) as bigint) as record_count
    from months_counted
    group by theme_id, unit_level, unit_id, month

),

unit_starts as (

    -- The first month anything was recorded at each unit, in any source: a ward that opened
    -- recently has no zero months before it (they made its pressure ulcers a "rare event").
    select unit_level, unit_id, min(month) as first_month
    from {{ ref('int_unit_months_counted') }}
    group by unit_level, unit_id

),

series as (

    -- A series exists once any record carries the theme at the unit in the source. A
    -- location's name and directorate come from the locations seed: min() picks the one value.
    select
        theme_id,
        unit_level,
        unit_id,
        source,
        min(unit_name) as unit_name,
        min(directorate) as directorate
    from counted
    group by theme_id, unit_level, unit_id, source

),

source_data_spans as (

    -- Each source's series run from the first to the last month the source has any record
    -- in (a source loaded later, or lagging, gets no zeros outside its data), and end with
    -- the last month complete on the as-of date: the month in progress would chart as a
    -- fall, below the lower limit of every busy series in its first days.
    select
        source,
        min(record_month) as first_month,
        least(max(record_month), {{ last_complete_month() }}) as last_month,
        count(*) >= date_diff('month', min(record_month), max(record_month)) + 1
            as has_monthly_volume
    from signal_records
    group by source

),

data_spans as (

    select source, first_month, last_month from source_data_spans

    union all

    -- 'all' starts once every source with at least a record a month on average has
    -- started: months before complaints or FFT began would count them as 0 and show a
    -- step (a special cause) made by a source starting. A sparser source (a few inquests
    -- a year) cannot make one, and its first record says little about when it began.
    select
        'all' as source,
        coalesce(max(first_month) filter (where has_monthly_volume), min(first_month))
            as first_month,
        max(last_month) as last_month
    from source_data_spans

),

source_spans as (

    -- ... and never more than spc_max_months back from their last month: the zero-filled
    -- grid (series x months) stays bounded whatever dates an export holds.
    select
        source,
        greatest(
            first_month,
            cast(last_month - to_months({{ var('spc_max_months') | int - 1 }}) as date)
        ) as first_month,
        last_month
    from data_spans

),

span_months as (

    select
        source,
        cast(
            unnest(generate_series(
                cast(first_month as timestamp), cast(last_month as timestamp), interval 1 month
            )) as date
        ) as month
    from source_spans

),

filled as (

    select
        series.theme_id,
        series.unit_level,
        series.unit_id,
        series.unit_name,
        series.directorate,
        series.source,
        span_months.month,
        coalesce(counted.record_count, 0) as record_count
    from series
    inner join span_months
        on series.source = span_months.source
    left join unit_starts
        on series.unit_level = unit_starts.unit_level
        and series.unit_id = unit_starts.unit_id
    left join counted
        on series.theme_id = counted.theme_id
        and series.unit_level = counted.unit_level
        and series.unit_id = counted.unit_id
        and series.source = counted.source
        and span_months.month = counted.month
    where span_months.month >= coalesce(unit_starts.first_month, span_months.month)

)

select * from filled
