with

screened_values as (

    select * from {{ ref('int_free_typed_values_screened') }}

),

final as (

    -- Counts and a redacted example only: the values themselves are in the case-level
    -- withheld_values_as_exported, by value_ref.
    select
        source,
        field,
        value_ref,
        value_shown,
        n_records
    from screened_values
    where is_withheld

)

select * from final
