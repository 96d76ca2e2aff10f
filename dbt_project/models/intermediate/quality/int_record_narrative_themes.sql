-- The themes tonight's narrative classifier gives the records without a specific code.
select record_key, source, record_id, theme_id, probability, model_version, training_records
from {{ ref('int_narrative_coding') }}
where output = 'themes'
