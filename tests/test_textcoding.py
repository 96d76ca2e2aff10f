"""The shipped FFT comment coder: loads without the training data, codes obvious comments
sensibly, never codes a word by a fragment of another, meets its figures on the challenge
set, leaves blanks uncoded; the v6 -> theme mapping and the metric definitions; the narrative
classifier learnt from the trust's coded records and its nightly measurement."""

from __future__ import annotations

import re
from collections import Counter
from itertools import pairwise
from pathlib import Path

import duckdb
import numpy as np
import pytest

from pipelines.lib.reference import layered
from pipelines.lib.settings import DEMO_PROFILE_DIR
from pipelines.textcoding import logistic, narrative, narrative_memo, narrative_warehouse
from pipelines.textcoding.evaluate_fft import (
    CHALLENGE_SET,
    challenge_results,
    read_challenge_set,
)
from pipelines.textcoding.fft_data import question_kind
from pipelines.textcoding.fft_features import analysed, normalise, word_char_terms
from pipelines.textcoding.fft_metrics import category_figures
from pipelines.textcoding.fft_model import MODEL_DIR, code_comments, load_coder
from pipelines.textcoding.fft_rules import (
    ALWAYS_DECIDING,
    LEXICON,
    NARROWER_DECIDING,
    NOT_APPLICABLE,
    RULE_EXCEPTIONS,
    deciding_matrix,
    is_not_applicable,
    rule_matrix,
)
from pipelines.textcoding.train_fft import RARE_MOVE_GRID, VERSION, tune_thresholds
from pipelines.textcoding.wordpiece import WordPiece, basic_words

IMPROVE = "What could we do better?"
GOOD = "What was good?"
THEMES = {
    "falls", "pressure_ulcers", "medication", "deterioration_sepsis", "diagnosis",
    "communication", "discharge_transfer", "access_delays", "infection", "self_harm_suicide",
    "maternity_neonatal", "surgery_procedures", "nutrition_hydration", "dignity_staff_attitude",
    "staffing_capacity", "equipment_environment", "records_it", "safeguarding",
    "end_of_life_care", "violence_restraint", "vte",
}

# (comment, FFT rating, question, a category it must get, sentiment range)
OBVIOUS = [
    ("The nurses were rude and dismissive", 5, IMPROVE,
     "Staff manner & personal attributes", (4, 5)),
    ("Waited 5 hours in A&E before anyone saw me", 4, IMPROVE, "Timeliness of care", (4, 5)),
    ("Discharged without my medication", 5, IMPROVE, "Discharge", (3, 5)),
    ("Discharged without my medication", 5, IMPROVE,
     "Supplying & understanding medication", (3, 5)),
    ("The food was cold and tasteless", 4, IMPROVE,
     "Food & drink provision & facilities", (4, 5)),
    # Once a known miss (the training comments say "clean" far more than "dirty"); the
    # framework lexicon rules put it right.
    ("The ward was dirty and the toilets were filthy", 5, IMPROVE,
     "Cleanliness, tidiness & infection control", (4, 5)),
    ("I could not get through on the phone, it rang for ages", 4, IMPROVE,
     "Contacting services", (3, 5)),
    ("Excellent care, thank you so much to everyone", 1, GOOD,
     "Positive experience & gratitude", (1, 2)),
    ("There were not enough staff on the ward at night", 4, IMPROVE,
     "Number & deployment of staff", (3, 5)),
]


@pytest.fixture(scope="module")
def coded():
    return code_comments([c[0] for c in OBVIOUS], [c[1] for c in OBVIOUS],
                         [c[2] for c in OBVIOUS])


def test_shipped_model_loads_with_its_provenance():
    coder = load_coder(MODEL_DIR)
    training = coder.metadata["training"]
    assert len(training["data_sha256"]) == 64
    assert training["split"]["held_out_respondents_sha256"]
    assert coder.metadata["held_out"]["micro_f1"] > 0.6
    assert "Labelling not possible" not in coder.categories
    assert sum(f.stat().st_size for f in MODEL_DIR.iterdir()) < 8 * 2**20


@pytest.mark.parametrize(("comment", "rating", "question", "category", "sentiment"), OBVIOUS,
                         ids=lambda v: str(v)[:40])
def test_obvious_comments_get_their_category_and_sentiment(coded, comment, rating, question,
                                                           category, sentiment):
    row = [c[0] for c in OBVIOUS].index(comment)
    low, high = sentiment
    assert category in coded["categories"][row]
    assert low <= coded["sentiment"][row] <= high


def test_scores_agree_with_the_categories(coded):
    scores = coded["scores"].struct.unnest()
    for row, categories in enumerate(coded["categories"].to_list()):
        passing = [name for name in scores.columns if scores[name][row] >= 0]
        assert set(passing) <= set(categories)


def test_each_category_comes_with_a_confidence_above_one_half(coded):
    for categories, confidences in zip(coded["categories"].to_list(),
                                       coded["confidences"].to_list(), strict=True):
        assert len(confidences) == len(categories)
        assert all(0.5 <= c <= 1 for c in confidences)


def test_blank_comments_get_no_category_and_no_sentiment():
    result = code_comments(["", None, "Did not answer", "   ", float("nan"), "Staff were kind"],
                           ratings=[1, None, 2, 3, 4, 1])
    assert result["categories"].to_list()[:5] == [[]] * 5
    assert result["sentiment"].to_list()[:5] == [None] * 5
    assert result["categories"][5].len() > 0
    assert result.height == 6


def test_emoji_answers_are_read_as_the_feeling_they_show():
    # A third probe found "👍" and "😡😡😡" taken for punctuation, so for no answer.
    result = code_comments(["👍", "😡😡😡", "❤️❤️"], ratings=[1, 5, 1],
                           questions=["Why?"] * 3)
    assert [categories for categories in result["categories"].to_list()] == [
        ["Positive experience & gratitude"], ["Negative experience & dissatisfaction"],
        ["Positive experience & gratitude"]]
    assert result["sentiment"].to_list()[0] <= 2 <= 3 <= result["sentiment"].to_list()[1]


def test_questions_and_settings_that_are_not_text_are_read_as_text():
    # A question or setting column typed as numbers (a survey's question number, a service
    # code) raised AttributeError / TypeError.
    result = code_comments(["Waited five hours to be seen"], [4], questions=[2], settings=[7])
    assert "Timeliness of care" in result["categories"][0]


def test_no_comments_or_only_blank_ones_code_to_nothing():
    # A trust that sends no FFT (or a file with no "could be better" answers) codes nothing.
    assert code_comments([]).height == 0
    assert code_comments(["", None]).get_column("categories").to_list() == [[], []]


