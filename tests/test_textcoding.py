"""The shipped FFT comment coder: loads without the training data, codes obvious comments
sensibly, leaves blanks uncoded; the v6 -> theme mapping and the metric definitions."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from pipelines.textcoding.fft_data import question_kind
from pipelines.textcoding.fft_metrics import category_figures
from pipelines.textcoding.fft_model import MODEL_DIR, code_comments, load_coder
from pipelines.textcoding.wordpiece import basic_words

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
    pytest.param(
        "The ward was dirty and the toilets were filthy", 5, IMPROVE,
        "Cleanliness, tidiness & infection control", (4, 5),
        # Known miss of the shipped NB-LR model (it codes Environment & Facilities; the
        # training data says "clean" far more often than "dirty"). Kept visible and strict:
        # a retrained model that gets it right turns this into a failure to remove the mark.
        marks=pytest.mark.xfail(strict=True, reason="NB-LR codes dirty toilets as environment"),
    ),
    ("I could not get through on the phone, it rang for ages", 4, IMPROVE,
     "Contacting services", (3, 5)),
    ("Excellent care, thank you so much to everyone", 1, GOOD,
     "Positive experience & gratitude", (1, 2)),
    ("There were not enough staff on the ward at night", 4, IMPROVE,
     "Number & deployment of staff", (3, 5)),
]


@pytest.fixture(scope="module")
def coded():
    cases = [getattr(c, "values", c) for c in OBVIOUS]
    return code_comments([c[0] for c in cases], [c[1] for c in cases], [c[2] for c in cases])


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
    row = [getattr(c, "values", c)[0] for c in OBVIOUS].index(comment)
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


def test_ratings_and_questions_must_match_the_comments():
    with pytest.raises(ValueError, match="same length"):
        code_comments(["Lovely staff", "Long wait"], ratings=[1])


def test_every_v6_category_maps_to_known_themes_or_none():
    """Every category the model can assign is reviewed in the theme code map seed."""
    path = MODEL_DIR.parents[1] / "dbt_project" / "seeds" / "theme_code_map.csv"
    with path.open(newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["code_field"] == "v6_category"]
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
