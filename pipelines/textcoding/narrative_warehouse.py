"""What the narrative classifier reads from and writes to the private warehouse, in bounded
memory: the coded records it learns from (the LEARNING_POOL most recent, not all of them: a
national year has 6M) and the themes it gives the records without a specific code, themed a
chunk of distinct narratives at a time (a national year has 600,000 such records).

A narrative's themes are a function of its text and the classifier (whose memo key,
pipelines.textcoding.narrative_memo.fingerprint, digests what it learnt from and the code):
they are kept per distinct narrative (KEPT) while the classifier stays the same, so a night
themes only the narratives it has not themed before. Each chunk's themes go in with one
statement, so a text has all its rows kept or none.

Both read a relation of int_record_narratives' rows."""

from __future__ import annotations

import duckdb
import polars as pl

from pipelines.lib.warehouse import NARRATIVE_THEMES, RAW_SCHEMA, insert_frame, numbered_chunks
from pipelines.textcoding.narrative import (
    LEARNING_POOL,
    MODEL_VERSION,
    Measured,
    assigned,
)

# The temp table theme_uncoded fills: one row per record x theme.
RECORD_THEMES = "narrative_record_themes"
# Distinct narratives themed at a time.
CHUNK_TEXTS = 20_000
# The themes each distinct narrative (by its md5) was given under the classifier (its memo
# key), a row with no theme for a narrative given none. In the private warehouse: never
# published.
KEPT = NARRATIVE_THEMES


def learning_pool(narratives: duckdb.DuckDBPyRelation,
                  size: int = LEARNING_POOL) -> pl.DataFrame:
    """The `size` most recent training examples (record_key, narrative, coded_theme_ids),
    oldest first, as training expects them."""
    return (narratives.filter("is_training_example")
            .select("record_key, record_date, narrative, coded_theme_ids")
            .order("record_date desc, record_key desc").limit(size).pl().reverse()
            .drop("record_date"))


def theme_uncoded(con: duckdb.DuckDBPyConnection, narratives: duckdb.DuckDBPyRelation,
                  measured: Measured, threshold: float, classifier_key: str,
                  chunk_texts: int = CHUNK_TEXTS) -> None:
    """Fill the temp table RECORD_THEMES with the themes `measured.classifier` (under
    `classifier_key`) gives each record without a specific code (at or above `threshold`).
    Each distinct narrative is themed once, and not again while the classifier stays the
    same; only a chunk of them is in Python at a time, and DuckDB joins the themes back to
    the records."""
    narratives.filter("not is_specifically_coded").create_view("narratives_to_theme")
    con.execute("create or replace temp table narrative_texts as select narrative, "
                "md5(narrative) as text_digest from "
                "(select distinct narrative from narratives_to_theme)")
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    con.execute(f"create table if not exists {KEPT} (classifier varchar, text_digest varchar, "
                "theme_id varchar, probability double)")
    # Another classifier's themes, and those of narratives no longer to theme, go.
    con.execute(f"delete from {KEPT} where classifier <> ? or text_digest not in "
                "(select text_digest from narrative_texts)", [classifier_key])
    con.execute("create or replace temp table narrative_texts_new as select row_number() over "
                "(order by narrative) - 1 as text_no, narrative, text_digest from "
                f"(select * from narrative_texts anti join {KEPT} using (text_digest)) "
                "order by text_no")
    chunks = (numbered_chunks(con, "narrative_texts_new", "text_no", "text_digest, narrative",
                              chunk_texts) if measured.classifier else [])
    for chunk in chunks:
        found = assigned(measured.classifier, chunk["narrative"].to_list(), threshold)
        insert_frame(con, KEPT, pl.DataFrame([
            {"classifier": classifier_key, "text_digest": digest, "theme_id": theme,
             "probability": None if theme is None else round(probability, 4)}
            for digest, themes in zip(chunk["text_digest"].to_list(), found, strict=True)
            for theme, probability in (themes or [(None, None)])
        ], schema={"classifier": pl.String, "text_digest": pl.String, "theme_id": pl.String,
                   "probability": pl.Float64}))
    con.execute(
        f"create or replace temp table {RECORD_THEMES} as select "
        "records.record_key, records.source, records.record_id, themes.theme_id, "
        "themes.probability, cast(? as varchar) as model_version, "
        "cast(? as bigint) as training_records "
        "from narratives_to_theme as records "
        "join narrative_texts as texts on records.narrative = texts.narrative "
        f"join {KEPT} as themes on texts.text_digest = themes.text_digest "
        "where themes.theme_id is not null",
        [MODEL_VERSION, measured.trained_on])
    con.execute("drop table narrative_texts; drop table narrative_texts_new; "
                "drop view narratives_to_theme")