def test_ratings_and_questions_must_match_the_comments():
    with pytest.raises(ValueError, match="same length"):
        code_comments(["Lovely staff", "Long wait"], ratings=[1])


def test_every_v6_category_maps_to_known_themes_or_none():
    """Every category the model can assign is reviewed in the theme code map seed."""
    rows = [row for row in layered("theme_code_map", DEMO_PROFILE_DIR)
            if row["code_field"] == "v6_category"]
    mapped = {row["native_code"] for row in rows}
    assert set(load_coder(MODEL_DIR).categories) | {"Labelling not possible"} <= mapped
    assert {row["theme_id"] for row in rows if row["theme_id"]} <= THEMES


@pytest.mark.parametrize(("question", "kind"), [
    ("What was good?", "what_good"),
    ("How could we improve?", "could_improve"),
    ("FFT Why?", "nonspecific"),
    ("Please can you tell us why you gave your answer and what we could have done better?",
     "nonspecific"),
    (None, "nonspecific"),
])
def test_question_kind(question, kind):
    assert question_kind(question) == kind


def test_wordpiece_words_split_punctuation_and_strip_accents():
    assert basic_words("Waited 5hrs in A&E, café!") == [
        "waited", "5hrs", "in", "a", "&", "e", ",", "cafe", "!"]


def test_macro_f1_averages_only_categories_present():
    truth = np.array([[1, 0, 0], [0, 1, 0]])
    predicted = np.array([[1, 0, 0], [0, 0, 1]])
    figures = category_figures(truth, predicted, ["a", "b", "c"])
    assert figures["categories_in_macro"] == 2
    assert figures["macro_f1"] == pytest.approx(0.5)
    assert figures["micro_f1"] == pytest.approx(0.5)


def test_rare_categories_thresholds_move_by_their_own_fraction():
    """A category with fewer than RARE_POSITIVES training positives has its F1-optimal cut
    scaled by rare_move, the others by move; the shipped model records both choices."""
    rng = np.random.default_rng(0)
    labels = np.zeros((400, 2), dtype=np.int8)
    labels[:60, 0] = 1  # frequent
    labels[:8, 1] = 1  # rare
    scores = rng.normal(-2.0, 1.0, (400, 2)) + 3.0 * labels
    full = tune_thresholds(scores, labels, move=1.0, rare_move=1.0)
    assert np.all(full != 0)
    assert tune_thresholds(scores, labels, move=0.5, rare_move=0.0) == pytest.approx(
        [0.5 * full[0], 0.0])
    chosen = load_coder(MODEL_DIR).metadata["training"]["selection"]["chosen"]
    assert chosen["rare_threshold_move"] in RARE_MOVE_GRID
    assert load_coder(MODEL_DIR).metadata["version"] == VERSION


# Systematic errors found on the challenge set and on trusts' files: everyday comments whose
# words share letters with a category's words. (comment, category it must not get,
# category it must get or None)
NOT_BY_A_FRAGMENT = [
    ("TV charges too high", "Discharge", "Electronic entertainment"),
    ("parking charges", "Discharge", "Parking"),
    ("Parking charges are too expensive", "Discharge", "Parking"),
    ("The car park charges are a rip off", "Discharge", "Parking"),
    ("I was charged for the TV even though it didn't work", "Discharge",
     "Electronic entertainment"),
    ("Nurses in charge were too busy to speak to me", "Discharge", None),
    ("I was charged for a prescription I should have got free", "Discharge", None),
    ("Hospedia screens are overpriced", "Discharge", "Electronic entertainment"),
]


@pytest.mark.parametrize(("comment", "wrong", "right"), NOT_BY_A_FRAGMENT,
                         ids=lambda v: str(v)[:30])
def test_no_word_is_coded_by_a_fragment_of_another(comment, wrong, right):
    [categories] = code_comments([comment], [4], [IMPROVE])["categories"].to_list()
    assert wrong not in categories
    if right:
        assert right in categories


@pytest.mark.parametrize("comment", ["Discharged too early", "Waited all day in the discharge "
                                     "lounge", "The discharge letter never reached my GP",
                                     "dischared with out my medecine"])
def test_discharge_is_still_coded_discharge(comment):
    [categories] = code_comments([comment], [4], [IMPROVE])["categories"].to_list()
    assert "Discharge" in categories


@pytest.mark.parametrize(("comment", "category"), [
    # Systematic errors the challenge set found: "N/A" read as a complaint, Not assigned
    # given beside a real category, thanks in Welsh or Polish not read as thanks.
    ("N/A", "Not assigned"),
    ("parking charges", "Parking"),
    ("Diolch yn fawr, gofal ardderchog", "Positive experience & gratitude"),
    ("Bardzo dobra opieka, dziękuję", "Positive experience & gratitude"),
    ("Couldn't find anywhere to park", "Parking"),
    # A third probe: a call bell answered or not was never Staff responsiveness (9 of 9).
    ("Pressed the buzzer and waited 30 minutes", "Staff responsiveness"),
    ("Call bell answered very slowly at night", "Staff responsiveness"),
    ("Nurses answered the call bell quickly", "Staff responsiveness"),
    # A fourth probe (6 December, late), each confirmed on 6 to 10 variants.
    ("Struggled to park, went round for 25 minutes", "Parking"),
    ("Couldn't find a space and missed my appointment", "Parking"),
    ("It costs 8 pounds to park for a two hour appointment", "Parking"),
    ("Saw a different physio at every appointment", "Staff continuity"),
    ("Never saw the same midwife twice during my pregnancy", "Staff continuity"),
    ("Health visitors keep changing", "Staff continuity"),
    ("Waited 6 weeks for a splint for my wrist", "Provision of medical equipment"),
    ("Not enough breast pumps for all the mums on the unit", "Provision of medical equipment"),
    ("Still waiting for my replacement hearing aid", "Provision of medical equipment"),
    ("The syringe driver kept alarming", "Provision of medical equipment"),
    ("So cold on the ward at night, I asked for extra blankets", "Sensory experience"),
    ("Couldn't get a cuppa after 9pm", "Food & drink provision & facilities"),
    ("The toilets were disgusting", "Cleanliness, tidiness & infection control"),
])
def test_framework_rules_put_right_what_the_challenge_set_found(comment, category):
    [categories] = code_comments([comment], [3], [IMPROVE])["categories"].to_list()
    assert category in categories
    if category != "Not assigned":
        assert "Not assigned" not in categories
    else:
        assert categories == ["Not assigned"]


