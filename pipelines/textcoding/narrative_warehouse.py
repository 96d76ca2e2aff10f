"""What the narrative classifier reads from and writes to the private warehouse, in bounded
memory: the coded records it learns from (the LEARNING_POOL most recent, not all of them: a
national year has 6M) and the themes it gives the records without a specific code, themed a
chunk of distinct narratives at a time (a national year has 600,000 such records).

Both read a relation of int_record_narratives' rows."""

from __future__ import annotations

import duckdb
import polars as pl

from pipelines.lib.warehouse import insert_frame, numbered_chunks
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


def learning_pool(narratives: duckdb.DuckDBPyRelation,
                  size: int = LEARNING_POOL) -> pl.DataFrame:
    """The `size` most recent training examples (record_key, narrative, coded_theme_ids),
    oldest first, as training expects them."""
    return (narratives.filter("is_training_example")
            .select("record_key, record_date, narrative, coded_theme_ids")
            .order("record_date desc, record_key desc").limit(size).pl().reverse()
            .drop("record_date"))


def theme_uncoded(con: duckdb.DuckDBPyConnection, narratives: duckdb.DuckDBPyRelation,
                  measured: Measured, threshold: float, chunk_texts: int = CHUNK_TEXTS) -> None:
    """Fill the temp table RECORD_THEMES with the themes `measured.classifier` gives each
    record without a specific code (at or above `threshold`). Each distinct narrative is
    themed once; only a chunk of them is in Python at a time, and DuckDB joins the themes
    back to the records."""
    narratives.filter("not is_specifically_coded").create_view("narratives_to_theme")
    con.execute("create or replace temp table narrative_texts as select row_number() over "
                "(order by narrative) - 1 as text_no, narrative from "
                "(select distinct narrative from narratives_to_theme) order by text_no")
    con.execute("create or replace temp table narrative_text_themes "
                "(text_no bigint, theme_id varchar, probability double)")
    chunks = (numbered_chunks(con, "narrative_texts", "text_no", "text_no, narrative",
                              chunk_texts) if measured.classifier else [])
    for chunk in chunks:
        found = assigned(measured.classifier, chunk["narrative"].to_list(), threshold)
        insert_frame(con, "narrative_text_themes", pl.DataFrame([
            {"text_no": number, "theme_id": theme, "probability": round(probability, 4)}
            for number, themes in zip(chunk["text_no"].to_list(), found, strict=True)
            for theme, probability in themes
        ], schema={"text_no": pl.Int64, "theme_id": pl.String, "probability": pl.Float64}))
    con.execute(
        f"create or replace temp table {RECORD_THEMES} as select "
        "records.record_key, records.source, records.record_id, themes.theme_id, "
        "themes.probability, cast(? as varchar) as model_version, "
        "cast(? as bigint) as training_records "
        "from narratives_to_theme as records "
        "join narrative_texts as texts on records.narrative = texts.narrative "
        "join narrative_text_themes as themes on texts.text_no = themes.text_no",
        [MODEL_VERSION, measured.trained_on])
    con.execute("drop table narrative_texts; drop table narrative_text_themes; "
                "drop view narratives_to_theme")
