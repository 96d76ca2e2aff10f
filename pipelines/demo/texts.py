# ruff: noqa: E501 -- sentences stay whole on one line, so they read and grep as written
"""Free text of the demo trust's records, by theme.

Rules the tests hold these to (against `dbt_project/seeds/theme_keywords.csv`):
- every FFT "could be better" comment and coroner's concern of a theme matches that theme's
  keyword pattern and no other theme's, so planted records signal exactly their theme;
- generic comments (`FFT_IMPROVE_GENERIC`) match no theme at all.
Incident, complaint and SJR text is not keyword-matched (those records carry codes), so it
only has to read like the real thing.
"""

from __future__ import annotations

INCIDENT_DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "falls": (
        "Patient found on the floor beside the bed at 03:10. Unwitnessed fall. Says he was trying to get to the bathroom.",
        "Patient stood up from chair without walking frame and fell, hitting head on bedside locker. Small laceration to forehead.",
        "Witnessed fall while mobilising with physiotherapist. Lowered to floor, no apparent injury.",
        "Patient climbed over bed rails and was found on the floor. Complaining of pain in left hip, shortening noted.",
        "Slipped in shower room on wet floor. Bruising to right elbow.",
    ),
    "pressure_ulcers": (
        "Category 2 pressure ulcer identified on sacrum during skin inspection. Not present on admission.",
        "Unstageable pressure ulcer to left heel found at handover. Repositioning chart has gaps of up to 8 hours.",
        "Device-related pressure damage under oxygen mask strap on bridge of nose.",
        "Category 3 pressure ulcer to sacrum on district nurse visit; carer reports patient spending most of the day in chair.",
    ),
    "medication": (
        "Evening dose of co-careldopa omitted; time-critical medicine not available on ward.",
        "Enoxaparin 80 mg given instead of prescribed 40 mg. Error identified at next drug round.",
        "Patient with documented penicillin allergy prescribed co-amoxiclav. Not administered, pharmacist intervened.",
        "Insulin prescribed as 10 units given as 100 units due to abbreviation 'u' on chart. BM monitoring started.",
        "Controlled drug register balance discrepancy of 2 ampoules of morphine at night check.",
    ),
    "deterioration_sepsis": (
        "NEWS2 of 7 at 02:00 not escalated to medical team until 06:00. Patient reviewed and started on sepsis pathway.",
        "Observations not recorded for 9 hours despite NEWS2 of 5 at previous set. Patient later transferred to ITU.",
        "Sepsis screen not completed on arrival; antibiotics given 4 hours after recognition.",
        "Cardiac arrest call. Retrospective review shows rising respiratory rate and falling BP over 12 hours without escalation.",
        "Patient deteriorated overnight; outreach not contacted as per escalation policy.",
    ),
    "diagnosis": (
        "Fractured neck of femur missed on initial X-ray in ED; identified on re-attendance 3 days later.",
        "CT report showing lung lesion not acted on; patient not informed for 4 months.",
        "Abnormal potassium result not reviewed before discharge.",
        "Patient discharged with diagnosis of muscular pain; returned next day with myocardial infarction.",
    ),
    "communication": (
        "Family not informed of patient's transfer to another ward; relatives arrived to find bed empty.",
        "Handover between day and night team omitted patient's fluid restriction.",
        "No interpreter booked for consent discussion; family member used to translate.",
        "Conflicting information given to relatives about plan of care by different teams.",
    ),
    "discharge_transfer": (
        "Patient discharged home at 22:30 without package of care in place. Readmitted following day.",
        "Patient discharged without TTO medications; GP contacted by family.",
        "Transfer to community hospital without transfer letter or medication chart.",
        "Patient discharged before physiotherapy assessment completed; fell at home within 24 hours.",
    ),
    "access_delays": (
        "Patient waited 14 hours in ED for a medical bed. 12-hour trolley breach reported.",
        "Ambulance handover delayed by 3 hours; patient cared for on ambulance trolley.",
        "Urgent 2-week-wait referral not triaged for 5 weeks due to lost referral.",
        "Operation cancelled on day of surgery for the second time due to lack of beds.",
    ),
    "infection": (
        "MRSA bacteraemia identified on blood cultures taken 72 hours after admission. Post-infection review arranged.",
        "C. difficile toxin positive; patient in bay for 36 hours before being moved to side room.",
        "Norovirus outbreak: bay closed, 4 patients and 2 staff symptomatic.",
        "Surgical site infection following hip replacement; wound swab positive.",
    ),
    "self_harm_suicide": (
        "Patient found with ligature around neck in bathroom; removed by staff, no lasting injury.",
        "Patient self-harmed by cutting while waiting for mental health assessment in ED.",
        "Patient disclosed taking an overdose of paracetamol prior to attendance; staggered overdose.",
        "Patient absconded from ward while on 1:1 observation due to suicide risk; found by police.",
    ),
    "maternity_neonatal": (
        "Postpartum haemorrhage of 2.1 litres following vaginal delivery; transferred to theatre.",
        "CTG classified as pathological for 50 minutes before obstetric review.",
        "Unplanned admission of term baby to neonatal unit with respiratory distress.",
        "Third degree tear identified after birth; repaired in theatre.",
        "Category 1 caesarean section for fetal bradycardia; decision to delivery interval 42 minutes.",
    ),
    "surgery_procedures": (
        "Swab count discrepancy at closure; X-ray confirmed retained swab, removed.",
        "Wrong side marked for knee arthroscopy; identified at team brief, procedure not started.",
        "Unplanned return to theatre for bleeding following laparoscopic cholecystectomy.",
        "Nasogastric tube placement not confirmed before feed started; pH not checked.",
    ),
    "nutrition_hydration": (
        "Patient on food chart had no recorded intake for 48 hours. Dietitian referral not made.",
        "Patient nil by mouth for 26 hours awaiting theatre slot without IV fluids.",
        "Modified texture diet not provided; patient given normal diet with choking risk.",
    ),
    "dignity_staff_attitude": (
        "Patient left uncovered in bay with curtains open while awaiting personal care.",
        "Relative reports member of staff spoke rudely to patient during night shift.",
        "Patient not supported with personal hygiene for 3 days.",
    ),
    "staffing_capacity": (
        "Ward staffed with 3 registered nurses for 30 patients on night shift; 2 shifts unfilled by bank.",
        "No medical registrar available overnight due to sickness; escalated to site manager.",
        "Patient placed in corridor escalation area for 10 hours due to bed capacity.",
        "Agency nurse unfamiliar with ward and electronic systems; no induction possible.",
    ),
    "equipment_environment": (
        "Infusion pump alarmed with occlusion but no occlusion found; pump removed from use.",
        "Hoist unavailable on ward; patient waited 2 hours to be transferred.",
        "Ceiling leak above bed 4; bay closed.",
        "Suction equipment on resuscitation trolley found not working at daily check.",
    ),
    "records_it": (
        "Electronic patient record unavailable for 4 hours due to system outage; paper contingency used.",
        "Patient notes filed in another patient's record.",
        "Patient wristband had incorrect date of birth.",
        "Discharge letter sent to wrong GP practice.",
    ),
    "safeguarding": (
        "Patient disclosed domestic abuse; safeguarding referral made to local authority.",
        "Unexplained bruising noted on admission from care home; safeguarding adults referral made.",
        "Child attending ED with injury inconsistent with history; safeguarding children referral.",
        "Patient lacking capacity attempting to leave; DoLS application completed.",
    ),
    "end_of_life_care": (
        "Anticipatory medicines not prescribed for patient recognised as dying; delay to symptom control.",
        "DNACPR decision not discussed with family; relatives upset at discovering form.",
        "Syringe driver not re-sited when alarm sounded; patient in pain for 2 hours.",
    ),
    "violence_restraint": (
        "Patient under influence of alcohol punched healthcare assistant; police called.",
        "Verbal abuse and threats to staff at reception.",
        "Patient restrained by security staff; rapid tranquillisation given. Post-restraint observations not recorded.",
    ),
    "vte": (
        "VTE risk assessment not completed on admission; patient later diagnosed with PE.",
        "Enoxaparin prophylaxis omitted for 3 days post-operatively.",
        "Hospital-acquired DVT identified 5 days after hip surgery; prophylaxis had been prescribed.",
    ),
}