@pytest.mark.parametrize(("comment", "wrong"), [
    # An independent probe (6 December): idioms and everyday words that added a category.
    ("I lost my baby at 20 weeks and nobody called", "Patient records"),
    ("My complaint fell on deaf ears", "Equality, Diversity & Inclusion"),
    ("They turned a blind eye", "Equality, Diversity & Inclusion"),
    ("A culture of blame", "Equality, Diversity & Inclusion"),
    ("My telephone calls were never returned", "Appointment method"),
    ("The ambulance handover took 4 hours", "Staff continuity"),
    ("The oxygen mask hurt", "Cleanliness, tidiness & infection control"),
    # A second probe (6 December, evening): a category's word used about something else,
    # each confirmed on five to ten variants (5 of 5 to 9 of 9 wrongly coded). ("Internet
    # booking was easy" and "We need more staff like Jo" are still given Electronic
    # entertainment and Number of staff by the model's own word weights, learnt from the
    # training comments: the challenge set lists them.)
    ("Finally seen after 6 hours", "Out of hours support (community services)"),
    ("Midwives were there for me 24/7", "Out of hours support (community services)"),
    ("Waited 5 hours for my tablets to take home", "Electronic entertainment"),
    ("Section 5 of the leaflet was confusing", "Mental Health Act"),
    ("Three days after admission I still hadn't seen a doctor", "Admission"),
    ("There was no bed for parents on the children's ward", "Admission"),
    ("Dads were sent home at 9pm which is unfair", "Discharge"),
    ("Practice nurse changed my dressings quickly", "Provision of medical equipment"),
    ("The nurse didn't wash her hands", "Patient appearance & grooming"),
    ("The showers were broken for a week", "Patient appearance & grooming"),
    ("The midwife cleaned me up after the birth", "Cleanliness, tidiness & infection control"),
    ("Only 4 sessions of physio is not enough", "Psychological therapy arrangements"),
    ("I would love to thank the nurse in person", "Appointment method"),
    ("The staff at my local hospital were lovely", "Service location"),
    ("They guessed the gender wrong at the 20 week scan", "Equality, Diversity & Inclusion"),
    ("Learned from the physio how to use my crutches", "Learning organisation"),
    ("My pain got worse but nothing changed with my meds", "Learning organisation"),
    # A third probe (6 December, night), each confirmed on 5 to 14 variants.
    ("My referral got lost and I had to start again", "Service location"),
    ("The hygienist was lovely and very thorough", "Cleanliness, tidiness & infection control"),
    ("Nobody checked the discharge from my caesarean wound", "Discharge"),
    ("Ear discharge has carried on for months", "Discharge"),
    ("For the record the night staff were brilliant", "Patient records"),
    ("I experienced a delay of two hours", "Competence & training"),
    ("The porter helped me onto the trolley", "Impact of treatment/ care"),
    ("Turned out to be some kind of virus", "Staff manner & personal attributes"),
    ("We heard the heartbeat at 12 weeks", "Staff listening, understanding & involving patients"),
    ("Visiting hours are too short", "Timeliness of care"),
    ("Treated my water infection quickly", "Food & drink provision & facilities"),
    ("The surgery closes for lunch", "Food & drink provision & facilities"),
    ("They shaved my arm for the drip", "Patient appearance & grooming"),
    ("Waited months for my dentures to be made", "Patient appearance & grooming"),
    ("The nurse struggled to put my catheter in", "Provision of medical equipment"),
    ("The buzzer on the door was broken", "Staff responsiveness"),
    ("Far too hot on the ward at night", "Food & drink provision & facilities"),
    ("The waiting room was too hot and stuffy", "Food & drink provision & facilities"),
    # A fourth probe (6 December, late), each confirmed on 6 to 10 variants.
    ("The scan showed no signs of the cancer coming back", "Service location"),
    ("All tests clear, no signs of infection", "Service location"),
    ("Clear directions on the label", "Service location"),
    ("The directions on the box didn't match what the doctor said", "Service location"),
    ("She cleaned my ears out with the micro suction", "Cleanliness, tidiness & infection control"),
    ("The dentist cleaned my teeth really gently", "Cleanliness, tidiness & infection control"),
    ("A sticky plaster with a dinosaur on it", "Cleanliness, tidiness & infection control"),
    ("Told to get dressed and go home without seeing the doctor", "Patient appearance & grooming"),
    ("Nowhere private to get dressed after the scan", "Patient appearance & grooming"),
    ("The recovery nurses were lovely", "Impact of treatment/ care"),
    ("Waiting area is cold and draughty", "Food & drink provision & facilities"),
], ids=lambda v: str(v)[:30])
def test_idioms_do_not_add_a_category(comment, wrong):
    [categories] = code_comments([comment], [4], [IMPROVE], ["inpatient"])[
        "categories"].to_list()
    assert wrong not in categories


@pytest.mark.parametrize(("comment", "category"), [
    # What the narrowed rules still give (the second probe's fixes must not cost these).
    ("No one answers the phone after 5pm", "Out of hours support (community services)"),
    ("No internet on the ward", "Electronic entertainment"),
    ("I was sent home too early without my tablets", "Discharge"),
    ("They ran out of dressings", "Provision of medical equipment"),
    ("Nobody washed my hair for a week", "Patient appearance & grooming"),
    ("The toilets were dirty", "Cleanliness, tidiness & infection control"),
    ("Only 6 sessions of CBT is not enough", "Psychological therapy arrangements"),
    ("I complained last year and nothing has changed", "Learning organisation"),
    ("You need more staff on nights", "Number & deployment of staff"),
    ("We got lost trying to find the clinic", "Service location"),
    ("Poor hygiene on the ward", "Cleanliness, tidiness & infection control"),
    ("Nobody helped him shave for a week", "Patient appearance & grooming"),
    ("Nobody cleaned his dentures", "Patient appearance & grooming"),
    ("We ran out of catheters at home", "Provision of medical equipment"),
    ("My dinner was cold and there was never a hot drink", "Food & drink provision & facilities"),
    ("The ward was filthy and the bins overflowing", "Cleanliness, tidiness & infection control"),
    ("Nobody helped him get dressed", "Patient appearance & grooming"),
    ("We kept seeing different nurses", "Staff continuity"),
    ("Signs to the clinic were confusing", "Service location"),
], ids=lambda v: str(v)[:30])
def test_the_narrowed_rules_still_code_their_own_words(comment, category):
    [categories] = code_comments([comment], [4], [IMPROVE], ["inpatient"])[
        "categories"].to_list()
    assert category in categories


MHA = "Mental Health Act"


