{#- A table: the dispersion estimates and the tests both read it. -#}
{{ config(materialized='table') }}
{%- set reference_prior = var('signal_reference_prior_records') %}
{%- set trend_prior = var('signal_trend_prior_records') %}
{%- set outlier_z = var('signal_trend_outlier_z') %}
{%- set outlier_columns = ['parent_outlier_recent', 'parent_outlier_baseline',
                           'trust_outlier_recent', 'trust_outlier_baseline'] %}

-- One row per signal window x theme x unit (location or directorate) x signal source: the
-- counts a test compares and the expected counts it pools from the unit's own volume and
-- from the rest of its directorate and trust (doc block signal_expected_count).

with

theme_months as (

    select * from {{ ref('int_theme_unit_months_counted') }}

),

unit_months as (

    select * from {{ ref('int_unit_months_counted') }}

),

window_months as (

    select * from {{ ref('int_signal_window_months') }}

),

signal_sources as (

    -- One row per signal source.
    select source from {{ ref('int_signal_windows') }}

),

theme_window_counts as (

    -- Records of the theme in each part of each window, at every unit level (trust too).
    -- Sums are cast back to bigint: DuckDB widens them to int128.
    select
        window_months.window_id,
        theme_months.theme_id,
        theme_months.unit_level,
        theme_months.unit_id,
        theme_months.source,
        cast(sum(theme_months.theme_records) filter (where window_months.time_window = 'recent')
            as bigint) as recent_count,
        cast(sum(theme_months.theme_records) filter (where window_months.time_window = 'baseline')
            as bigint) as baseline_count
    from theme_months
    inner join window_months
        on theme_months.month = window_months.month
    group by
        window_months.window_id,
        theme_months.theme_id,
        theme_months.unit_level,
        theme_months.unit_id,
        theme_months.source

),

unit_window_counts as (

    -- All records of the source (any theme, or none) in each part of each window.
    select
        window_months.window_id,
        unit_months.unit_level,
        unit_months.unit_id,
        unit_months.source,
        cast(sum(unit_months.records) filter (where window_months.time_window = 'recent')
            as bigint) as recent_records,
        cast(sum(unit_months.records) filter (where window_months.time_window = 'baseline')
            as bigint) as baseline_records
    from unit_months
    inner join window_months
        on unit_months.month = window_months.month
    group by
        window_months.window_id,
        unit_months.unit_level,
        unit_months.unit_id,
        unit_months.source

),

units as (

    -- Each unit's active span (first to last month with a record from any signal source: a
    -- ward opening or closing) and its parent: a location's directorate, a directorate's
    -- trust.
    select
        unit_level,
        unit_id,
        min(unit_name) as unit_name,
        min(directorate) as directorate,
        min(month) as first_month,
        max(month) as last_month
    from unit_months
    group by unit_level, unit_id

),

