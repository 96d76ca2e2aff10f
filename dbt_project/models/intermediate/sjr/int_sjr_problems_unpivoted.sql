{%- set problem_types = [
    'assessment', 'medication', 'treatment', 'infection',
    'procedure', 'monitoring', 'resuscitation', 'other',
] -%}

with

sjr_reviews as (

    select * from {{ ref('int_sjr_reviews_deduplicated') }}

),

problems_unpivoted as (

    {% for problem_type in problem_types %}
    select
        review_id,
        '{{ problem_type }}' as problem_type,
        problem_{{ problem_type }} as problem_value
    from sjr_reviews
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

problems_found as (

    -- 'none' (no problem found) and blanks drop out; values the loader kept as exported
    -- because they are not canonical drop out too (the staging accepted_values test names
    -- them).
    select
        review_id,
        problem_type,
        case problem_value
            when 'harm_yes' then 'yes'
            when 'harm_no' then 'no'
            when 'harm_unsure' then 'unsure'
        end as led_to_harm
    from problems_unpivoted
    where problem_value in ('harm_yes', 'harm_no', 'harm_unsure')

)

select * from problems_found