def test_the_mental_health_act_is_coded_only_in_mental_health_services_or_by_its_own_words():
    """An independent probe found a caesarean "section", visiting-time "leave" and "beds"
    coded Mental Health Act (so themed violence and restraint) on maternity and acute
    wards: the labelled comments that teach it are all from mental health services, where
    leave and restrictions are a detained patient's."""
    elsewhere = [("Elective section was cancelled twice", "maternity_birth"),
                 ("C section scar not checked by the community midwife", "community"),
                 ("My husband had to leave at visiting time", "inpatient"),
                 ("Not enough beds", "ae"), ("Beds are uncomfortable", None),
                 ("Visitors should leave earlier", "inpatient")]
    coded = code_comments([c for c, _ in elsewhere], [4] * len(elsewhere),
                          [IMPROVE] * len(elsewhere), [s for _, s in elsewhere])
    assert [MHA in row for row in coded["categories"].to_list()] == [False] * len(elsewhere)
    own_words = code_comments(["I was sectioned in A&E and nobody explained my rights",
                               "More escorted leave please", "More escorted leave please"],
                              [4, 3, 3], [IMPROVE] * 3, ["ae", None, "mental_health"])
    assert [MHA in row for row in own_words["categories"].to_list()] == [True, True, True]
    # In a mental health service the model's reading stands: leave there is a detained
    # patient's.
    [in_service] = code_comments(["Give leave faster"], [4], [IMPROVE], ["Forensic"])[
        "categories"].to_list()
    assert MHA in in_service


def test_out_of_hours_and_choice_rules_do_not_fire_on_nights_or_food_choice():
    coded = code_comments(["My tablets were late every night",
                           "Partners should be allowed to stay overnight",
                           "Cold food and no choice for vegetarians"], [4, 3, 4], [IMPROVE] * 3)
    assert not {"Out of hours support (community services)", "Choice of services"} & {
        c for row in coded["categories"].to_list() for c in row}


def test_character_features_are_word_prefixes_shared_by_no_unrelated_word():
    assert not set(word_char_terms("charges")) & set(word_char_terms("discharge"))
    assert set(word_char_terms("dischared")) & set(word_char_terms("discharge"))
    assert " tv " in word_char_terms("tv")


def test_token_vectors_use_whole_words_only():
    wordpiece = WordPiece(["[UNK]", "tv", "charges", "sur", "##charge", "##s"])
    assert wordpiece.encode("surcharges") == [3, 4, 5]
    assert wordpiece.encode_whole_words("TV surcharges, charges") == [1, 2]


def test_whole_words_found_column_wise_are_those_found_comment_by_comment():
    # \x1c and \v are whitespace to Python's tokeniser: in the vocabulary, a column-wise
    # split reading them as punctuation would find them.
    wordpiece = WordPiece(["[UNK]", "tv", "charges", "!", "a", "b", "cafe", "5", "hours", "&",
                           "e", "##s", "\x1c", "\x0b"])
    texts = ["TV charges!!", "a\x1cb\x1fa", "tab\tb\vb", "Café tv", "5hours & e", "", "##s",
             "[UNK] tv", "日本 tv", "CHARGES\u2028a", "a&e"]
    docs, ids = wordpiece.whole_word_occurrences(texts)
    for doc, text in enumerate(texts):
        assert sorted(ids[docs == doc].tolist()) == sorted(wordpiece.encode_whole_words(text)), text


def _matching_rules(comment: str) -> set[str]:
    row = rule_matrix([normalise(comment)], list(LEXICON))[0]
    return {category for category, hit in zip(LEXICON, row, strict=True) if hit}


def test_framework_rules_are_v6_categories_and_bounded_at_word_edges():
    assert set(LEXICON) <= set(load_coder(MODEL_DIR).categories)
    assert "Discharge" not in _matching_rules("TV charges too high")
    assert "Parking" in _matching_rules("Nowhere to park, car park full")
    assert "Parking" not in _matching_rules("Every aspect of care at Park House")


# Text outside plain ASCII, where Rust's and Python's regex engines could read words apart.
AWKWARD_TEXT = ["café crème ½ x² naïve", "ｆｕｌｌ width parking", "ß straße", "İstanbul",
                "nº 1 test_case under_score", "résumé\u0301 rude", "don't won’t a&e", "❤️ heart",
                "नमस्ते दुनिया", "a‿b zw\u200dj", "ǅ Ⅻ 〇 日本語", "", "a", "n/a", " N / A ",
                "not applicable!", "na", "nah", "diolch yn fawr", "tesekkurler", "n\u00e0"]


def _challenge_and_awkward_text() -> list[str]:
    items = read_challenge_set(CHALLENGE_SET, load_coder(MODEL_DIR).categories)
    return [normalise(c) for c in [item.comment for item in items] + AWKWARD_TEXT]


def test_words_are_read_in_polars_as_python_reads_them():
    """Features are worked out in polars; the coder was specified (and tested) as Python's
    `\\w+` words, their bigrams, `word_char_terms` prefixes and words after their question's
    kind: both must give each text the same terms, as often."""
    normalised = _challenge_and_awkward_text()
    words = [re.findall(r"\w+(?:[&'’]\w+)*", text) for text in normalised]
    kinds = [("what_good", "could_improve", "nonspecific")[i % 3] for i in range(len(words))]
    python = {
        "words": [Counter(w + [" ".join(pair) for pair in pairwise(w)]) for w in words],
        "chars": [Counter(t for word in w for t in word_char_terms(word)) for w in words],
        "question_words": [Counter(f"{kind}:{word}" for word in w)
                           for kind, w in zip(kinds, words, strict=True)],
    }
    for analyser, expected in python.items():
        found = [Counter() for _ in normalised]
        for doc, term in analysed(normalised, analyser, kinds).iter_rows():
            found[doc][term] += 1
        assert found == expected, analyser


def test_rules_match_in_polars_as_they_read_in_python():
    """The rules are matched by Rust's regex engine (polars) and written as Python patterns:
    both must agree, comment by comment, including on text outside plain ASCII."""
    normalised = _challenge_and_awkward_text()
    for rules in (LEXICON, NARROWER_DECIDING, ALWAYS_DECIDING):
        python = np.array([[bool(re.search(rules[c], text))
                            and not re.search(RULE_EXCEPTIONS.get(c, "(?!)"), text)
                            for c in rules] for text in normalised])
        assert (rule_matrix(normalised, list(rules), rules).astype(bool) == python).all()
    python = np.array([bool(re.search(NOT_APPLICABLE, text)) for text in normalised])
    assert (is_not_applicable(normalised) == python).all()
    assert is_not_applicable(["n/a", "not applicable!", "nah"]).tolist() == [True, True, False]


def test_categories_without_training_comments_are_coded_by_their_rule():
    coder = load_coder(MODEL_DIR)
    untrained = set(coder.metadata["untrained_categories"])
    assert {"Parking", "Choice of services", "Out of hours support (community services)"} \
        <= untrained
    assert untrained <= set(coder.metadata["rule_decided_categories"])
    coded = code_comments(["No parking spaces at all", "I was not given a choice of hospital",
                           "No one answers at weekends, no out of hours support"],
                          [4, 4, 4], [IMPROVE] * 3)
    assert "Parking" in coded["categories"][0]
    assert "Choice of services" in coded["categories"][1]
    assert "Out of hours support (community services)" in coded["categories"][2]
    # A category its rule added sits at the model's cut.
    assert min(coded["confidences"][0]) >= 0.5


