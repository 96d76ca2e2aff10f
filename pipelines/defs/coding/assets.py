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

    with warehouse.connect() as con:
        responses = con.sql(
            "select distinct response_id, rating, comment_improve from raw.fft_responses "
            "where comment_improve is not null order by response_id").pl()
        coded = code_comments(
            responses["comment_improve"].to_list(),
            ratings=[_RATING_CODES.get(r) for r in responses["rating"].to_list()],
            questions=[_IMPROVE_QUESTION] * responses.height,
        )
        result = pl.DataFrame({
            "response_id": responses["response_id"],
            "v6_categories": coded["categories"],
            "v6_confidences": coded["confidences"],
            "sentiment": coded["sentiment"],
            "model_version": load_coder().metadata["version"],
        })
        con.execute(f"create schema if not exists {CODED_SCHEMA}")
        con.register("coded_comments", result.to_arrow())
        con.execute(f"create or replace table {CODED_SCHEMA}.fft_comments as "
                    "select * from coded_comments")
        con.unregister("coded_comments")
    context.log.info(f"coded {result.height} FFT comments")
    return dg.MaterializeResult(metadata={
        "dagster/row_count": result.height,
        "comments_with_a_category": int((result["v6_categories"].list.len() > 0).sum()),
    })
