"""int_narrative_coding: tonight's narrative classifier, learnt from the trust's specifically
coded incidents, complaints and SJRs of a few weeks ago (pipelines.textcoding.narrative; an
earlier night's when it learnt from the same records: pipelines.textcoding.narrative_memo),
and what it gives, one row kind per `output`: `themes`, the themes it gives the records without
a specific code (read by int_record_narrative_themes); `quality`, per method (narrative_model,
keyword) and theme, precision and recall on the coded records learnt from, each fold evaluated
coded by a classifier trained on the others (read by int_coding_quality_measured), with the
classifier's memo key. One Python
model, so a large trust trains its classifier once, not once to measure and once to use; the
text stays in the private warehouse. Records are read and themed in bounded memory, and a
narrative themed on an earlier night by the same classifier keeps its themes
(pipelines.textcoding.narrative_warehouse)."""

import polars as pl

from pipelines.textcoding import narrative_memo
from pipelines.textcoding.narrative import (
    FOLDS,
    MODEL_VERSION,
    per_theme_figures,
    trained_and_measured,
)
from pipelines.textcoding.narrative_warehouse import RECORD_THEMES, learning_pool, theme_uncoded


def model(dbt, session):
    dbt.config(materialized="table")
    min_examples = int(dbt.config.get("narrative_min_examples"))
    threshold = float(dbt.config.get("narrative_model_threshold"))

    narratives = dbt.ref("int_record_narratives")
    coded = learning_pool(narratives)
    keys, coded_themes = coded["record_key"].to_list(), coded["coded_theme_ids"].to_list()
    texts = coded["narrative"].to_list()
    # Last night's classifier when it learnt from exactly these records.
    memo_key = narrative_memo.fingerprint(keys, texts, coded_themes, min_examples, threshold)
    measured = narrative_memo.load(session, memo_key)
    if measured is None:
        measured = trained_and_measured(keys, texts, coded_themes, min_examples, threshold)
        narrative_memo.save(session, memo_key, measured)
    theme_uncoded(session, narratives, measured, threshold, memo_key)

    keys = [keys[i] for i in measured.evaluated]
    truth = [coded_themes[i] for i in measured.evaluated]
    evaluated = session.from_arrow(pl.DataFrame({"record_key": keys}).to_arrow())
    keyword_themes = (
        # Filtered in DuckDB: most keyword matches are FFT answers or records not evaluated.
        dbt.ref("int_record_keyword_matches").filter("not is_primary_text")
        .join(evaluated, "record_key", how="semi").pl()
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
    # The classifier's memo key beside its figures: the models kept per record rebuild every
    # record's themes when it changes (dbt macro shared_coding_inputs).
    session.register("narrative_quality", quality.with_columns(output=pl.lit("quality"),
                                                               classifier=pl.lit(memo_key)))
    return session.sql(f"select *, 'themes' as output from {RECORD_THEMES} "
                       "union all by name select * from narrative_quality")