# Everyday comments that only mention a rule-decided category's subject (found on the public
# FFT comments): the narrower deciding rules (fft_rules.NARROWER_DECIDING) must not add it.
# ("Covid restrictions" is still Mental Health Act at a poor rating: the model learnt it from
# training comments about restrictions on mental health wards; README.)
MENTIONS_ONLY = [
    ("Because I was in a lot of pain", "Pain management"),
    ("I admit I was anxious but the staff were great", "Admission"),
    ("Prompt friendly staff, not neglected, always smiling", "Safeguarding concerns?"),
    ("The phone service cuts off all the time", "Funding & use of financial resources"),
    ("More physio at weekends please", "Out of hours support (community services)"),
    ("The district nurse dressed my leg ulcer and it has healed",
     "Patient appearance & grooming"),
    ("I am very disabled and the transport service is a godsend",
     "Equality, Diversity & Inclusion"),
    ("Helped me in my wheelchair to the places I had to go", "Provision of medical equipment"),
    ("Hard to find any faults", "Service location"),
]
# What the narrower rules still decide.
STILL_DECIDED = [
    ("No pain relief for hours", "Pain management"),
    ("Waited 12 hours for a bed", "Admission"),
    ("Nobody helped me shower for days", "Patient appearance & grooming"),
    ("No support at weekends, nobody answers the crisis line",
     "Out of hours support (community services)"),
]


def test_a_rule_decided_category_is_not_given_for_a_mere_mention():
    cases = MENTIONS_ONLY + STILL_DECIDED
    normalised = [normalise(t) for t, _ in cases]
    categories = load_coder(MODEL_DIR).categories
    deciding = deciding_matrix(normalised, categories, rule_matrix(normalised, categories))
    decided = [bool(deciding[i, categories.index(c)]) for i, (_, c) in enumerate(cases)]
    assert decided == [False] * len(MENTIONS_ONLY) + [True] * len(STILL_DECIDED)
    # And the coder does not give them either, but for one the model itself learnt: 8 of
    # the 41 training comments with "pain" are Pain management, and to "what could we do
    # better?" at a poor rating 3.5.0 gives it to "Because I was in a lot of pain" (on the
    # public file it gives Pain management to 10 comments against 9 so labelled).
    texts = [t for t, _ in cases]
    coded = code_comments(texts, [4] * len(texts), [IMPROVE] * len(texts))["categories"]
    given = dict(zip(texts, coded.to_list(), strict=True))
    assert [(t, c) for t, c in MENTIONS_ONLY if c in given[t]] == [MENTIONS_ONLY[0]]
    assert [(t, c) for t, c in STILL_DECIDED if c not in given[t]] == []


def test_text_speak_is_read_as_the_words_it_stands_for():
    assert normalise("W8ED 6hrs, no1 came, pls help u/s") == \
        "waited 6 hours, no one came, please help u/s"
    texts = ["w8ed 4hrs 2 b seen", "appt cancelled again"]
    coded = code_comments(texts, [4, 4], [IMPROVE, IMPROVE])["categories"].to_list()
    assert "Timeliness of care" in coded[0]
    assert "Appointment arrangements" in coded[1]


def test_a_word_in_another_sense_is_read_as_that_sense_and_only_there():
    """One comment per kind of SENSES word (a hot or cold place, a syringe driver, a body's
    discharge, a water infection, "kind of"), and comments whose words are in their usual
    sense."""
    readings = {
        "The ward was far too HOT": "the ward was far too overheated",
        "Boiling in the bay": "overheated in the bay",
        "Freezing on the ward, no blankets": "chilly on the ward, no blankets",
        "Caf\u00e9 fine, the bay is cold and damp": "cafe fine, the bay is chilly and damp",
        "the syringe driver alarmed": "the syringe pump alarmed",
        "ear discharge not checked": "ear fluid not checked",
        "treated for a water infection": "treated for a urine infection",
        "kind of rushed": "sort of rushed",
        "Nurses were kind": "nurses were kind",
        "hot food was cold": "hot food was cold",
    }
    assert {text: normalise(text) for text in readings} == readings


def test_a_car_park_is_parking_and_a_car_alone_is_transport():
    """In the training comments "car" is hospital transport; 3.5.0's words after their
    question gave "car park charges" Transport until "car park" was read as one word."""
    assert normalise("Car Parks and car parking, the car") == "carparks and parking, the car"
    texts = ["Car park charges are extortionate", "Charges for the car park should be scrapped",
             "The car park is always full", "The car was late picking me up"]
    coded = code_comments(texts, [4] * 4, [IMPROVE] * 4)["categories"].to_list()
    transport = "Transport to/ from services"
    assert [("Parking" in c, transport in c) for c in coded] == [(True, False)] * 3 + [
        (False, True)]


def test_what_nothing_means_follows_the_question_it_answers():
    """At the same neutral rating, "Nothing" to "what could we do better?" is praise and to
    "what was good?" a complaint."""
    coded = code_comments(["Nothing", "Nothing"], [3, 3], [IMPROVE, GOOD])["categories"]
    assert coded.to_list() == [["Positive experience & gratitude"],
                               ["Negative experience & dissatisfaction"]]


def test_short_everyday_answers_get_their_plain_category_only():
    """3.4.0 added Information directly from staff to "Waiting time" and Competence &
    training to kind nurses; the words after their question no longer do."""
    coded = code_comments(["Waiting time", "The nurses were kind"], [4, 2], [IMPROVE, GOOD])
    assert coded["categories"].to_list() == [["Timeliness of care"],
                                             ["Staff manner & personal attributes"]]


def test_an_answer_is_never_both_a_positive_and_a_negative_experience():
    """The coders gave both to 7 of 5,424 comments; "Nothing" at a middling rating got both."""
    texts = ["Nothing", "Nothing really", "Everything", "Can't think of anything", "No."]
    cases = [(t, rating, question) for t in texts for rating in (2, 3, 4, 7)
             for question in (IMPROVE, GOOD)]
    coded = code_comments(*map(list, zip(*cases, strict=True)))["categories"].to_list()
    assert not [case for case, categories in zip(cases, coded, strict=True)
                if {"Positive experience & gratitude",
                    "Negative experience & dissatisfaction"} <= set(categories)]


