-- A random key drawn once per warehouse and kept (incremental: later runs add nothing), so
-- the pointers to withheld values (value_ref) stay the same from night to night, while a
-- published value_ref cannot be recomputed from a guessed value (an NHS number, say)
-- without this key, which never leaves the private warehouse.
{{ config(materialized='incremental') }}

select cast(uuid() as varchar) || cast(uuid() as varchar) as ref_key
{% if is_incremental() %}
where not exists (select 1 from {{ this }})
{% endif %}