# Categories the trust left without a theme have their own text.
INCIDENT_DESCRIPTIONS_UNTHEMED: dict[str, tuple[str, ...]] = {
    "Blood transfusion": (
        "Wrong blood in tube: sample labelled with another patient's details, identified by laboratory.",
        "Unit of blood hung 90 minutes after leaving the fridge.",
    ),
    "Laboratory / pathology": (
        "Blood sample lost between ward and laboratory; repeat sample required.",
        "Sample received unlabelled and rejected by the laboratory.",
    ),
    "Radiology / imaging": (
        "Patient imaged with incorrect request details; IR(ME)R exposure reported.",
        "Contrast extravasation during CT scan.",
    ),
    "Treatment / procedure": (
        "Cannula left in situ for 5 days with signs of phlebitis.",
        "Catheter inserted without documented indication.",
    ),
    "Patient care": (
        "Pain score of 8 not acted on for 3 hours.",
        "Continence care not provided overnight.",
    ),
    "Security": ("Patient's wallet reported stolen from bedside locker.",),
}
INCIDENT_DESCRIPTIONS_GENERIC = (
    "Incident reported for information; see attached statement.",
    "Event reported by nurse in charge; manager informed.",
)

INCIDENT_ACTIONS = (
    "Patient reviewed by doctor. Family informed.",
    "Discussed at safety huddle. Duty of candour considered.",
    "Ward manager informed. Reflection completed by staff member.",
    "Incident discussed with patient; apology given.",
    "Added to ward learning board.",
    "Escalated to matron. Risk assessment updated.",
    "Statement requested from staff on duty.",
    "Immediate safety actions taken; area made safe.",
)

