"""Free text coded by the shipped models, written beside the raw tables for dbt to theme."""

import dagster as dg
import polars as pl

from pipelines.defs.resources import WarehouseResource
from pipelines.lib.canonical import FFT_RATINGS

CODED_SCHEMA = "coded"
# The model was trained on the national FFT answer codes: 1 very good .. 5 very poor, 6 don't
# know; the canonical ratings are listed in that order.
_RATING_CODES = {rating: code for code, rating in enumerate(FFT_RATINGS, start=1)}
_IMPROVE_QUESTION = "What could we do better?"
CODING_CHUNK_ROWS = 20_000


@dg.asset(key=["coded", "fft_comments"], group_name="coded", deps=[dg.AssetKey(["raw", "fft"])],
          kinds={"duckdb", "numpy"})
def fft_comments(context: dg.AssetExecutionContext,
                 warehouse: WarehouseResource) -> dg.MaterializeResult:
    """`coded.fft_comments`: one row per FFT response with a "what could we do better?"
    answer, coded by the shipped model (`models/fft_coder/`) to v6 Patient Experience
    framework categories (each with the model's confidence) and a sentiment (1 very
    positive .. 5 very negative), with the version of the model that coded it. Only that
    answer is coded: it is where a response describes a problem."""
    from pipelines.textcoding.fft_model import code_comments, load_coder

    version = load_coder().metadata["version"]
    coded_rows = with_category = 0
    with warehouse.connect() as con:
        responses = con.sql(
            "select distinct response_id, rating, comment_improve from raw.fft_responses "
            "where comment_improve is not null order by response_id").pl()
        con.execute(f"create schema if not exists {CODED_SCHEMA}")
        con.execute("begin transaction")
        # In chunks: the model's features of a million comments would take gigabytes at once,
        # and each comment is coded on its own, so chunks give the same codes.
        for start in range(0, max(responses.height, 1), CODING_CHUNK_ROWS):
            chunk = responses.slice(start, CODING_CHUNK_ROWS)
            coded = code_comments(
                chunk["comment_improve"].to_list(),
                ratings=[_RATING_CODES.get(r) for r in chunk["rating"].to_list()],
                questions=[_IMPROVE_QUESTION] * chunk.height,
            )
            result = pl.DataFrame({
                "response_id": chunk["response_id"],
                "v6_categories": coded["categories"],
                "v6_confidences": coded["confidences"],
                "sentiment": coded["sentiment"],
                "model_version": version,
            })
            con.register("coded_comments", result.to_arrow())
            con.execute(f"create or replace table {CODED_SCHEMA}.fft_comments as "
                        "select * from coded_comments" if start == 0 else
                        f"insert into {CODED_SCHEMA}.fft_comments select * from coded_comments")
            con.unregister("coded_comments")
            coded_rows += result.height
            with_category += int((result["v6_categories"].list.len() > 0).sum())
        con.execute("commit")
    context.log.info(f"coded {coded_rows} FFT comments")
    return dg.MaterializeResult(metadata={
        "dagster/row_count": coded_rows,
        "comments_with_a_category": with_category,
    })
