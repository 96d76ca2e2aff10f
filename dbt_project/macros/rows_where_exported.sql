{#- The rows of an export `rows` lists (file, row_number, column_name, reason, ...: a
    staging model of raw.rejected_rows or raw.flagged_rows) as published: file names, and the
    sheets and files reasons name, screened as publishable_file_name screens them. -#}
{% macro rows_where_exported(rows) %}

with

listed_rows as (

    select * from {{ rows }}

),

loaded_files as (

    select * from {{ ref('stg_loader__loaded_files') }}

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

files_renamed as (

    -- The files whose names publish screened (publishable_file_name), as 'name<US>shown'
    -- pairs: a reason names the file of the row it duplicates or conflicts with.
    select coalesce(list(file || chr(31) || shown), []) as renamed
    from (
        select distinct
            file,
            {{ publishable_file_name('file', 'vocabulary.words', 'value_ref_key.ref_key') }}
                as shown
        from loaded_files
        cross join vocabulary
        cross join value_ref_key
    )
    where shown <> file

),

final as (

    -- Where each row sits and why, never the row itself (raw.rejected_rows.record can
    -- carry identifiable free text), and file names screened.
    select
        listed_rows.source,
        listed_rows.entity,
        {{ publishable_file_name('listed_rows.file', 'vocabulary.words',
                                 'value_ref_key.ref_key') }} as file,
        listed_rows.row_number,
        listed_rows.column_name,
        list_reduce(
            list_prepend(listed_rows.reason, files_renamed.renamed),
            (reason, pair) -> replace(reason, split_part(pair, chr(31), 1),
                                      split_part(pair, chr(31), 2))
        ) as reason,
        listed_rows.mapping,
        vocabulary.words
    from listed_rows
    cross join vocabulary
    cross join value_ref_key
    cross join files_renamed

),

sheets_screened as (

    -- A stacked workbook's reason names the sheet ("sheet 'Feb': ..."), which whoever saved
    -- the workbook named: screened as a file's name is.
    select
        * exclude (reason, words),
        case
            when regexp_matches(reason, '^sheet ''[^'']*'': ')
                then 'sheet '''
                    || {{ file_name_masked("regexp_extract(reason, '^sheet ''([^'']*)''', 1)",
                                           'words') }}
                    || substr(reason, length(regexp_extract(reason, '^sheet ''[^'']*')) + 1)
            else reason
        end as reason
    from final

)

select source, entity, file, row_number, column_name, reason, mapping from sheets_screened

{% endmacro %}