COMPLAINT_NARRATIVES: dict[str, tuple[str, ...]] = {
    "falls": (
        "My mother fell twice on the ward in one week. After the second fall she had a broken wrist that was not picked up until we insisted on an X-ray. Nobody told us about the first fall.",
        "My father was assessed as high risk of falling but was left alone in a side room and fell at night. We want to know why a sensor mat was not used.",
    ),
    "pressure_ulcers": (
        "My husband developed a pressure sore on his heel while on the ward. He was not turned regularly and now needs district nurse visits every day.",
        "Mum went in with healthy skin and came out with a grade 3 pressure sore on her bottom.",
    ),
    "medication": (
        "My father missed several doses of his Parkinson's medication because the ward did not have it in stock. He became very stiff and confused.",
        "I was given the wrong dose of my blood pressure tablets and felt faint for two days.",
    ),
    "deterioration_sepsis": (
        "My wife's condition got worse over the night and the nurses did not call a doctor despite us raising concerns. She was later diagnosed with sepsis and moved to intensive care.",
        "We told staff repeatedly that Dad was not himself. His observations were not repeated and he was found unresponsive the next morning.",
    ),
    "diagnosis": (
        "I attended A&E with severe abdominal pain and was sent home with constipation. I was readmitted two days later with a burst appendix.",
        "My scan results showed a problem but nobody contacted me for three months.",
    ),
    "communication": (
        "We were not kept informed about my mother's condition. Every time we phoned we were told something different.",
        "Nobody explained what the operation involved or what to expect afterwards.",
    ),
    "discharge_transfer": (
        "My father was discharged at 11pm in his pyjamas with no care package in place. He was readmitted within two days.",
        "Mum was sent home before the occupational therapist had assessed her and her home was not ready.",
    ),
    "access_delays": (
        "My appointment has been cancelled four times and I am still waiting after 14 months.",
        "My grandmother waited 11 hours on a trolley in the Emergency Department.",
    ),
    "infection": (
        "My husband caught C. difficile on the ward after being placed next to a patient who was unwell. The ward did not seem clean.",
    ),
    "self_harm_suicide": (
        "My son was sent home from A&E after self-harming without seeing the mental health team.",
    ),
    "maternity_neonatal": (
        "During my labour I was left alone for long periods and my concerns about reduced movements were dismissed.",
        "My baby was admitted to the neonatal unit and we were not told why for several hours.",
    ),
    "surgery_procedures": (
        "I needed a second operation because of a complication that I feel was not explained to me beforehand.",
    ),
    "nutrition_hydration": (
        "Meals were left out of reach and my father, who has dementia, was not helped to eat. He lost a stone in three weeks.",
    ),
    "dignity_staff_attitude": (
        "A nurse was rude and dismissive when I asked for help. I felt like a nuisance.",
        "My mother was left sitting in soiled sheets and her privacy was not respected.",
    ),
    "staffing_capacity": (
        "The ward was clearly short-staffed. Call bells rang for twenty minutes before anyone came.",
    ),
    "equipment_environment": (
        "The hoist was broken for the whole of my mother's stay and she could not get out of bed.",
    ),
    "records_it": (
        "My records were lost and I had to repeat all of my tests.",
        "Letters about my appointments were sent to my old address although I had updated it twice.",
    ),
    "safeguarding": (
        "I raised concerns about bruising on my father when he arrived from his care home and nothing was done.",
    ),
    "end_of_life_care": (
        "Dad's last days were not peaceful. His pain was not controlled and we were not told he was dying until the final hours.",
        "A DNACPR form was completed without anyone speaking to us.",
    ),
    "violence_restraint": (
        "My son, who has autism, was restrained by security staff in A&E. I feel this was unnecessary.",
    ),
    "vte": (
        "I developed a blood clot in my lung after my operation. I was never given the injections or stockings.",
    ),
}
COMPLAINT_NARRATIVES_GENERIC = (
    "I am unhappy with the care and treatment I received and would like an explanation.",
    "I would like to raise a concern about my recent visit.",
    "Car parking charges are too high and there were no spaces for my appointment.",
    "My personal belongings went missing during my stay.",
)