@pytest.fixture(scope="module")
def challenge():
    coder = load_coder(MODEL_DIR)
    return challenge_results(coder, read_challenge_set(CHALLENGE_SET, coder.categories))


def test_challenge_set_covers_every_setting_and_hard_case():
    items = read_challenge_set(CHALLENGE_SET, load_coder(MODEL_DIR).categories)
    assert len(items) >= 150
    assert {"inpatient", "a&e", "maternity", "outpatients", "community", "mental health",
            "ambulance", "patient transport", "111"} <= {i.setting for i in items}
    comments = {i.comment.casefold() for i in items}
    assert {"tv charges too high", "parking charges", "n/a", "nothing to improve",
            "great, waited 5 hours to be seen"} <= comments
    assert {"Parking", "Psychological therapy arrangements", "Existence of services",
            "Choice of services", "Out of hours support (community services)",
            "Learning organisation", "Safeguarding concerns?"} <= {
        c for i in items for c in i.categories}


def test_challenge_set_figures_and_the_items_it_gets_wrong(challenge):
    figures, wrong = challenge
    assert figures["micro_f1"] >= 0.6
    assert figures["per_category"]["Parking"]["recall"] >= 0.9
    assert figures["per_category"]["Discharge"]["precision"] >= 0.9
    assert figures["items_exactly_right"] == figures["comments"] - len(wrong)
    for item in wrong:
        assert item["missed"] or item["added"]


def test_challenge_set_with_an_unknown_category_names_row_and_column(tmp_path):
    path = tmp_path / "challenge.csv"
    path.write_text("setting,rating,question,comment,categories,why\n"
                    "inpatient,4,What could we do better?,Cold food,Food; Catering,typo\n")
    with pytest.raises(SystemExit, match=r"row 2, column categories: unknown v6 categories"):
        read_challenge_set(path, load_coder(MODEL_DIR).categories)


NARRATIVES = {
    "falls": ["Patient found on the floor after an unwitnessed fall",
              "Slipped in the bathroom and fell, bruised hip",
              "Fell while walking to the toilet without frame",
              "Found on floor beside bed, fall not witnessed",
              "Patient fell from chair and hit head"],
    "medication": ["Insulin dose omitted at teatime",
                   "Wrong dose of enoxaparin given",
                   "Patient given penicillin despite allergy",
                   "Controlled drug count discrepancy at night",
                   "Time critical medication missed for parkinsons"],
    "communication": ["Family not told about the transfer to another ward",
                      "Handover omitted the fluid restriction",
                      "No interpreter booked for the consent discussion",
                      "Relatives given conflicting information by two teams",
                      "Results not passed on to the GP"],
}


def test_narrative_classifier_learns_themes_from_coded_records():
    texts = [t for theme in NARRATIVES for t in NARRATIVES[theme]] * 3
    labels = [[theme] for theme in NARRATIVES for _ in NARRATIVES[theme]] * 3
    classifier = narrative.train(texts, labels, min_examples=5)
    found = narrative.assigned(classifier, ["Patient fell on the ward at night",
                                            "Dose of insulin omitted"], 0.5)
    assert [theme for theme, _ in found[0]] == ["falls"]
    assert [theme for theme, _ in found[1]] == ["medication"]
    assert all(0.5 <= probability <= 1 for row in found for _, probability in row)
    # A theme with fewer examples than the minimum is not learnt.
    assert narrative.train(texts[:4], labels[:4], min_examples=5) is None


def _sparse_problem(seed: int):
    """Tf-idf-like sparse rows and three labels, one of them rare and one never true."""
    import scipy.sparse as sp

    rng = np.random.default_rng(seed)
    x = sp.random(300, 60, density=0.08, format="csr", random_state=seed)
    signal = np.asarray(x[:, :3].todense())
    labels = np.column_stack([signal[:, 0] + 0.1 * rng.standard_normal(300) > 0.05,
                              signal[:, 1] > 0.5, np.zeros(300, dtype=bool)])
    return x, labels, rng.integers(1, 4, 300).astype(float)


@pytest.mark.parametrize("seed", [0, 1])
def test_themes_fitted_together_reach_liblinears_optimum(seed):
    """fit_labels minimises liblinear's objective (regularised intercept, sample weights), so
    each label's weights are those of scikit-learn's liblinear fitted to convergence."""
    from sklearn.linear_model import LogisticRegression

    x, labels, weights = _sparse_problem(seed)
    w, b = logistic.fit_labels(x, labels, c=4.0, sample_weight=weights, tol=1e-8)
    # A label never true is never given (liblinear cannot fit one class to compare with).
    assert (x @ w[2] + b[2] < 0).all()
    for j in range(2):
        reference = LogisticRegression(C=4.0, solver="liblinear", tol=1e-10, max_iter=10_000)
        reference.fit(x, labels[:, j], sample_weight=weights)
        np.testing.assert_allclose(w[j], reference.coef_[0], atol=1e-4)
        assert b[j] == pytest.approx(reference.intercept_[0], abs=1e-4)


def test_a_sample_weight_counts_as_that_many_identical_rows():
    import scipy.sparse as sp

    x, labels, weights = _sparse_problem(2)
    repeats = weights.astype(int)
    weighted = logistic.fit_labels(x, labels, c=4.0, sample_weight=weights)
    repeated = logistic.fit_labels(sp.csr_matrix(np.repeat(x.toarray(), repeats, axis=0)),
                                   np.repeat(labels, repeats, axis=0), c=4.0)
    np.testing.assert_allclose(weighted[0], repeated[0], atol=1e-3)
    np.testing.assert_allclose(weighted[1], repeated[1], atol=1e-3)


def test_narrative_evaluation_holds_each_record_out_once_and_counts_per_theme():
    keys = [f"incidents:{i}" for i in range(40)]
    assert {narrative.fold_of(k) for k in keys} == set(range(narrative.FOLDS))
    assert narrative.fold_of("incidents:7") == narrative.fold_of("incidents:7")
    figures = narrative.per_theme_figures(
        truth=[["falls"], ["falls"], ["medication"], []],
        predicted=[["falls"], [], ["falls"], []],
        themes=["falls", "medication"]).sort("theme_id")
    assert figures.select("records_with_theme", "records_predicted", "true_positives",
                          "precision", "recall").rows() == [(2, 2, 1, 0.5, 0.5),
                                                            (1, 0, 0, None, 0.0)]
    assert figures["confidence"].to_list() == [pytest.approx(0.5), None]


