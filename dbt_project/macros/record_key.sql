{#
    Key of a record across sources, e.g. 'incidents:INC-001': native ids are unique only
    within their source. Every model that builds record_key uses this macro, so joins on
    it cannot drift apart.
#}
{% macro record_key(source_name, id_column) -%}
    {{ record_key_of("'" ~ source_name ~ "'", id_column) }}
{%- endmacro %}

{#- The same key from a column holding the source's name. -#}
{% macro record_key_of(source_column, id_column) -%}
    {{ source_column }} || ':' || {{ id_column }}
{%- endmacro %}

{#
    True for a row of a record (its `record_key`, or the expression `key`) whose raw rows
    changed since the last build: the loader notes each changed row's record id in
    raw.changed_keys (null: every record of the entity), and the refresh empties it after a
    build (pipelines.defs.dbt.assets). The models that keep a row per record (the spine and a
    few of its readers) delete and recompute only those. Not a dbt source on purpose: it says
    which rows to recompute, not what they hold, so a night whose loads changed no record (an
    activity file) does not rebuild their readers.
#}
{% macro changed_record(key='record_key') -%}
    (
        split_part({{ key }}, ':', 1) in (
            select source from raw.changed_keys where key_value is null
        )
        or {{ key }} in (
            select {{ record_key_of('source', 'key_value') }}
            from raw.changed_keys
            where key_value is not null
        )
    )
{%- endmacro %}

{#- The pre-hook of a model kept a row (or rows) per record and built incrementally: the
    changed records' rows go, or every row when the model's `shared` input changed
    (shared_input_changed). -#}
{% macro delete_changed_records(key='record_key', shared=none) -%}
    {%- if is_incremental() %}delete from {{ this }}
        {%- if shared is none or not shared_input_changed(shared) %} where {{ changed_record(key) }}{% endif %}
    {%- endif %}
{%- endmacro %}

{#
    A model kept per record whose rows also read an input every record shares (the coding
    quality measured tonight and the narrative classifier; the signal windows) rebuilds only
    the changed records while that input is as it was at the model's last build, and every
    record when it changed. `shared` is a query of that input; the digest of its rows at each
    model's last build is kept in raw.shared_input_digests (keep_shared_digest, its post-hook).
    Worked out when the model runs: its inputs are built by then.
#}
{% macro shared_input_changed(shared) -%}
    {%- if not execute or not is_incremental() -%}{{ return(true) }}{%- endif -%}
    {%- do run_query(shared_digests_ddl()) -%}
    {%- set found = run_query(
        "select (select digest from raw.shared_input_digests where model = '"
        ~ this.identifier ~ "') is distinct from (" ~ shared_digest(shared) ~ ")") -%}
    {{- return(found.columns[0].values()[0]) -}}
{%- endmacro %}

{#- The post-hook noting the digest of `shared` the model was built with. -#}
{% macro keep_shared_digest(shared) -%}
    {{ shared_digests_ddl() }};
    delete from raw.shared_input_digests where model = '{{ this.identifier }}';
    insert into raw.shared_input_digests
    select '{{ this.identifier }}', ({{ shared_digest(shared) }})
{%- endmacro %}

{% macro shared_digests_ddl() -%}
    create table if not exists raw.shared_input_digests (model varchar, digest varchar)
{%- endmacro %}

{#- The digest of a query's rows, in any order. -#}
{% macro shared_digest(shared) -%}
    select md5(coalesce(string_agg(cast(shared_rows as varchar), chr(30)
                                   order by cast(shared_rows as varchar)), ''))
    from ({{ shared }}) as shared_rows
{%- endmacro %}

{#- What every record's themes read besides its own rows: the coding quality measured tonight
    (each method's confidence per theme) and the narrative classifier that themed the
    records without a specific code. -#}
{% macro shared_coding_inputs() -%}
    select * exclude (output) from {{ ref('int_narrative_coding') }} where output = 'quality'
{%- endmacro %}

{#- What every record's rows in the unit and window models read besides its own: its themes'
    shared inputs and the signal windows. -#}
{% macro shared_window_inputs() -%}
    {{ shared_coding_inputs() }}
    union all by name
    select * from {{ ref('int_signal_windows') }}
{%- endmacro %}
