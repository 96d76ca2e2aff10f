-- How well the narrative classifier and the keyword rules theme this trust's coded records.
select method, model_version, theme_id, records_evaluated, records_with_theme,
    records_predicted, true_positives, precision, recall, confidence, evaluation
from {{ ref('int_narrative_coding') }}
where output = 'quality'
