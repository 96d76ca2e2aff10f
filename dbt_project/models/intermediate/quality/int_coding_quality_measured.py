"""int_coding_quality_measured: how well the narrative classifier and the keyword rules
theme this trust's own records, measured tonight on the specifically coded incidents,
complaints and SJRs (pipelines.textcoding.narrative): each fold evaluated is coded by a
classifier trained on the others, and by the keyword rules, and compared with the themes
their codes give."""

import polars as pl

from pipelines.textcoding.narrative import (
    FOLDS,
    MODEL_VERSION,
    out_of_fold,
    per_theme_figures,
)


def model(dbt, session):
    dbt.config(materialized="table")
    min_examples = int(dbt.config.get("narrative_min_examples"))
    threshold = float(dbt.config.get("narrative_model_threshold"))

    coded = (
        dbt.ref("int_record_narratives").pl()
        .filter(pl.col("is_specifically_coded"))
        .sort("record_date", "record_key")
    )
    keys, coded_themes = coded["record_key"].to_list(), coded["coded_theme_ids"].to_list()
    evaluated, narrative_model, folds = out_of_fold(
        keys, coded["narrative"].to_list(), coded_themes, min_examples, threshold)
    keys, truth = [keys[i] for i in evaluated], [coded_themes[i] for i in evaluated]
    keyword_themes = (
        # Filtered in DuckDB: most keyword matches are FFT answers, not narratives.
        dbt.ref("int_record_keyword_matches").filter("not is_primary_text").pl()
        .group_by("record_key")
        .agg(pl.col("theme_id").unique())
    )
    by_key = dict(zip(keyword_themes["record_key"].to_list(),
                      keyword_themes["theme_id"].to_list(), strict=True))
    predictions = {
        "narrative_model": narrative_model,
        "keyword": [by_key.get(key, []) for key in keys],
    }
    evaluation = {
        "narrative_model": f"{folds} of {FOLDS} folds: each fold coded by a classifier "
                           "trained on the others",
        "keyword": "the same records read by the narrative keyword rules",
    }
    themes = sorted({t for labels in truth for t in labels}
                    | {t for found in predictions.values() for p in found for t in p})
    return pl.concat([
        per_theme_figures(truth, predicted, themes).select(
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