FFT_GOOD = (
    "Staff were lovely and kind.", "Very professional and caring team.",
    "Seen quickly and everything was explained.", "The nurses were fantastic.",
    "Friendly staff, clean ward.", "Excellent care from start to finish.",
    "Doctors took time to listen.", "Everyone was so helpful.", "Felt safe and well looked after.",
    "The physio was brilliant.", "Great care, thank you.", "Kind and reassuring staff.",
    "Efficient and friendly.", "Really good care.", "The staff made a scary time easier.",
)
FFT_IMPROVE_GENERIC = (
    "Nothing.", "Nothing at all.", "Nothing, keep up the good work.", "Can't think of anything.",
    "All fine.", "More parking spaces.", "Cheaper parking.", "Better signposting to the clinic.",
    "The TV in the bay only had two channels.", "Free wifi would be nice.", "More chairs for visitors.",
    "Keep doing what you are doing.", "Nothing to add.", "Everything was great.",
)
FFT_IMPROVE: dict[str, tuple[str, ...]] = {
    "falls": (
        "My mum fell on the ward and nobody saw it happen.",
        "Dad had a fall at night and was on the floor for a while before anyone came.",
        "My father fell twice during his stay. More supervision please.",
        "Mum slipped in the bathroom and hurt her arm.",
        "He fell out of bed in the night, the bed rails were down.",
        "Staff need to watch patients who are at risk of falling.",
    ),
    "pressure_ulcers": (
        "Dad developed a pressure sore on his heel.",
        "Mum was not repositioned and got a bed sore.",
        "Pressure ulcer on my husband's bottom was only noticed when we pointed it out.",
        "My wife was left in the chair all day and now has a sore bottom.",
    ),
    "medication": (
        "My tablets were late every morning.",
        "Missed my insulin twice.",
        "Had to keep asking for my pain relief.",
        "They gave me the wrong dose of my medication.",
        "Make sure patients get their medicines on time.",
    ),
    "deterioration_sepsis": (
        "My dad got much worse overnight before a doctor came.",
        "Observations were not done for hours even though he was clearly unwell.",
        "We raised concerns that mum was deteriorating and were ignored until she needed ITU.",
        "She was septic and staff did not recognise it.",
    ),
    "diagnosis": (
        "They missed a fracture on my first visit.",
        "The diagnosis was wrong and I had to come back.",
        "I am still waiting for someone to tell me my test results.",
        "The doctor did not examine me properly and missed the problem.",
    ),
    "communication": (
        "Nobody told us what the plan was.",
        "We were kept in the dark about mum's condition.",
        "Better communication between doctors and family please.",
        "Conflicting information from different staff.",
        "We were not kept informed when she moved bays.",
        "No updates for two days even though I phoned.",
    ),
    "discharge_transfer": (
        "Discharge took all day.",
        "He was sent home too early and ended up back in hospital.",
        "The discharge was chaotic and the care package was not sorted.",
        "Sent home at midnight with no transport home.",
        "Discharged without a letter for the GP.",
        "Planning for discharge should start earlier.",
    ),
    "access_delays": (
        "Waited 6 hours to be seen.",
        "Waiting times are far too long.",
        "My appointment was cancelled twice.",
        "Long wait in the waiting room with no explanation.",
        "Waited hours on a trolley.",
        "Took too long to get an appointment.",
    ),
    "infection": (
        "Staff did not wash their hands between patients.",
        "I caught an infection on the ward.",
        "Gloves were not changed between beds.",
        "Patients with norovirus were not isolated.",
    ),
    "self_harm_suicide": (
        "My son had self-harmed and was left alone.",
        "Needed to see the mental health team sooner.",
        "Nobody seemed to understand she was at risk of suicide.",
    ),
    "maternity_neonatal": (
        "I was left alone for hours during labour.",
        "More midwives needed on the postnatal ward.",
        "Help with breastfeeding was not available.",
        "My concerns about the baby were dismissed.",
    ),
    "surgery_procedures": (
        "My operation was rushed.",
        "The wound was not checked after my surgery.",
        "I was not prepared for what happened in theatre.",
        "The procedure was more painful than I was told.",
    ),
    "nutrition_hydration": (
        "The food was cold.",
        "Dad was not helped to eat his meals.",
        "Water jugs were left out of reach.",
        "Nothing to eat after 6pm.",
        "Better food for patients on special diets.",
    ),
    "dignity_staff_attitude": (
        "One nurse was very rude.",
        "Some staff had a poor attitude.",
        "The doctor was dismissive and patronising.",
        "Mum was left in soiled sheets.",
        "More privacy when being examined.",
        "Receptionist was unfriendly.",
    ),
    "staffing_capacity": (
        "The ward was short-staffed.",
        "Not enough nurses at night.",
        "Call bells were not answered for ages.",
        "Staff were overstretched.",
        "More staff needed.",
    ),
    "equipment_environment": (
        "The ward was noisy at night and I could not sleep.",
        "The bathroom was dirty.",
        "The room was too hot.",
        "Broken equipment on the ward.",
        "The building is tired and cramped.",
    ),
    "records_it": (
        "My notes were lost.",
        "They had the wrong address on my letters.",
        "The computer system was down and nobody could see my history.",
        "Letters never arrived.",
    ),
    "safeguarding": (
        "Safeguarding concerns I raised were ignored.",
        "Mum is a vulnerable adult and nobody checked on her.",
        "I disclosed domestic abuse and was not given any support.",
    ),
    "end_of_life_care": (
        "Dad's last days were not peaceful.",
        "Better end of life care is needed.",
        "Nobody discussed the DNACPR with us.",
        "Palliative care team took days to come.",
    ),
    "violence_restraint": (
        "There was an aggressive patient in the bay and nobody dealt with it.",
        "I did not feel safe because of a violent patient.",
        "My son was restrained for no reason.",
    ),
    "vte": (
        "I was not given my blood thinning injections.",
        "I developed a blood clot after going home.",
        "The stockings were never put on.",
    ),
}

