-- Locations by quarter: how many themes signal there, and in how many sources, by the same
-- statistical signal as theme_signals applied to each calendar quarter (its three months
-- against the baseline_months before it; int_signal_window_months).

with

theme_counts as (

    select * from {{ ref('theme_counts') }}

),

compared as (

    select * from {{ ref('int_theme_windows_compared') }}

),

window_months as (

    select distinct window_id, recent_start_month as quarter_start
    from {{ ref('int_signal_window_months') }}
    where window_kind = 'quarter'

),

quarterly as (

    select
        location_id,
        min(location_name) as location_name,
        min(directorate) as directorate,
        cast(date_trunc('quarter', month) as date) as quarter_start,
        cast(sum(record_count) as bigint) as records,
        count(distinct theme_id) as themes_with_records
    from theme_counts
    where location_id is not null
        and source in (
            {%- for source_name in signal_sources() %}
            '{{ source_name }}'{{ ',' if not loop.last }}
            {%- endfor %}
        )
    group by location_id, date_trunc('quarter', month)

),

quarter_signals as (

    select
        window_months.quarter_start,
        compared.unit_id as location_id,
        count(distinct compared.theme_id) filter (where compared.is_signalling)
            as themes_signalling,
        -- The two claims tests read the same claims: one source (doc block claims_lag).
        count(distinct case compared.source when 'claims_notified' then 'claims'
                       else compared.source end) filter (where compared.is_signalling)
            as sources_signalling,
        string_agg(distinct compared.theme_id, ', ' order by compared.theme_id)
            filter (where compared.is_signalling) as signalling_themes
    from compared
    inner join window_months
        on compared.window_id = window_months.window_id
    where compared.unit_level = 'location'
    group by window_months.quarter_start, compared.unit_id

)

-- A quarter whose baseline reaches back before the data began has no test: its signal
-- columns are null, not 0.
select
    quarterly.location_id,
    quarterly.location_name,
    quarterly.directorate,
    quarterly.quarter_start,
    quarterly.records,
    quarterly.themes_with_records,
    case when window_months.window_id is not null
        then coalesce(quarter_signals.themes_signalling, 0) end as themes_signalling,
    case when window_months.window_id is not null
        then coalesce(quarter_signals.sources_signalling, 0) end as sources_signalling,
    quarter_signals.signalling_themes
from quarterly
left join window_months
    on quarterly.quarter_start = window_months.quarter_start
left join quarter_signals
    on quarterly.quarter_start = quarter_signals.quarter_start
    and quarterly.location_id = quarter_signals.location_id
