{#- A table: a dozen models and tests read it. Incremental: a record's themes are worked out
    from its own rows and what every record shares (tonight's coding quality and narrative
    classifier, shared_coding_inputs): the changed records' themes are worked out again while
    that is as it was, every record's when it changed. -#}
{{ config(materialized='incremental',
          pre_hook="{{ delete_changed_records(shared=shared_coding_inputs()) }}",
          post_hook="{{ keep_shared_digest(shared_coding_inputs()) }}") }}
{#- is_incremental() first: a unit test gives no int_narrative_coding for the shared query's ref. -#}
{%- set only_changed = is_incremental() and not shared_input_changed(shared_coding_inputs()) %}

with

code_matches as (

    select * from {{ ref('int_record_code_themes') }}
{%- if only_changed %}
    where {{ changed_record() }}
{%- endif %}

),

keyword_matches as (

    select * from {{ ref('int_record_keyword_matches') }}
{%- if only_changed %}
    where {{ changed_record() }}
{%- endif %}

),

narrative_themes as (

    select * from {{ ref('int_record_narrative_themes') }}
{%- if only_changed %}
    where {{ changed_record() }}
{%- endif %}

),

measured_quality as (

    -- Per method and theme, tonight's measured (smoothed) precision on the specifically coded
    -- records: what a theme assigned by that method is shown with.
    select * from {{ ref('int_coding_quality_measured') }}

),

fft_praise as (

    -- FFT answers the comment model reads as praise (sentiment 1 or 2, very positive or
    -- positive): "clean ward, kind nurses" names cleanliness, not a problem with it. Many
    -- trusts ask one question, "why did you give this answer?", whose answers hold praise
    -- and complaint alike; a theme is a problem in care only where the answer is not praise.
    -- A poor or very poor rating overrules the model: "Food isn't very good" and "Great,
    -- another 6 hour wait" read as praise to it.
    select {{ record_key('fft', 'coded.response_id') }} as record_key
    from {{ ref('stg_coding__fft_comments') }} as coded
    left join {{ ref('int_fft_responses_deduplicated') }} as responses
        on coded.response_id = responses.response_id
    where coded.sentiment <= 2
        and coalesce(responses.rating, '') not in ('poor', 'very_poor')
{%- if only_changed %}
        and {{ changed_record(record_key('fft', 'coded.response_id')) }}
{%- endif %}

),

specifically_coded as (

    -- Records with at least one code a person chose that means a theme. The others have
    -- missing codes, or only generic or unmapped ones, so their narrative decides.
    select distinct record_key
    from code_matches
    where method = 'code_map'

),

keyword_assignments as (

    select
        keyword_matches.record_key,
        keyword_matches.source,
        keyword_matches.record_id,
        keyword_matches.theme_id,
        'keyword' as method,
        keyword_matches.evidence,
        -- Narrative rules: their measured precision for the theme on this trust's coded
        -- records; FFT rules, and themes the rules never matched on a coded record: the prior.
        case
            when keyword_matches.rule_set = 'narrative'
                then coalesce(measured_quality.confidence, {{ var('keyword_rule_confidence') }})
            else {{ var('keyword_rule_confidence') }}
        end as confidence,
        cast(null as varchar) as model_version,
        case
            when keyword_matches.is_primary_text and keyword_matches.source = 'fft'
                then 'keyword rule on the "what could we do better?" answer'
            when keyword_matches.is_primary_text
                then 'keyword rule on the coroner''s matters of concern'
            else 'no specific structured code (missing, generic or unmapped): the narrative decides'
        end as reason
    from keyword_matches
    left join specifically_coded
        on keyword_matches.record_key = specifically_coded.record_key
    left join measured_quality
        on measured_quality.method = 'keyword'
        and keyword_matches.theme_id = measured_quality.theme_id
    -- Where a person chose a specific code, it wins over a rule reading their words;
    -- data_quality.coding_disagreements lists what the text suggested instead. A rule
    -- measured wrong on this trust's coded records gives nothing (coding_min_confidence).
    where (keyword_matches.is_primary_text or specifically_coded.record_key is null)
        and (keyword_matches.rule_set <> 'narrative' or measured_quality.confidence is null
             or measured_quality.confidence >= {{ var('coding_min_confidence') }})

),

narrative_assignments as (

    -- The classifier only themes records without a specific code (it learnt from the others).
    select
        narrative_themes.record_key,
        narrative_themes.source,
        narrative_themes.record_id,
        narrative_themes.theme_id,
        'narrative_model' as method,
        'narrative classifier ' || narrative_themes.model_version || ', probability '
            || round(narrative_themes.probability, 2) as evidence,
        -- Measured tonight; 0.5 for a theme the evaluation never assigned.
        coalesce(measured_quality.confidence, 0.5) as confidence,
        narrative_themes.model_version,
        'no specific structured code (missing, generic or unmapped): the classifier learnt '
            || 'from this trust''s coded records reads the narrative' as reason
    from narrative_themes
    left join specifically_coded
        on narrative_themes.record_key = specifically_coded.record_key
    left join measured_quality
        on measured_quality.method = 'narrative_model'
        and narrative_themes.theme_id = measured_quality.theme_id
    where specifically_coded.record_key is null
        and coalesce(measured_quality.confidence, 1) >= {{ var('coding_min_confidence') }}

),

code_assignments as (

    select
        code_matches.*,
        case code_matches.method
            when 'text_model' then 'FFT comment model: v6 category mapped by theme_code_map'
            when 'code_map' then
                case when keyword_matches.record_key is not null
                    then 'structured code, and the narrative agrees'
                    else 'structured code mapped by theme_code_map'
                end
        end as reason
    from code_matches
    left join (select distinct record_key, theme_id from keyword_matches) as keyword_matches
        on code_matches.record_key = keyword_matches.record_key
        and code_matches.theme_id = keyword_matches.theme_id

),

assignments_unioned as (

    select
        record_key, source, record_id, theme_id, method, evidence, confidence, model_version,
        reason
    from code_assignments
    union all
    select
        record_key, source, record_id, theme_id, method, evidence, confidence, model_version,
        reason
    from keyword_assignments
    union all
    select
        record_key, source, record_id, theme_id, method, evidence, confidence, model_version,
        reason
    from narrative_assignments

),

strongest_assignments as (

    -- A record carries each theme once, by its strongest method: a code chosen by a person,
    -- then a rule a person wrote, then the narrative classifier (learnt from this trust's
    -- codes), then the FFT comment model. `evidence` is the first code or pattern that
    -- matched.
    select *
    from assignments_unioned
    qualify row_number() over (
        partition by record_key, theme_id
        order by
            case method
                when 'code_map' then 1 when 'keyword' then 2 when 'narrative_model' then 3
                else 4
            end,
            evidence
    ) = 1

)

select strongest_assignments.*
from strongest_assignments
anti join fft_praise
    on strongest_assignments.record_key = fft_praise.record_key
