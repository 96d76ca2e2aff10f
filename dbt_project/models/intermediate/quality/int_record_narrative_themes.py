"""int_record_narrative_themes: themes the narrative classifier gives the incidents,
complaints and SJRs without a specific code, learnt tonight from those with one
(pipelines.textcoding.narrative). A dbt Python model so the classifier trains inside the dbt
graph on the private warehouse; the text stays there."""

import polars as pl

from pipelines.textcoding.narrative import MODEL_VERSION, assigned, train

SCHEMA = {
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
    # Oldest first, so the per-theme cap on training examples keeps the most recent ones.
    coded = narratives.filter(pl.col("is_specifically_coded")).sort("record_date",
                                                                     "record_key")
    uncoded = narratives.filter(~pl.col("is_specifically_coded")).sort("record_key")
    classifier = train(coded["narrative"].to_list(), coded["coded_theme_ids"].to_list(),
                       min_examples)
    found = assigned(classifier, uncoded["narrative"].to_list(), threshold)
    rows = [
        {"record_key": key, "source": source, "record_id": record_id, "theme_id": theme,
         "probability": round(probability, 4), "model_version": MODEL_VERSION,
         "training_records": coded.height}
        for key, source, record_id, themes in zip(
            uncoded["record_key"], uncoded["source"], uncoded["record_id"], found, strict=True)
        for theme, probability in themes
    ]
    return pl.DataFrame(rows, schema=SCHEMA)
