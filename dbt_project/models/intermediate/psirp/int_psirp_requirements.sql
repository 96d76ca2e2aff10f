-- The PSIRF national requirements the exports can evidence (DOMAIN.md, "PSIRP
-- vocabulary"). Mental-health related homicide is not here: no source records it.
select *
from (
    values
        ('never_event', 'Never Event', 'Local PSII', cast(null as varchar)),
        ('avoidable_death',
         'Death judged more likely than not due to problems in care (Learning from Deaths)',
         'Local PSII', null),
        ('mha_mca_death',
         'Death of a patient detained under the Mental Health Act or where the Mental Capacity Act applies, possibly linked to care',
         'Local PSII', null),
        ('maternity_mnsi', 'Maternity or neonatal incident meeting MNSI criteria',
         'Refer to MNSI', 'Maternity and Newborn Safety Investigations (MNSI)'),
        ('child_death', 'Child death', 'Refer to Child Death Overview Panel',
         'Child Death Overview Panel (CDOP)'),
        ('learning_disability_death', 'Death of a person with a learning disability or autism',
         'Refer to LeDeR', 'LeDeR (Learning from lives and deaths)'),
        ('safeguarding', 'Safeguarding incident', 'Refer to local authority safeguarding',
         'Local authority safeguarding team')
) as requirements (requirement, requirement_name, required_response, referral_body)
