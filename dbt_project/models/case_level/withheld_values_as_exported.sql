with

screened_values as (

    select * from {{ ref('int_free_typed_values_screened') }}

),

final as (

    -- For the patient safety team: the value behind each value_ref of the marts, to fix at
    -- source or to add to publishable_words.csv / location_aliases.csv. Still guarded when
    -- published: an identifier in it is redacted like anywhere else.
    select
        source,
        field,
        value_ref,
        value_as_exported,
        value_shown,
        n_records,
        example_record_id
    from screened_values
    where is_withheld

)

select * from final
