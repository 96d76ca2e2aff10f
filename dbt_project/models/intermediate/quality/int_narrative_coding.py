"""int_narrative_coding: tonight's narrative classifier, learnt from the trust's specifically
coded incidents, complaints and SJRs of a few weeks ago (pipelines.textcoding.narrative; an
earlier night's when it learnt from the same records: pipelines.textcoding.narrative_memo),
and what it gives, one row kind per `output`: `themes`, the themes it gives the records without
a specific code (read by int_record_narrative_themes); `quality`, per method (narrative_model,
keyword) and theme, precision and recall on the coded records learnt from, each fold evaluated
coded by a classifier trained on the others (read by int_coding_quality_measured). One Python
model, so a large trust trains its classifier once, not once to measure and once to use; the
text stays in the private warehouse."""

import polars as pl

from pipelines.textcoding import narrative_memo
from pipelines.textcoding.narrative import (
    FOLDS,
    MODEL_VERSION,
    assigned,
    per_theme_figures,
    trained_and_measured,
)

THEMES = {
    "record_key": pl.String,
    "source": pl.String,
    "record_id": pl.String,
    "theme_id": pl.String,
    "probability": pl.Float64,
    "model_version": pl.String,
    "training_records": pl.Int64,
}


def model(dbt, session):
    dbt.config(materialized="table")
    min_examples = int(dbt.config.get("narrative_min_examples"))
    threshold = float(dbt.config.get("narrative_model_threshold"))

    narratives = dbt.ref("int_record_narratives").pl()
    # Oldest first, so the cap on training examples keeps the most recent ones.
    coded = narratives.filter(pl.col("is_training_example")).sort("record_date", "record_key")
    uncoded = narratives.filter(~pl.col("is_specifically_coded")).sort("record_key")
    keys, coded_themes = coded["record_key"].to_list(), coded["coded_theme_ids"].to_list()
    texts = coded["narrative"].to_list()
    # Last night's classifier when it learnt from exactly these records.
    memo_key = narrative_memo.fingerprint(keys, texts, coded_themes, min_examples, threshold)
    measured = narrative_memo.load(session, memo_key)
    if measured is None:
        measured = trained_and_measured(keys, texts, coded_themes, min_examples, threshold)
        narrative_memo.save(session, memo_key, measured)

    found = assigned(measured.classifier, uncoded["narrative"].to_list(), threshold)
    themes = pl.DataFrame([
        {"record_key": key, "source": source, "record_id": record_id, "theme_id": theme,
         "probability": round(probability, 4), "model_version": MODEL_VERSION,
         "training_records": measured.trained_on}
        for key, source, record_id, themes in zip(
            uncoded["record_key"].to_list(), uncoded["source"].to_list(),
            uncoded["record_id"].to_list(), found, strict=True)
        for theme, probability in themes
    ], schema=THEMES)

    keys = [keys[i] for i in measured.evaluated]
    truth = [coded_themes[i] for i in measured.evaluated]
    keyword_themes = (
        # Filtered in DuckDB: most keyword matches are FFT answers, not narratives.
        dbt.ref("int_record_keyword_matches").filter("not is_primary_text").pl()
        .group_by("record_key")
        .agg(pl.col("theme_id").unique())
    )
    by_key = dict(zip(keyword_themes["record_key"].to_list(),
                      keyword_themes["theme_id"].to_list(), strict=True))
    predictions = {
        "narrative_model": measured.predicted,
        "keyword": [by_key.get(key, []) for key in keys],
    }
    evaluation = {
        "narrative_model": f"{measured.folds} of {FOLDS} folds: each fold coded by a classifier "
                           "trained on the others",
        "keyword": "the same records read by the narrative keyword rules",
    }
    labels = sorted({t for labels in truth for t in labels}
                    | {t for found in predictions.values() for p in found for t in p})
    quality = pl.concat([
        per_theme_figures(truth, predicted, labels).select(
            pl.lit(method).alias("method"),
            pl.lit(MODEL_VERSION if method == "narrative_model" else None, pl.String)
            .alias("model_version"),
            "theme_id",
            pl.lit(len(keys), pl.Int64).alias("records_evaluated"),
            "records_with_theme",
            "records_predicted",
            "true_positives",
            "precision",
            "recall",
            "confidence",
            pl.lit(evaluation[method]).alias("evaluation"),
        )
        for method, predicted in predictions.items()
    ])
    return pl.concat([themes.with_columns(output=pl.lit("themes")),
                      quality.with_columns(output=pl.lit("quality"))], how="diagonal_relaxed")
