with

audits as (

    select * from {{ ref('int_audits_deduplicated') }}

),

audit_results as (

    select * from {{ ref('int_audit_results_rated') }}

),

audit_actions as (

    select * from {{ ref('int_audit_actions_deduplicated') }}

),

publishable_words as (

    select * from {{ ref('int_publishable_words') }}

),

vocabulary as (

    select list(word) as words from publishable_words

),

value_ref_key as (

    select * from {{ ref('int_value_ref_key') }}

),

as_of as (

    select {{ as_of_date() }} as as_of_date

),

results_summarised as (

    -- Two views of overall compliance: the share of standards met (each standard counts
    -- once, whatever its sample) and the pooled compliance, all numerators over all
    -- denominators (weighted by sample size). The audit's RAG is its worst standard's,
    -- as in the spine's audit severity.
    select
        audit_id,
        count(*) as criteria_count,
        count(rag_rating) as criteria_rated_count,
        count(*) filter (where rag_rating = 'green') as criteria_green_count,
        count(*) filter (where rag_rating = 'amber') as criteria_amber_count,
        count(*) filter (where rag_rating = 'red') as criteria_red_count,
        cast(sum(numerator) filter (where denominator > 0) as bigint) as numerator_total,
        cast(sum(denominator) filter (where denominator > 0) as bigint) as denominator_total
    from audit_results
    group by audit_id

),

actions_classified as (

    -- An action is done when completed or cancelled (by status, or a completion date
    -- without one); anything else is open, and overdue once its due date has passed.
    select
        audit_actions.audit_id,
        audit_actions.action_status,
        audit_actions.action_status in ('completed', 'cancelled')
            or (audit_actions.action_status is null and audit_actions.completed_date is not null)
            as is_done,
        audit_actions.due_date,
        as_of.as_of_date
    from audit_actions
    cross join as_of

),

actions_summarised as (

    select
        audit_id,
        count(*) as actions_total_count,
        count(*) filter (where action_status = 'completed'
            or (action_status is null and is_done)) as actions_completed_count,
        count(*) filter (where action_status = 'cancelled') as actions_cancelled_count,
        count(*) filter (where not is_done) as actions_open_count,
        count(*) filter (where not is_done and due_date < as_of_date) as actions_overdue_count
    from actions_classified
    group by audit_id

),

audits_keyed as (

    -- Audits of the same topic (the register's topic, else its linked guidance) measure
    -- the same standards again: that is what a re-audit is.
    select
        *,
        lower(trim(coalesce(topic, guidance_reference))) as topic_key
    from audits

),

later_audits as (

    -- The first audit of the same topic registered on or after this one reported: the
    -- re-audit, whatever programme type it was registered under.
    select
        earlier.audit_id,
        later.audit_id as reaudit_audit_id
    from audits_keyed as earlier
    inner join audits_keyed as later
        on earlier.topic_key = later.topic_key
        and later.audit_id <> earlier.audit_id
        and later.registered_date >= earlier.report_date
    qualify row_number() over (
        partition by earlier.audit_id
        order by later.registered_date, later.audit_id
    ) = 1

),

final as (

    select
        -- Typed by audit staff too ("CA-Jane Doeman 48-57-77-34-56"): screened, and where a
        -- word is withheld followed by its value_ref, so each audit keeps its own id.
        {{ publishable_id('audits_keyed.audit_id', 'vocabulary.words', 'value_ref_key.ref_key',
                          'audit_id') }} as audit_id,
        -- Typed by audit staff, so screened as every typed value is: a word that is not in
        -- the publishable vocabulary and not code-like shows as '…' (a title or topic
        -- can name the case it follows), a directorate or specialty holding one is null as
        -- on the spine; int_free_typed_values_screened lists them as withheld.
        {{ mask_unlisted_words('audits_keyed.audit_title', 'vocabulary.words') }} as audit_title,
        audits_keyed.programme_type,
        {{ publishable_or_null('audits_keyed.specialty', 'vocabulary.words') }} as specialty,
        {{ publishable_or_null('audits_keyed.directorate', 'vocabulary.words') }}
            as directorate,
        {{ mask_unlisted_words('audits_keyed.guidance_reference', 'vocabulary.words') }}
            as guidance_reference,
        {{ mask_unlisted_words('audits_keyed.topic', 'vocabulary.words') }} as topic,
        audits_keyed.audit_status,
        audits_keyed.registered_date,
        audits_keyed.report_date,
        coalesce(results_summarised.criteria_count, 0) as criteria_count,
        coalesce(results_summarised.criteria_rated_count, 0) as criteria_rated_count,
        coalesce(results_summarised.criteria_green_count, 0) as criteria_green_count,
        coalesce(results_summarised.criteria_amber_count, 0) as criteria_amber_count,
        coalesce(results_summarised.criteria_red_count, 0) as criteria_red_count,
        round(100.0 * results_summarised.criteria_green_count
            / nullif(results_summarised.criteria_rated_count, 0), 2) as pct_criteria_met,
        round(100.0 * results_summarised.numerator_total
            / nullif(results_summarised.denominator_total, 0), 2) as weighted_compliance_pct,
        case
            when results_summarised.criteria_red_count > 0 then 'red'
            when results_summarised.criteria_amber_count > 0 then 'amber'
            when results_summarised.criteria_green_count > 0 then 'green'
        end as rag_rating,
        coalesce(actions_summarised.actions_total_count, 0) as actions_total_count,
        coalesce(actions_summarised.actions_completed_count, 0) as actions_completed_count,
        coalesce(actions_summarised.actions_cancelled_count, 0) as actions_cancelled_count,
        coalesce(actions_summarised.actions_open_count, 0) as actions_open_count,
        coalesce(actions_summarised.actions_overdue_count, 0) as actions_overdue_count,
        audits_keyed.reaudit_date as reaudit_due_date,
        {{ publishable_id('later_audits.reaudit_audit_id', 'vocabulary.words',
                          'value_ref_key.ref_key', 'audit_id') }} as reaudit_audit_id,
        -- Overdue: the re-audit date has passed and no audit of the topic has been
        -- registered since this one reported. No re-audit date, nothing to be overdue.
        coalesce(
            audits_keyed.reaudit_date < as_of.as_of_date and later_audits.reaudit_audit_id is null,
            false
        ) as is_reaudit_overdue,
        as_of.as_of_date
    from audits_keyed
    cross join as_of
    cross join vocabulary
    cross join value_ref_key
    left join results_summarised
        on audits_keyed.audit_id = results_summarised.audit_id
    left join actions_summarised
        on audits_keyed.audit_id = actions_summarised.audit_id
    left join later_audits
        on audits_keyed.audit_id = later_audits.audit_id

)

select * from final
