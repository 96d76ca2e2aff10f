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
    True for a row of a record (its `record_key`) whose raw rows changed since the last build:
    the loader notes each changed row's record id in raw.changed_keys (null: every record of
    the entity), and the refresh empties it after a build (pipelines.defs.dbt.assets). The
    models that keep a row per record (the spine and a few of its readers) delete and
    recompute only those. Not a dbt source on purpose: it says which rows to recompute, not
    what they hold, so a night whose loads changed no record (an activity file) does not
    rebuild their readers.
#}
{% macro changed_record() -%}
    (
        split_part(record_key, ':', 1) in (
            select source from raw.changed_keys where key_value is null
        )
        or record_key in (
            select {{ record_key_of('source', 'key_value') }}
            from raw.changed_keys
            where key_value is not null
        )
    )
{%- endmacro %}

{#- The pre-hook of a model kept a row (or rows) per record and built incrementally. -#}
{% macro delete_changed_records() -%}
    {% if is_incremental() %}delete from {{ this }} where {{ changed_record() }}{% endif %}
{%- endmacro %}
