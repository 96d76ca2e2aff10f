-- Themes x directorates where triangulated concern is high and clinical audit coverage is
-- weak: what the audit programme should take on next, and why.
with

triangulation as (

    select * from {{ ref('triangulation') }}

),

coverage as (

    select * from {{ ref('int_theme_audit_coverage') }}

),

theme_code_map as (

    select * from {{ ref('theme_code_map') }}

),

themes as (

    select * from {{ ref('themes') }}

),

claims_evidence as (

    select * from {{ ref('int_theme_claims_evidence') }}

),

audit_register as (

    -- Whether the trust sends its clinical audit register: without one, what the programme
    -- covers is not known, and no theme is said to lack an audit.
    select {{ source_is_sent('audit') }} as is_sent

),

concern as (

    -- A directorate's concern is the strongest of its own row and its wards' rows: two or
    -- more sources rising together (theme_signals) somewhere in it.
    select
        theme_id,
        directorate,
        max(n_sources_signalling) as n_sources_signalling,
        min(several_sources_p_value) as several_sources_p_value,
        max(weighted_score) as weighted_score,
        string_agg(distinct sources_signalling, '; ' order by sources_signalling)
            filter (where n_sources_signalling >= 2) as sources_signalling
    from triangulation
    where directorate is not null
    group by theme_id, directorate
    having max(n_sources_signalling) >= 2

),

audit_topics as (

    -- What a new audit of the theme would measure: the audit topics and guidance the
    -- theme_code_map links to it.
    select
        theme_id,
        string_agg(distinct native_code, '; ' order by native_code)
            filter (where code_field = 'topic') as audit_topics,
        string_agg(distinct native_code, '; ' order by native_code)
            filter (where code_field = 'guidance_reference') as guidance
    from theme_code_map
    where source = 'audit' and theme_id is not null
    group by theme_id

),

assessed as (

    select
        concern.*,
        themes.theme_name,
        coverage.last_audit_id,
        coverage.last_audit_title,
        coverage.last_audit_date,
        coverage.last_audit_status,
        coverage.last_rag_rating,
        coverage.last_compliance_pct,
        coalesce(coverage.actions_overdue_count, 0) as actions_overdue_count,
        coalesce(coverage.is_reaudit_overdue, false) as is_reaudit_overdue,
        coalesce(coverage.is_recently_audited, false) as is_recently_audited,
        audit_topics.audit_topics,
        audit_topics.guidance,
        -- The cost of the theme's harm in the directorate: evidence, never the ranking;
        -- not known (null) where the trust sends no claims register.
        case when {{ source_is_sent('claims') }}
            then coalesce(claims_evidence.claims_count, 0) end as directorate_theme_claims,
        case when {{ source_is_sent('claims') }}
            then coalesce(claims_evidence.claims_total_value, 0) end
            as directorate_theme_claims_value,
        case when not audit_register.is_sent
            then 'audit coverage not known (the trust sends no clinical audit register)'
        else concat_ws('; ',
            case when not coalesce(coverage.is_recently_audited, false)
                then 'no audit within {{ var("audit_coverage_months") }} months' end,
            case when coverage.last_rag_rating in ('amber', 'red')
                then 'last audit below target (' || coverage.last_rag_rating || ')' end,
            case when coverage.actions_overdue_count > 0
                then coverage.actions_overdue_count || ' audit actions overdue' end,
            case when coverage.is_reaudit_overdue then 're-audit overdue' end
        ) end as coverage_gaps
    from concern
    cross join audit_register
    inner join themes
        on concern.theme_id = themes.theme_id
    left join coverage
        on concern.theme_id = coverage.theme_id
        and concern.directorate = coverage.directorate
    left join audit_topics
        on concern.theme_id = audit_topics.theme_id
    left join claims_evidence
        on concern.theme_id = claims_evidence.theme_id
        and concern.directorate = claims_evidence.directorate

)

select
    rank() over (
        order by several_sources_p_value, weighted_score desc, theme_id, directorate
    ) as audit_priority_rank,
    theme_id,
    theme_name,
    directorate,
    n_sources_signalling,
    sources_signalling,
    several_sources_p_value,
    weighted_score,
    coverage_gaps,
    last_audit_id,
    last_audit_title,
    last_audit_date,
    last_audit_status,
    last_rag_rating,
    last_compliance_pct,
    actions_overdue_count,
    is_reaudit_overdue,
    case
        when last_audit_id is null or not is_recently_audited
            then 'New audit: ' || coalesce(audit_topics, theme_name)
        -- A re-audit of a re-audit is still a re-audit: name the topic once.
        else 'Re-audit: ' || regexp_replace(last_audit_title, '^Re-audit:\s*', '')
    end as recommended_audit,
    guidance,
    directorate_theme_claims,
    directorate_theme_claims_value,
    theme_name || ' in ' || directorate || ': signalling in ' || n_sources_signalling
        || ' sources (' || sources_signalling || ') while ' || coverage_gaps
        || case when directorate_theme_claims > 0
            then '; ' || directorate_theme_claims || ' claim'
                || case when directorate_theme_claims = 1 then '' else 's' end
                || ' worth ' || {{ pounds('directorate_theme_claims_value') }}
            else '' end
        || '.' as rationale
from assessed
where coverage_gaps <> ''