def test_narrative_evaluation_uses_every_fold_until_enough_records_are_evaluated(monkeypatch):
    texts = [t for theme in NARRATIVES for t in NARRATIVES[theme]] * 8
    labels = [[theme] for theme in NARRATIVES for _ in NARRATIVES[theme]] * 8
    keys = [f"incidents:{i}" for i in range(len(texts))]
    folds = [narrative.fold_of(k) for k in keys]
    evaluated, predicted, used, _ = narrative.out_of_fold(keys, texts, labels, 5, 0.5)
    assert used == narrative.FOLDS and list(evaluated) == list(range(len(texts)))
    # Each record is coded by a classifier that never saw it, and the themes are learnt.
    assert sum(p == label for p, label in zip(predicted, labels, strict=True)) > 0.8 * len(texts)

    monkeypatch.setattr(narrative, "ENOUGH_EVALUATED", 30)
    evaluated, predicted, used, _ = narrative.out_of_fold(keys, texts, labels, 5, 0.5)
    assert used < narrative.FOLDS and len(evaluated) == len(predicted) >= 30
    assert {folds[i] for i in evaluated} == set(range(used))
    assert len(evaluated) == sum(fold < used for fold in folds)


def test_a_large_trust_themes_its_records_with_the_classifier_it_measured(monkeypatch):
    texts = [t for theme in NARRATIVES for t in NARRATIVES[theme]] * 8
    labels = [[theme] for theme in NARRATIVES for _ in NARRATIVES[theme]] * 8
    keys = [f"incidents:{i}" for i in range(len(texts))]
    outside_first = sum(narrative.fold_of(k) != 0 for k in keys)
    trained = []
    original = narrative.train

    def counted(texts, *rest):
        trained.append(len(texts))
        return original(texts, *rest)

    monkeypatch.setattr(narrative, "train", counted)
    # A small trust: every fold measured, then one classifier learns from every record.
    measured = narrative.trained_and_measured(keys, texts, labels, 5, 0.5)
    assert len(trained) == narrative.FOLDS + 1 and trained[-1] == len(texts)
    assert measured.trained_on == len(texts)
    # A large one (the cap reached outside the first fold): the first fold's classifier.
    monkeypatch.setattr(narrative, "MAX_TRAINING_RECORDS", outside_first)
    monkeypatch.setattr(narrative, "ENOUGH_EVALUATED", 1)
    trained.clear()
    measured = narrative.trained_and_measured(keys, texts, labels, 5, 0.5)
    assert trained == [outside_first] and measured.folds == 1
    assert measured.trained_on == outside_first
    assert narrative.assigned(measured.classifier, texts[:3], 0.5)[0]


def test_the_kept_classifier_is_keyed_by_every_module_of_the_package(tmp_path, monkeypatch):
    """A change to any module the features read (here the FFT coder's emoji table, which
    `normalise` uses) is another key: an independent probe found a classifier and its themes
    kept across a change to fft_data.py, which the key did not cover."""
    import shutil

    import pipelines.textcoding as textcoding
    from pipelines.lib import fingerprints

    package = tmp_path / "pipelines" / "textcoding"
    shutil.copytree(Path(textcoding.__file__).parent, package)
    monkeypatch.setattr(fingerprints, "PROJECT_ROOT", tmp_path)
    monkeypatch.setattr(textcoding, "__file__", str(package / "__init__.py"))
    records = (["incidents:1"], ["Patient fell"], [["falls"]], 5, 0.5)
    before = narrative_memo.fingerprint(*records)
    table = package / "fft_data.py"
    table.write_text(table.read_text(encoding="utf-8") + "\n# an emoji more\n", encoding="utf-8")
    assert narrative_memo.fingerprint(*records) != before


def test_a_kept_classifier_is_reused_only_for_the_same_records_and_gives_the_same_themes():
    texts = [t for theme in NARRATIVES for t in NARRATIVES[theme]] * 4
    labels = [[theme] for theme in NARRATIVES for _ in NARRATIVES[theme]] * 4
    keys = [f"incidents:{i}" for i in range(len(texts))]
    key = narrative_memo.fingerprint(keys, texts, labels, 5, 0.5)
    con = duckdb.connect()
    assert narrative_memo.load(con, key) is None
    measured = narrative.trained_and_measured(keys, texts, labels, 5, 0.5)
    narrative_memo.save(con, key, measured)
    kept = narrative_memo.load(con, key)
    assert (kept.trained_on, kept.folds, kept.predicted) == (
        measured.trained_on, measured.folds, measured.predicted)
    assert kept.evaluated.tolist() == measured.evaluated.tolist()
    unseen = ["Patient fell on the ward at night", "Dose of insulin omitted", "No handover"]
    assert np.array_equal(kept.classifier.probabilities(unseen),
                          measured.classifier.probabilities(unseen))
    # Any change to what training reads is another fingerprint: nothing kept is used.
    changed = [
        narrative_memo.fingerprint(keys[::-1], texts[::-1], labels[::-1], 5, 0.5),
        narrative_memo.fingerprint(keys, [*texts[:-1], texts[-1] + "."], labels, 5, 0.5),
        narrative_memo.fingerprint(keys, texts, [*labels[:-1], ["falls"]], 5, 0.5),
        narrative_memo.fingerprint([*keys[:-1], "complaints:1"], texts, labels, 5, 0.5),
        narrative_memo.fingerprint(keys, texts, labels, 6, 0.5),
        narrative_memo.fingerprint(keys, texts, labels, 5, 0.6),
    ]
    assert len({key, *changed}) == len(changed) + 1
    assert all(narrative_memo.load(con, other) is None for other in changed)
    # Only the latest is kept; a night with too few examples keeps "no classifier".
    narrative_memo.save(con, changed[0], narrative.trained_and_measured(
        keys[:4], texts[:4], labels[:4], 5, 0.5))
    assert narrative_memo.load(con, key) is None
    assert narrative_memo.load(con, changed[0]).classifier is None


def _narratives(con, records):
    """A relation shaped as int_record_narratives' rows: (key, date, narrative, themes,
    specifically coded, training example)."""
    con.execute("create or replace table narratives (record_key varchar, source varchar, "
                "record_id varchar, record_date date, narrative varchar, "
                "coded_theme_ids varchar[], is_specifically_coded boolean, "
                "is_training_example boolean)")
    con.executemany("insert into narratives values (?, 'incidents', ?, ?, ?, ?, ?, ?)",
                    [(key, key.split(":")[1], *rest) for key, *rest in records])
    return con.table("narratives")


def test_the_classifier_learns_from_the_most_recent_coded_records_oldest_first():
    con = duckdb.connect()
    records = [(f"incidents:{i}", f"2024-01-{1 + i // 3:02d}", f"narrative {i}", ["falls"],
                i % 4 != 0, i % 4 != 0 and i < 60) for i in range(75)]
    pool = narrative_warehouse.learning_pool(_narratives(con, records), size=10)
    training = sorted((date, key) for key, date, *_, example in records if example)
    assert pool["record_key"].to_list() == [key for _, key in training[-10:]]
    assert pool.columns == ["record_key", "narrative", "coded_theme_ids"]
    assert narrative_warehouse.learning_pool(con.table("narratives")).height == len(training)


