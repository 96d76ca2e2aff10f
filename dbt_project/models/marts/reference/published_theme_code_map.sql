{#- Published as `theme_code_map` (the reference table of that name stays in the warehouse). -#}
{{ config(alias='theme_code_map') }}

with

theme_code_map as (

    select * from {{ ref('theme_code_map') }}

),

publishable_words as (

    select * from {{ ref('int_publishable_words') }}

),

value_ref_key as (

    select * from {{ ref('int_value_ref_key') }}

),

vocabulary as (

    select list(word) as words from publishable_words

),

screened as (

    -- The trust's codes are spellings of its system, accepted from a review sheet as
    -- exported ('Slips, trips and falls > Fall - Edna Clarke'): screened as any typed value
    -- (macro mask_unlisted_words), a word that could be a name shown as '…'. The shipped
    -- national code maps are the product's own text.
    select
        theme_code_map.source,
        theme_code_map.code_field,
        theme_code_map.native_code as native_code_as_exported,
        case
            when theme_code_map.layer = 'shipped' then theme_code_map.native_code
            else {{ mask_unlisted_words('theme_code_map.native_code', 'vocabulary.words') }}
        end as native_code,
        {{ value_ref('value_ref_key.ref_key', ['theme_code_map.source',
                     'theme_code_map.code_field', 'theme_code_map.native_code']) }}
            as value_ref,
        theme_code_map.theme_id,
        theme_code_map.layer
    from theme_code_map
    cross join vocabulary
    cross join value_ref_key

),

final as (

    select
        source,
        code_field,
        native_code,
        native_code <> native_code_as_exported as is_withheld,
        case when native_code <> native_code_as_exported then value_ref end as value_ref,
        theme_id,
        layer
    from screened

)

select * from final
