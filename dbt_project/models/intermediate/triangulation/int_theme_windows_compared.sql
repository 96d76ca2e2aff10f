{#- A table: the combined evidence, hotspots and the marts read it. -#}
{{ config(materialized='table') }}

-- One row per signal window x theme x unit x signal source: the recent count against its
-- expected count, the chance of a count at least that high (mid-p, negative binomial), the
-- false-discovery-rate q-value across every test of the window and whether the source
-- signals: q-value at most signal_fdr, with at least signal_min_records recent records (doc
-- blocks signal_expected_count, signal_dispersion, signal_test, signal_minimum).

with

counted as (

    select * from {{ ref('int_theme_windows_counted') }}

),

dispersion as (

    select * from {{ ref('int_signal_dispersion_estimated') }}

),

signal_windows as (

    select * from {{ ref('int_signal_windows') }}

),

window_months as (

    select distinct window_id, recent_months, baseline_start_month, baseline_end_month
    from {{ ref('int_signal_window_months') }}

),

predicted as (

    -- The unit's own baseline pulls its expectation away from the pooled one as its counts
    -- grow: a gamma prior with mean 1 and shape 1 / unit_variation on the unit's rate
    -- relative to its reference, updated by the baseline (Poisson-gamma). The recent count
    -- then follows a negative binomial whose spread multiplies that uncertainty with the
    -- window-to-window wobble and the reference's own chance variation.
    select
        counted.*,
        dispersion.unit_variation,
        dispersion.window_variation,
        counted.pooled_recent_expected
            * (1 / dispersion.unit_variation + counted.baseline_count)
            / (1 / dispersion.unit_variation + counted.pooled_baseline_expected)
            as expected_count,
        least(
            1e6,
            1 / ((1 + 1 / (1 / dispersion.unit_variation + counted.baseline_count))
                 * (1 + dispersion.window_variation)
                 * (1 + counted.reference_variation) - 1)
        ) as nb_size
    from counted
    inner join dispersion
        on counted.window_id = dispersion.window_id
        and counted.theme_id = dispersion.theme_id
        and counted.source = dispersion.source
        and counted.unit_level = dispersion.unit_level
    where counted.is_tested
        and counted.pooled_recent_expected > 0

),

parameterised as (

    -- Negative binomial with mean expected_count and size nb_size:
    -- P(k) = Gamma(k + size) / (Gamma(size) k!) q^size (1 - q)^k, q = size / (size + mean).
    select
        *,
        ln(nb_size) - ln(nb_size + expected_count) as log_q,
        ln(expected_count) - ln(nb_size + expected_count) as log_one_minus_q,
        sqrt(expected_count + power(expected_count, 2) / nb_size) as expected_sd
    from predicted

),

tail_sides as (

    -- A count near or below its expectation: the lower tail, summed from 0; far above it:
    -- the upper tail, summed from the count up until further terms are negligible (the
    -- terms fall at least geometrically from there).
    select
        *,
        recent_count <= expected_count + 2 * expected_sd as uses_lower_tail,
        -- Terms until the next one's ratio to the last, raised to their number, is below
        -- e^-25.
        cast(case
            when (recent_count + 1 + nb_size) / (recent_count + 2.0) * exp(log_one_minus_q) < 1
                then least(20000, ceil(-25 / ln(
                    (recent_count + 1 + nb_size) / (recent_count + 2.0) * exp(log_one_minus_q)
                )) + 2)
            else 20000
        end as bigint) as upper_terms
    from parameterised

),

terms as (

    select
        window_id,
        theme_id,
        unit_level,
        unit_id,
        source,
        uses_lower_tail,
        unnest(case
            when uses_lower_tail then generate_series(0, recent_count - 1)
            else generate_series(recent_count + 1, recent_count + upper_terms)
        end) as k,
        nb_size,
        log_q,
        log_one_minus_q
    from tail_sides
    where recent_count > 0 or not uses_lower_tail

),

tail_sums as (

    select
        window_id,
        theme_id,
        unit_level,
        unit_id,
        source,
        sum(exp(lgamma(k + nb_size) - lgamma(nb_size) - lgamma(k + 1)
                + nb_size * log_q + k * log_one_minus_q)) as tail_probability
    from terms
    group by window_id, theme_id, unit_level, unit_id, source

),

tested as (

    -- mid-p = P(count > observed) + P(count = observed) / 2.
    select
        tail_sides.*,
        exp(lgamma(recent_count + nb_size) - lgamma(nb_size) - lgamma(recent_count + 1)
            + nb_size * log_q + recent_count * log_one_minus_q) as point_probability,
        coalesce(tail_sums.tail_probability, 0) as tail_probability
    from tail_sides
    left join tail_sums
        using (window_id, theme_id, unit_level, unit_id, source)

),

p_values as (

    select
        *,
        least(1.0, greatest(0.0, case
            when uses_lower_tail then 1 - tail_probability - point_probability / 2
            else tail_probability + point_probability / 2
        end)) as p_value
    from tested

),

ranked as (

    select
        *,
        row_number() over (partition by window_id order by p_value, theme_id, unit_level,
                           unit_id, source) as p_rank,
        count(*) over (partition by window_id) as n_tests
    from p_values

),

q_values as (

    -- Benjamini-Hochberg across every test of the window: q = min over the tests at least
    -- as extreme of (tests x p / rank).
    select
        window_id,
        theme_id,
        unit_level,
        unit_id,
        source,
        expected_count,
        nb_size,
        p_value,
        least(1.0, min(n_tests * p_value / p_rank) over (
            partition by window_id order by p_rank desc
            rows between unbounded preceding and current row
        )) as q_value
    from ranked

),

baseline_coverage as (

    -- Months of each window's baseline on or after the source's first month of data: the
    -- divisor of the descriptive baseline monthly mean.
    select
        window_months.window_id,
        signal_windows.source,
        greatest(0, date_diff(
            'month',
            greatest(window_months.baseline_start_month, min(source_months.month)),
            window_months.baseline_end_month
        ) + 1) as baseline_months_observed
    from window_months
    cross join signal_windows
    left join {{ ref('int_unit_months_counted') }} as source_months
        on source_months.unit_level = 'trust'
        and source_months.source = signal_windows.source
    group by window_months.window_id, signal_windows.source,
        window_months.baseline_start_month, window_months.baseline_end_month

)

select
    counted.window_id,
    counted.theme_id,
    counted.unit_level,
    counted.unit_id,
    counted.unit_name,
    counted.directorate,
    counted.source,
    counted.recent_count,
    counted.baseline_count,
    window_months.recent_months,
    baseline_coverage.baseline_months_observed,
    counted.baseline_count / nullif(baseline_coverage.baseline_months_observed, 0)
        as baseline_monthly_mean,
    (counted.recent_count / window_months.recent_months)
        / nullif(counted.baseline_count / nullif(baseline_coverage.baseline_months_observed, 0), 0)
        as rate_ratio,
    counted.pooled_recent_expected,
    -- Rounded for reading, and so that reruns on the same data give identical marts.
    round(q_values.expected_count, 4) as expected_count,
    {{ significant('q_values.nb_size', 6) }} as nb_size,
    {{ significant('q_values.p_value') }} as p_value,
    {{ significant('q_values.q_value') }} as q_value,
    counted.recent_count >= {{ signal_min_records('counted.source') }} as meets_minimum,
    coalesce(q_values.q_value <= {{ var('signal_fdr') }}, false)
        and counted.recent_count >= {{ signal_min_records('counted.source') }} as is_signalling
from counted
inner join window_months
    on counted.window_id = window_months.window_id
left join baseline_coverage
    on counted.window_id = baseline_coverage.window_id
    and counted.source = baseline_coverage.source
left join q_values
    on counted.window_id = q_values.window_id
    and counted.theme_id = q_values.theme_id
    and counted.unit_level = q_values.unit_level
    and counted.unit_id = q_values.unit_id
    and counted.source = q_values.source