def test_records_without_a_specific_code_are_themed_a_chunk_at_a_time_as_all_at_once():
    texts = [t for theme in NARRATIVES for t in NARRATIVES[theme]] * 3
    labels = [[theme] for theme in NARRATIVES for _ in NARRATIVES[theme]] * 3
    classifier = narrative.train(texts, labels, min_examples=5)
    unseen = ["Patient fell on the ward at night", "Dose of insulin omitted",
              "Patient fell on the ward at night", "Family not told about the move",
              "Nothing to say here", "Dose of insulin omitted", "Fall in the bathroom"]
    # Records 0-6 carry no specific code; record 7 does and is not themed.
    records = [(f"incidents:{i}", "2024-02-01", text, [], False, False)
               for i, text in enumerate(unseen)]
    records.append(("incidents:7", "2024-02-01", "Patient fell", ["falls"], True, True))
    con = duckdb.connect()
    narratives = _narratives(con, records)
    expected = sorted((f"incidents:{i}", theme, round(probability, 4))
                      for i, found in enumerate(narrative.assigned(classifier, unseen, 0.5))
                      for theme, probability in found)
    assert {theme for _, theme, _ in expected} >= {"falls", "medication"}
    measured = narrative.Measured(classifier, 99, np.array([], dtype=np.int64), [], 1)
    narrative_warehouse.theme_uncoded(con, narratives, measured, 0.5, "key", chunk_texts=2)
    themes = f"select record_key, theme_id, probability, model_version, training_records " \
             f"from {narrative_warehouse.RECORD_THEMES} order by all"
    assert con.sql(themes).fetchall() == [(*row, narrative.MODEL_VERSION, 99) for row in expected]
    # Without a classifier (too few examples) nothing is themed, and nothing is left behind
    # but the (now empty) themes kept per narrative.
    none = narrative.Measured(None, 0, np.array([], dtype=np.int64), [], 1)
    narrative_warehouse.theme_uncoded(con, narratives, none, 0.5, "another key")
    assert con.sql(f"select count(*) from {narrative_warehouse.RECORD_THEMES}").fetchone() == (0,)
    assert con.sql(f"select count(*) from {narrative_warehouse.KEPT}").fetchone() == (0,)
    assert sorted(con.sql("select table_name from duckdb_tables() union all "
                          "select view_name from duckdb_views() where not internal").fetchall()
                  ) == sorted([("narratives",), (narrative_warehouse.RECORD_THEMES,),
                               (narrative_warehouse.KEPT.split(".")[1],)])


def test_a_narrative_themed_by_the_same_classifier_before_keeps_its_themes():
    """A night themes only the narratives the same classifier has not themed (its memo key
    unchanged); another classifier themes every narrative again."""
    texts = [t for theme in NARRATIVES for t in NARRATIVES[theme]] * 3
    labels = [[theme] for theme in NARRATIVES for _ in NARRATIVES[theme]] * 3
    classifier = narrative.train(texts, labels, min_examples=5)
    measured = narrative.Measured(classifier, 99, np.array([], dtype=np.int64), [], 1)
    con = duckdb.connect()
    fell, insulin = "Patient fell on the ward at night", "Dose of insulin omitted"
    narratives = _narratives(con, [("incidents:0", "2024-02-01", fell, [], False, False)])
    narrative_warehouse.theme_uncoded(con, narratives, measured, 0.5, "key")
    con.execute(f"update {narrative_warehouse.KEPT} set probability = 0.123")
    narratives = _narratives(con, [("incidents:0", "2024-02-01", fell, [], False, False),
                                   ("incidents:1", "2024-02-02", insulin, [], False, False)])

    def themed(key: str) -> dict[str, set]:
        narrative_warehouse.theme_uncoded(con, narratives, measured, 0.5, key)
        found = {}
        for record, probability in con.sql(
                f"select record_id, probability from {narrative_warehouse.RECORD_THEMES}"
        ).fetchall():
            found.setdefault(record, set()).add(probability)
        return found

    kept = themed("key")
    assert kept["0"] == {0.123}  # kept, not themed again
    assert 0.123 not in kept["1"]  # a new narrative is themed
    assert 0.123 not in themed("retrained")["0"]


def test_coding_quality_is_measured_nightly_and_themes_generic_planted_records(refreshed):
    workspace, truth = refreshed
    quality = workspace.query(
        "select theme_id, records_evaluated, records_with_theme, precision, recall, confidence "
        "from coding_quality where method = 'narrative_model'")
    assert quality, "the demo trust has specifically coded records to learn from"
    for _, evaluated, with_theme, precision, recall, _ in quality:
        assert evaluated >= with_theme
        assert precision is None or 0 <= precision <= 1
        assert recall is None or 0 <= recall <= 1
    assert any(precision is not None and precision >= 0.8 for _, _, _, precision, _, _
               in quality)
    columns = {name for (name,) in workspace.query(
        "select column_name from duckdb_columns() where table_name = 'coding_quality'")}
    assert not columns & {"record_id", "record_key", "narrative", "free_text", "description"}

    # The planted records filed under a generic code: the classifier gives them their theme.
    con = duckdb.connect(str(workspace.warehouse), read_only=True)
    try:
        generic = set(con.sql("select source, record_id from intermediate.int_record_narratives "
                              "where not is_specifically_coded").fetchall())
        classified = set(con.sql("select source, record_id, theme_id "
                                 "from intermediate.int_record_narrative_themes").fetchall())
        versions = {v for (v,) in con.sql(
            "select distinct model_version from intermediate.int_record_narrative_themes"
        ).fetchall()}
    finally:
        con.close()
    planted = [(source, record_id, problem["theme"]) for problem in truth["problems"]
               for source in {"incidents", "complaints"} & set(problem["sources"])
               for record_id in problem["planted"][source]["ids"]
               if (source, record_id) in generic]
    assert planted, "the scenario files some planted records under 'Other'"
    assert sum(p in classified for p in planted) >= 0.9 * len(planted)

    assert versions == {narrative.MODEL_VERSION}

    # Where the classifier's theme is the one shown (a keyword rule that agrees wins), it
    # carries its version and the precision measured tonight.
    measured = {theme: confidence for theme, *_, confidence in quality}
    shown = workspace.query("select theme_id, confidence, model_version from record_themes "
                            "where method = 'narrative_model'", file=workspace.case_level)
    for theme, confidence, version in shown:
        assert version == narrative.MODEL_VERSION
        assert confidence == pytest.approx(measured.get(theme) or 0.5, abs=1e-3)