INQUEST_CONCERNS: dict[str, tuple[str, ...]] = {
    "falls": (
        "The deceased fell twice on the ward. The multifactorial falls risk assessment was not reviewed after the first fall and bed rails were used without assessment.",
        "Following an unwitnessed fall at night, the patient remained on the floor for over an hour because a flat lifting device was not available.",
        "The evidence showed that falls prevention measures, including a sensor alarm and enhanced supervision, were recommended but not put in place.",
    ),
    "pressure_ulcers": (
        "A category 4 pressure ulcer developed over three weeks. Skin inspections and repositioning were not carried out at the frequency set out in the care plan.",
    ),
    "medication": (
        "Time-critical medicines for Parkinson’s disease were omitted on five occasions; the ward did not hold stock and there was no escalation to pharmacy.",
        "The deceased was prescribed a tenfold excess dose of morphine; the electronic prescribing system did not flag the dose.",
    ),
    "deterioration_sepsis": (
        "NEWS2 scores of 7 and above were recorded on three occasions but were not escalated to a doctor, contrary to the Trust’s escalation policy.",
        "There was a delay of more than four hours in recognising sepsis and in giving antibiotics after the patient deteriorated on the ward.",
        "Observations were not repeated at the frequency required by the patient’s early warning score and the outreach team was not contacted.",
        "Nursing staff did not recognise the signs of deterioration overnight and the medical team was not called until the patient was in cardiac arrest.",
    ),
    "diagnosis": (
        "A CT scan showing a bowel perforation was reported but the report was not seen by the treating team for 36 hours, delaying the diagnosis.",
        "The deceased attended the Emergency Department twice; on the first attendance a missed fracture was not identified.",
    ),
    "communication": (
        "The family’s concerns were not communicated to the medical team and the clinical handover between shifts omitted key information.",
        "There was no effective communication between the ward and the community team about the deceased’s needs.",
    ),
    "discharge_transfer": (
        "The deceased was discharged late at night without a care package in place and without the family being told.",
        "A transfer letter did not accompany the deceased when transferred to another hospital.",
    ),
    "access_delays": (
        "The deceased waited over 40 hours in the Emergency Department for a bed; ambulance handover delays meant she was held in an ambulance for 3 hours.",
    ),
    "infection": (
        "An outbreak of C. difficile was not declared promptly and the deceased was not isolated when symptoms began.",
    ),
    "self_harm_suicide": (
        "The risk of suicide was not reassessed after the deceased disclosed thoughts of self-harm, and a ligature point in the ward bathroom had been identified in an audit but not removed.",
        "The deceased left the Emergency Department before a mental health assessment and there was no system to alert the liaison team.",
    ),
    "maternity_neonatal": (
        "The CTG was misinterpreted for over an hour and there was a delay in escalating to the obstetric registrar; the baby was born in poor condition.",
        "There were too few midwives on the delivery suite on the night of the baby’s birth.",
    ),
    "surgery_procedures": (
        "A nasogastric tube was misplaced and feed started without confirmation of position by pH testing or X-ray.",
        "The surgical safety checklist was not completed before the operation and the wrong site was marked.",
    ),
    "nutrition_hydration": (
        "Food and fluid charts were incomplete and the deceased’s dehydration and malnutrition were not recognised.",
    ),
    "dignity_staff_attitude": (
        "The family described staff as dismissive and the deceased’s privacy and dignity were not maintained.",
    ),
    "staffing_capacity": (
        "The ward was short-staffed on the night in question, with reliance on agency staff unfamiliar with the patients.",
    ),
    "equipment_environment": (
        "The suction equipment on the resuscitation trolley was faulty and had not been identified at the daily check.",
    ),
    "records_it": (
        "Paper and electronic health records held different allergy information, and key documentation was missing from the deceased’s notes.",
    ),
    "safeguarding": (
        "Safeguarding referrals about the deceased were not shared between agencies, and a capacity assessment was not completed when she declined care.",
    ),
    "end_of_life_care": (
        "A syringe driver was not in place although it had been recognised that the deceased was approaching the end of life.",
    ),
    "violence_restraint": (
        "The deceased was restrained in the prone position for over ten minutes and physical health checks were not carried out after rapid tranquillisation.",
    ),
    "vte": (
        "A VTE risk assessment was not completed on admission and thromboprophylaxis was not given; the deceased died of a pulmonary embolism.",
    ),
}