unit_exposure as (

    -- The months of each part the unit was open (none where it was closed), and the rest of
    -- the trust's records of the source in them: how the unit's records are expected to
    -- split between recent and baseline (the source's growth, seasons and lags included).
    select
        window_months.window_id,
        units.unit_level,
        units.unit_id,
        signal_sources.source,
        count(*) filter (where window_months.time_window = 'recent') as recent_open_months,
        count(*) filter (where window_months.time_window = 'baseline') as baseline_open_months,
        coalesce(sum(coalesce(trust_months.records, 0) - coalesce(own_months.records, 0))
                 filter (where window_months.time_window = 'recent'), 0)
            as recent_source_volume,
        coalesce(sum(coalesce(trust_months.records, 0) - coalesce(own_months.records, 0))
                 filter (where window_months.time_window = 'baseline'), 0)
            as baseline_source_volume
    from units
    inner join window_months
        on window_months.month between units.first_month and units.last_month
    cross join signal_sources
    left join unit_months as trust_months
        on trust_months.unit_level = 'trust'
        and signal_sources.source = trust_months.source
        and window_months.month = trust_months.month
    left join unit_months as own_months
        on units.unit_level = own_months.unit_level
        and units.unit_id = own_months.unit_id
        and signal_sources.source = own_months.source
        and window_months.month = own_months.month
    where units.unit_level <> 'trust'
    group by window_months.window_id, units.unit_level, units.unit_id, signal_sources.source

),

unit_references as (

    -- The two references of each unit: its parent (a location's directorate, else the trust)
    -- and the trust.
    select unit_level, unit_id, 'parent' as reference,
        case when unit_level = 'location' and directorate is not null
            then 'directorate' else 'trust' end as reference_level,
        case when unit_level = 'location' and directorate is not null
            then directorate else 'trust' end as reference_id
    from units
    where unit_level <> 'trust'
    union all
    select unit_level, unit_id, 'trust', 'trust', 'trust'
    from units
    where unit_level <> 'trust'

),

reference_theme_splits as (

    -- Each theme's records in the rest of each reference (without the unit), in each part,
    -- and the share of them that falls in the recent part.
    select
        whole.window_id,
        unit_references.unit_level,
        unit_references.unit_id,
        unit_references.reference,
        whole.source,
        whole.theme_id,
        whole.recent_count - coalesce(own.recent_count, 0) as rest_recent,
        whole.baseline_count - coalesce(own.baseline_count, 0) as rest_baseline,
        (whole.recent_count - coalesce(own.recent_count, 0))
            / nullif(whole.recent_count - coalesce(own.recent_count, 0)
                     + whole.baseline_count - coalesce(own.baseline_count, 0), 0)
            as recent_share
    from unit_references
    inner join theme_window_counts as whole
        on unit_references.reference_level = whole.unit_level
        and unit_references.reference_id = whole.unit_id
    left join theme_window_counts as own
        on whole.window_id = own.window_id
        and whole.theme_id = own.theme_id
        and whole.source = own.source
        and unit_references.unit_level = own.unit_level
        and unit_references.unit_id = own.unit_id

),

reference_typical_shares as (

    -- The typical theme's recent share in each reference: the median over its themes,
    -- weighted by their records (one surging theme cannot move it, as it moves a total).
    select
        window_id, unit_level, unit_id, reference, source,
        min(recent_share) filter (where records_to_here >= records / 2) as typical_share
    from (
        select
            *,
            sum(rest_recent + rest_baseline) over reference_source as records,
            sum(rest_recent + rest_baseline) over (
                reference_source order by recent_share, theme_id
                rows between unbounded preceding and current row) as records_to_here
        from reference_theme_splits
        where recent_share is not null
        window reference_source as (
            partition by window_id, unit_level, unit_id, reference, source)
    )
    group by all

),

reference_outliers as (

    -- Themes whose split between the parts differs from the typical theme's by more than
    -- signal_trend_outlier_z ({{ outlier_z }}) binomial standard errors: a surge (or a
    -- collapse) of their own, not the reference's volume.
    select reference_theme_splits.*
    from reference_theme_splits
    inner join reference_typical_shares as typical
        on reference_theme_splits.window_id = typical.window_id
        and reference_theme_splits.unit_level = typical.unit_level
        and reference_theme_splits.unit_id = typical.unit_id
        and reference_theme_splits.reference = typical.reference
        and reference_theme_splits.source = typical.source
    where typical.typical_share > 0 and typical.typical_share < 1
        and abs(rest_recent - typical.typical_share * (rest_recent + rest_baseline))
            > {{ outlier_z }} * sqrt((rest_recent + rest_baseline) * typical.typical_share
                                     * (1 - typical.typical_share))

),

outlier_themes as (

    -- Each outlying theme's records in each part, in the unit's two references.
    select
        window_id, unit_level, unit_id, source, theme_id,
        sum(rest_recent) filter (where reference = 'parent') as parent_outlier_recent,
        sum(rest_baseline) filter (where reference = 'parent') as parent_outlier_baseline,
        sum(rest_recent) filter (where reference = 'trust') as trust_outlier_recent,
        sum(rest_baseline) filter (where reference = 'trust') as trust_outlier_baseline
    from reference_outliers
    group by window_id, unit_level, unit_id, source, theme_id

),

outlier_totals as (

    -- All of them together, per unit and source (the tested theme's own is taken off again:
    -- it is not among its other themes, outlying or not).
    select
        window_id, unit_level, unit_id, source,
        {%- for column in outlier_columns %}
        sum({{ column }}) as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from outlier_themes
    group by window_id, unit_level, unit_id, source

),

theme_units as (

    -- Every theme x unit with a themed record from any signal source in the window.
    select distinct
        theme_window_counts.window_id,
        theme_window_counts.theme_id,
        theme_window_counts.unit_level,
        theme_window_counts.unit_id
    from theme_window_counts
    where theme_window_counts.unit_level <> 'trust'

),

assembled as (

    -- Every signal source for each theme x unit, zero where silent. The parent of a location
    -- is its directorate (the trust when it has none); of a directorate, the trust.
    select
        theme_units.window_id,
        theme_units.theme_id,
        theme_units.unit_level,
        theme_units.unit_id,
        units.unit_name,
        units.directorate,
        signal_sources.source,
        coalesce(unit_theme.recent_count, 0) as recent_count,
        coalesce(unit_theme.baseline_count, 0) as baseline_count,
        coalesce(unit_volume.recent_records, 0) - coalesce(unit_theme.recent_count, 0)
            as recent_other_records,
        coalesce(unit_volume.baseline_records, 0) - coalesce(unit_theme.baseline_count, 0)
            as baseline_other_records,
        coalesce(unit_exposure.recent_open_months, 0) as recent_open_months,
        coalesce(unit_exposure.baseline_open_months, 0) as baseline_open_months,
        coalesce(unit_exposure.recent_source_volume, 0) as recent_source_volume,
        coalesce(unit_exposure.baseline_source_volume, 0) as baseline_source_volume,
        coalesce(parent_theme.recent_count, 0) as parent_recent_count,
        coalesce(parent_theme.baseline_count, 0) as parent_baseline_count,
        coalesce(parent_volume.recent_records, 0) as parent_recent_records,
        coalesce(parent_volume.baseline_records, 0) as parent_baseline_records,
        coalesce(trust_theme.recent_count, 0) as trust_recent_count,
        coalesce(trust_theme.baseline_count, 0) as trust_baseline_count,
        coalesce(trust_volume.recent_records, 0) as trust_recent_records,
        coalesce(trust_volume.baseline_records, 0) as trust_baseline_records,
        -- Other-theme records of the outlying themes.
        {%- for column in outlier_columns %}
        coalesce(outlier_totals.{{ column }}, 0) - coalesce(outlier_themes.{{ column }}, 0)
            as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from theme_units
    cross join signal_sources
    inner join units
        on theme_units.unit_level = units.unit_level
        and theme_units.unit_id = units.unit_id
    left join theme_window_counts as unit_theme
        on theme_units.window_id = unit_theme.window_id
        and theme_units.theme_id = unit_theme.theme_id
        and theme_units.unit_level = unit_theme.unit_level
        and theme_units.unit_id = unit_theme.unit_id
        and signal_sources.source = unit_theme.source
    left join unit_window_counts as unit_volume
        on theme_units.window_id = unit_volume.window_id
        and theme_units.unit_level = unit_volume.unit_level
        and theme_units.unit_id = unit_volume.unit_id
        and signal_sources.source = unit_volume.source
    left join unit_exposure
        on theme_units.window_id = unit_exposure.window_id
        and theme_units.unit_level = unit_exposure.unit_level
        and theme_units.unit_id = unit_exposure.unit_id
        and signal_sources.source = unit_exposure.source
    left join theme_window_counts as parent_theme
        on theme_units.window_id = parent_theme.window_id
        and theme_units.theme_id = parent_theme.theme_id
        and parent_theme.unit_level = case
            when theme_units.unit_level = 'location' and units.directorate is not null
                then 'directorate' else 'trust' end
        and parent_theme.unit_id = case
            when theme_units.unit_level = 'location' and units.directorate is not null
                then units.directorate else 'trust' end
        and signal_sources.source = parent_theme.source
    left join unit_window_counts as parent_volume
        on theme_units.window_id = parent_volume.window_id
        and parent_volume.unit_level = case
            when theme_units.unit_level = 'location' and units.directorate is not null
                then 'directorate' else 'trust' end
        and parent_volume.unit_id = case
            when theme_units.unit_level = 'location' and units.directorate is not null
                then units.directorate else 'trust' end
        and signal_sources.source = parent_volume.source
    left join theme_window_counts as trust_theme
        on theme_units.window_id = trust_theme.window_id
        and theme_units.theme_id = trust_theme.theme_id
        and trust_theme.unit_level = 'trust'
        and signal_sources.source = trust_theme.source
    left join unit_window_counts as trust_volume
        on theme_units.window_id = trust_volume.window_id
        and trust_volume.unit_level = 'trust'
        and signal_sources.source = trust_volume.source
    left join outlier_totals
        on theme_units.window_id = outlier_totals.window_id
        and theme_units.unit_level = outlier_totals.unit_level
        and theme_units.unit_id = outlier_totals.unit_id
        and signal_sources.source = outlier_totals.source
    left join outlier_themes
        on theme_units.window_id = outlier_themes.window_id
        and theme_units.unit_level = outlier_themes.unit_level
        and theme_units.unit_id = outlier_themes.unit_id
        and signal_sources.source = outlier_themes.source
        and theme_units.theme_id = outlier_themes.theme_id

),

recent_shares as (

    -- The share of the unit's records expected in the recent part: the rest of the trust's
    -- share in the months the unit was open, shrunk towards the share of those months by
    -- signal_trend_prior_records ({{ trend_prior }}) records (a sparse source's monthly
    -- counts say little about its trend).
    select
        *,
        case when recent_open_months > 0 then
            (recent_source_volume + {{ trend_prior }} * recent_open_months
                                    / (recent_open_months + baseline_open_months))
            / (recent_source_volume + baseline_source_volume + {{ trend_prior }})
            else 0 end as recent_share
    from assembled

),

exposures as (

    -- The unit's size in the source: its other-theme records over the whole window (half a
    -- record added, so a unit that never used the source still has a little), split
    -- between the parts by recent_share.
    select
        *,
        (recent_other_records + baseline_other_records + 0.5) * recent_share
            as recent_exposure,
        (recent_other_records + baseline_other_records + 0.5) * (1 - recent_share)
            as baseline_exposure,
        -- The rest of the trust (without this unit) and, for a location, the rest of its
        -- directorate: records of the theme and other-theme records in each part.
        trust_recent_count - recent_count as trust_rest_recent_count,
        trust_baseline_count - baseline_count as trust_rest_baseline_count,
        trust_recent_records - trust_recent_count - recent_other_records
            as trust_rest_recent_other,
        trust_baseline_records - trust_baseline_count - baseline_other_records
            as trust_rest_baseline_other,
        parent_recent_count - recent_count as parent_rest_recent_count,
        parent_baseline_count - baseline_count as parent_rest_baseline_count,
        parent_recent_records - parent_recent_count - recent_other_records
            as parent_rest_recent_other,
        parent_baseline_records - parent_baseline_count - baseline_other_records
            as parent_rest_baseline_other,
        -- The theme's records per other-theme record across the trust and the whole
        -- window, the unit's recent records left out (half a record added: a theme never
        -- seen still has a small rate).
        (trust_recent_count - recent_count + trust_baseline_count + 0.5)
            / (trust_recent_records - trust_recent_count - recent_other_records
               + trust_baseline_records - trust_baseline_count + 1.0)
            as trust_window_ratio
    from recent_shares

),

