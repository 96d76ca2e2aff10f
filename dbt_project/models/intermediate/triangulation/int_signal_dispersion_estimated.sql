{%- set bounds = var('signal_unit_variation_bounds') %}
{%- set prior = var('signal_unit_variation_prior') %}

-- One row per signal window x theme x signal source x unit level (location, directorate):
-- how much more than chance counts vary, estimated from the data (doc block
-- signal_dispersion).
-- `unit_variation`: how far units' own rates of the theme differ from what their reference
-- predicts (the squared coefficient of variation of a gamma unit effect): the theme's own
-- estimate where its counts carry the information, the source's over all themes where they
-- do not (and a prior where the source's do not either).
-- `window_variation`: how much a recent part's count wobbles beyond chance from one window to
-- the next (the same, for a time effect), from the monthly counts of the current window's
-- baseline.

with

counted as (

    select * from {{ ref('int_theme_windows_counted') }}

),

theme_months as (

    select * from {{ ref('int_theme_unit_months_counted') }}

),

unit_months as (

    select * from {{ ref('int_unit_months_counted') }}

),

window_months as (

    select * from {{ ref('int_signal_window_months') }}

),

moments as (

    -- Method of moments (Clayton and Kaldor): the baseline counts' spread around their pooled
    -- expectation beyond Poisson chance, relative to the expectation squared.
    select
        window_id,
        theme_id,
        source,
        unit_level,
        sum(power(baseline_count - pooled_baseline_expected, 2) - baseline_count)
            as excess_spread,
        sum(power(pooled_baseline_expected, 2)) as expected_squared
    from counted
    where is_tested
        and pooled_baseline_expected > 0
    group by window_id, theme_id, source, unit_level

),

source_variation as (

    -- The source's estimate over all themes, leaning on signal_unit_variation_prior
    -- ({{ prior.variation }}, with the weight of {{ prior.weight }} units each expected to
    -- record one) where the source is too sparse to tell.
    select
        window_id,
        source,
        unit_level,
        least(greatest(
            (sum(excess_spread) + {{ prior.variation }} * {{ prior.weight }})
            / (sum(expected_squared) + {{ prior.weight }}),
            {{ bounds[0] }}), {{ bounds[1] }}) as source_unit_variation
    from moments
    group by window_id, source, unit_level

),

units as (

    select unit_level, unit_id, min(month) as first_month, max(month) as last_month
    from unit_months
    where unit_level <> 'trust'
    group by unit_level, unit_id

),

baseline_series as (

    -- Each theme x unit x source series with baseline records in the current window: its
    -- count in every baseline month the unit was open, and the trust's records of the source
    -- that month (how a steady series would spread over the months: seasons and growth).
    select
        series.theme_id,
        series.unit_level,
        series.unit_id,
        series.source,
        window_months.month,
        coalesce(theme_months.theme_records, 0) as theme_records,
        coalesce(trust_months.records, 0) as trust_records
    from (
        select distinct theme_id, unit_level, unit_id, source
        from counted
        where window_id = 'current' and baseline_count > 0
    ) as series
    inner join units
        on series.unit_level = units.unit_level
        and series.unit_id = units.unit_id
    inner join window_months
        on window_months.window_id = 'current'
        and window_months.time_window = 'baseline'
        and window_months.month between units.first_month and units.last_month
    left join unit_months as trust_months
        on trust_months.unit_level = 'trust'
        and series.source = trust_months.source
        and window_months.month = trust_months.month
    left join theme_months
        on series.theme_id = theme_months.theme_id
        and series.unit_level = theme_months.unit_level
        and series.unit_id = theme_months.unit_id
        and series.source = theme_months.source
        and window_months.month = theme_months.month

),

series_expected as (

    select
        *,
        trust_records / nullif(sum(trust_records) over series, 0) as month_share,
        sum(theme_records) over series * trust_records
            / nullif(sum(trust_records) over series, 0) as expected_records
    from baseline_series
    window series as (partition by theme_id, unit_level, unit_id, source)

),

month_variation as (

    -- The same moments month by month; the expected count of a month is estimated from
    -- the series itself, so chance accounts for (1 - the month's share) of its spread.
    select
        source,
        unit_level,
        greatest(0, coalesce(
            sum(power(theme_records - expected_records, 2) - theme_records * (1 - month_share))
            / nullif(sum(power(expected_records, 2)), 0), 0)) as month_variation
    from series_expected
    where expected_records is not null
    group by source, unit_level

),

windows as (

    select distinct window_id, recent_months from window_months

)

select
    moments.window_id,
    moments.theme_id,
    moments.source,
    moments.unit_level,
    -- Rounded to 6 significant figures: reruns on the same data give the same tests.
    {{ significant('source_variation.source_unit_variation', 6) }} as source_unit_variation,
    -- A theme's own estimate, leaning on the source's with the same weight.
    {{ significant('least(greatest(
            (moments.excess_spread
             + source_variation.source_unit_variation * ' ~ prior.weight ~ ')
            / (moments.expected_squared + ' ~ prior.weight ~ '),
            ' ~ bounds[0] ~ '), ' ~ bounds[1] ~ ')', 6) }} as unit_variation,
    {{ significant('coalesce(month_variation.month_variation, 0)', 6) }} as month_variation,
    -- Independent monthly wobbles average out over the recent part's months.
    {{ significant('coalesce(month_variation.month_variation, 0) / windows.recent_months', 6) }}
        as window_variation
from moments
inner join source_variation
    on moments.window_id = source_variation.window_id
    and moments.source = source_variation.source
    and moments.unit_level = source_variation.unit_level
inner join windows
    on moments.window_id = windows.window_id
left join month_variation
    on moments.source = month_variation.source
    and moments.unit_level = month_variation.unit_level