SJR_COMMENTS: dict[str, tuple[str, ...]] = {
    "assessment": (
        "Initial assessment incomplete; no senior review for 14 hours after admission.",
        "Investigations not requested that would have been expected for this presentation.",
    ),
    "medication": (
        "Time-critical medicines omitted on several occasions.",
        "IV fluid prescription not reviewed despite worsening renal function.",
    ),
    "treatment": (
        "Treatment plan not updated after consultant review; no clear ceiling of care documented.",
    ),
    "infection": ("Antibiotics not reviewed at 48 hours; C. difficile acquired on ward.",),
    "procedure": ("Complication of procedure not recognised for 24 hours.",),
    "monitoring": (
        "NEWS2 of 7 not escalated for several hours; failure to recognise deterioration.",
        "Observations not done at prescribed frequency overnight; deterioration not acted upon.",
        "Sepsis screen triggered but antibiotics delayed by over 3 hours.",
    ),
    "resuscitation": ("Delay in crash call; resuscitation equipment incomplete.",),
    "other": ("Communication with family poor throughout admission.",),
}
SJR_GOOD_CARE = (
    "Good care throughout. Appropriate recognition of dying and well-documented conversations with family.",
    "Care in line with expected standards. Timely senior review and clear treatment escalation plan.",
    "Excellent end of life care with anticipatory medicines in place.",
    "Adequate care; minor documentation gaps did not affect outcome.",
    "Death expected; palliative approach agreed with patient and family.",
)