trust_reference as (

    -- The trust's level: its records of the theme per other-theme record over the window,
    -- the unit's recent records left out (its baseline belongs to what it is usually like:
    -- a theme found almost only in one unit, such as maternity, is then not expected to be
    -- nearly absent there), shrunk towards the whole window's rate by
    -- signal_reference_prior_records ({{ reference_prior }}) other-theme records. And the
    -- rest of the trust's trend (without the unit): how its rate in each part compares with
    -- its level, shrunk towards no change by signal_trend_prior_records ({{ trend_prior }})
    -- records of the theme shared out as its other-theme records fell.
    select
        *,
        (trust_rest_recent_count + trust_rest_baseline_count + baseline_count
         + {{ reference_prior }} * trust_window_ratio)
            / (trust_rest_recent_other + trust_rest_baseline_other + baseline_other_records
               + {{ reference_prior }})
            as trust_level,
        {{ steady_recent_share('trust_rest_recent_other', 'trust_rest_baseline_other',
                               'trust_outlier_recent', 'trust_outlier_baseline') }}
            as trust_rest_recent_share
    from exposures

),

trust_trend as (

    -- A rest with no other-theme records in one part says nothing about a trend: none.
    select
        *,
        case when trust_rest_recent_share > 0 and trust_rest_recent_share < 1 then
            (trust_rest_recent_count + {{ trend_prior }} * trust_rest_recent_share)
            / (trust_rest_recent_count + trust_rest_baseline_count + {{ trend_prior }})
            / trust_rest_recent_share
            else 1 end as trust_rest_recent_trend,
        case when trust_rest_recent_share > 0 and trust_rest_recent_share < 1 then
            (trust_rest_baseline_count + {{ trend_prior }} * (1 - trust_rest_recent_share))
            / (trust_rest_recent_count + trust_rest_baseline_count + {{ trend_prior }})
            / (1 - trust_rest_recent_share)
            else 1 end as trust_rest_baseline_trend,
        {{ steady_recent_share('parent_rest_recent_other', 'parent_rest_baseline_other',
                               'parent_outlier_recent', 'parent_outlier_baseline') }}
            as parent_rest_recent_share
    from trust_reference

),

