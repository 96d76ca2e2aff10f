with

loaded_files as (

    select * from {{ ref('stg_loader__loaded_files') }}

),

raw_rows as (

    select * from {{ ref('int_raw_rows_counted') }}

),

rejected_rows as (

    select * from {{ ref('stg_loader__rejected_rows') }}

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

rejected_per_file as (

    -- Distinct row numbers, so the count holds even if a row were logged once per column.
    select
        entity,
        file,
        count(distinct row_number) as n_rows_rejected_logged
    from rejected_rows
    group by entity, file

),

final as (

    select
        loaded_files.source,
        loaded_files.entity,
        -- A file's name can hold a word staff typed (a patient's name): screened.
        {{ publishable_file_name('loaded_files.file', 'vocabulary.words',
                                 'value_ref_key.ref_key') }} as file,
        loaded_files.mapping,
        loaded_files.encoding,
        loaded_files.sha256,
        loaded_files.rows_read,
        loaded_files.rows_loaded,
        loaded_files.rows_rejected,
        coalesce(raw_rows.n_rows_in_raw, 0) as rows_in_raw,
        coalesce(rejected_per_file.n_rows_rejected_logged, 0) as rows_rejected_logged,
        loaded_files.rows_read = loaded_files.rows_loaded + loaded_files.rows_rejected
        and loaded_files.rows_loaded = coalesce(raw_rows.n_rows_in_raw, 0)
        and loaded_files.rows_rejected = coalesce(rejected_per_file.n_rows_rejected_logged, 0)
            as is_reconciled
    from loaded_files
    left join raw_rows
        on loaded_files.entity = raw_rows.entity
        and loaded_files.file = raw_rows.file
    left join rejected_per_file
        on loaded_files.entity = rejected_per_file.entity
        and loaded_files.file = rejected_per_file.file
    cross join vocabulary
    cross join value_ref_key

)

select * from final
