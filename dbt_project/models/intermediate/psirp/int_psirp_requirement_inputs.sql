-- The canonical fields each PSIRF national requirement is judged on. A requirement is
-- measurable through any one of its alternatives when every field of that alternative is
-- carried and filled (learning disability deaths: incidents or SJRs).
select *
from (
    values
        ('never_event', 1, 'incidents', 'is_never_event'),
        ('avoidable_death', 1, 'sjr', 'avoidability'),
        ('mha_mca_death', 1, 'incidents', 'is_mental_health_act'),
        ('mha_mca_death', 1, 'incidents', 'is_mental_capacity_act'),
        ('mha_mca_death', 1, 'incidents', 'physical_harm'),
        ('maternity_mnsi', 1, 'incidents', 'meets_mnsi_criteria'),
        ('child_death', 1, 'incidents', 'patient_age_band'),
        ('child_death', 1, 'incidents', 'physical_harm'),
        ('learning_disability_death', 1, 'incidents', 'has_learning_disability'),
        ('learning_disability_death', 1, 'incidents', 'physical_harm'),
        ('learning_disability_death', 2, 'sjr', 'has_learning_disability'),
        ('safeguarding', 1, 'incidents', 'is_safeguarding')
) as inputs (requirement, alternative, source, field)