reference as (

    -- A directorate is compared with the trust (its level) and the rest of the trust (its
    -- trend). A location is compared with its directorate: the level of the directorate
    -- without the location's recent records, shrunk towards the trust's; the trend of the
    -- rest of the directorate, shrunk towards the rest of the trust's.
    select
        *,
        case when unit_level = 'location' then parent_rest_recent_count
            else trust_rest_recent_count end as reference_recent_count,
        case when unit_level = 'location' then parent_rest_baseline_count
            else trust_rest_baseline_count end as reference_baseline_count,
        case when unit_level = 'location' then
            (parent_rest_recent_count + parent_rest_baseline_count + baseline_count
             + {{ reference_prior }} * trust_level)
            / (parent_rest_recent_other + parent_rest_baseline_other + baseline_other_records
               + {{ reference_prior }})
            else trust_level end as reference_level,
        -- Prior records of the theme in each part: the trend prior shared out by volume
        -- (times the rest of the trust's trend, for a location).
        case when unit_level = 'location'
            then {{ trend_prior }} * coalesce(parent_rest_recent_share * trust_rest_recent_trend, 0)
            else {{ trend_prior }} * trust_rest_recent_share end as recent_trend_prior,
        case when unit_level = 'location'
            then {{ trend_prior }}
                * coalesce((1 - parent_rest_recent_share) * trust_rest_baseline_trend, 0)
            else {{ trend_prior }} * (1 - trust_rest_recent_share) end as baseline_trend_prior,
        case when unit_level = 'location' then parent_rest_recent_share
            else trust_rest_recent_share end as reference_recent_share
    from trust_trend

),

trended as (

    select
        *,
        case when reference_recent_share > 0 and reference_recent_share < 1 then
            (reference_recent_count + recent_trend_prior)
            / (reference_recent_count + reference_baseline_count
               + recent_trend_prior + baseline_trend_prior)
            / reference_recent_share
            else 1 end as reference_recent_trend,
        case when reference_recent_share > 0 and reference_recent_share < 1 then
            (reference_baseline_count + baseline_trend_prior)
            / (reference_recent_count + reference_baseline_count
               + recent_trend_prior + baseline_trend_prior)
            / (1 - reference_recent_share)
            else 1 end as reference_baseline_trend
    from reference

)

select
    window_id,
    theme_id,
    unit_level,
    unit_id,
    unit_name,
    directorate,
    source,
    recent_count,
    baseline_count,
    recent_other_records,
    baseline_other_records,
    -- Rounded to 6 significant figures: reruns on the same data give the same tests.
    {{ significant('recent_exposure', 6) }} as recent_exposure,
    {{ significant('baseline_exposure', 6) }} as baseline_exposure,
    reference_recent_count,
    reference_baseline_count,
    {{ significant('reference_level', 6) }} as reference_level,
    {{ significant('reference_recent_trend', 6) }} as reference_recent_trend,
    {{ significant('reference_baseline_trend', 6) }} as reference_baseline_trend,
    -- What the unit would have recorded had it matched its reference: its exposure times the
    -- reference's level times its trend, in each part.
    coalesce({{ significant('recent_exposure * reference_level * reference_recent_trend', 6) }},
             0) as pooled_recent_expected,
    coalesce({{ significant('baseline_exposure * reference_level * reference_baseline_trend',
                            6) }}, 0) as pooled_baseline_expected,
    -- The trend's own chance variation (Poisson on the reference's records of the theme):
    -- the squared coefficient of variation of the recent-to-baseline change it implies.
    {{ significant('coalesce(reference_recent_count
                             / nullif(power(reference_recent_count + recent_trend_prior, 2), 0), 0)
        + coalesce(reference_baseline_count
                   / nullif(power(reference_baseline_count + baseline_trend_prior, 2), 0), 0)',
        6) }} as reference_variation,
    -- A source is tested only where the trust has its records in both parts of the window
    -- (a source loaded recently has nothing to compare with), the unit was open recently,
    -- and the source gives the theme somewhere in the trust: one that never does (FFT
    -- exported without its comments, a theme its codes never reach) cannot say whether the
    -- theme rose, and a test of nothing against nothing would count as a source tested.
    trust_recent_records > 0 and trust_baseline_records > 0 and recent_open_months > 0
        and trust_recent_count + trust_baseline_count > 0
        as is_tested
from trended