AUDIT_ACTIONS = (
    "Share results at directorate governance meeting",
    "Update ward induction pack",
    "Deliver teaching session to junior doctors",
    "Revise local guideline and circulate",
    "Add prompt to electronic patient record",
    "Monthly spot-check by ward manager",
    "Include in nursing preceptorship programme",
    "Re-audit in 12 months",
    "Present findings at trust-wide learning event",
    "Create poster for clinical areas",
)

# Names keep their accents and apostrophes: the inquest register is Windows-1252 encoded.
FIRST_NAMES = (
    "Margaret", "John", "Zoë", "Renée", "Patrick", "Aoife", "José", "Chloé", "William", "Sinéad",
    "Dorothy", "Mohammed", "Hélène", "Peter", "Seán", "Barbara", "André", "Joan", "Frédéric", "Gwen",
)
SURNAMES = (
    "O’Connor", "Smith", "Brontë", "Kowalski", "D’Souza", "Hughes", "Müller", "Ó Briain", "Patel",
    "Ní Mhaoláin", "Thompson", "Lefèvre", "Walsh", "Clarke", "Nuñez", "Evans", "O’Reilly", "Begum",
)
CORONER_AREAS = (
    "Northshire", "Northshire", "Northshire", "Ashby and Fenwold", "Ashby and Fenwold",
    "City of Millbrook", "Eastmoor",
)
INQUEST_NOTES = (
    "Family represented by solicitor.",
    "Trust’s witness statements submitted to the coroner’s officer.",
    "Pre-inquest review hearing held; coroner requested the SJR.",
    "Awaiting post-mortem report.",
    "Jury inquest (Article 2).",
    "Coroner’s officer: Ms Hélène Dubois.",
)
