"""Free text coded by the shipped models, written beside the raw tables for dbt to theme."""

import dagster as dg
import polars as pl

from pipelines.defs.resources import WarehouseResource, is_full
from pipelines.lib.canonical import FFT_RATINGS
from pipelines.lib.fingerprints import load_step, store, stored

CODED_SCHEMA = "coded"
# The model was trained on the national FFT answer codes: 1 very good .. 5 very poor, 6 don't
# know; the canonical ratings are listed in that order.
_RATING_CODES = {rating: code for code, rating in enumerate(FFT_RATINGS, start=1)}
_IMPROVE_QUESTION = "What could we do better?"


# What a coded row was coded from: a response whose id, rating and comment are unchanged
# keeps its codes (each comment is coded on its own), so a night codes only new responses.
_INPUT_HASH = ("md5(to_json({'id': response_id, 'rating': rating, "
               "'comment': comment_improve}))")
CODED_STEP = "coded/fft_comments"


@dg.asset(key=["coded", "fft_comments"], group_name="coded", deps=[dg.AssetKey(["raw", "fft"])],
          kinds={"duckdb", "numpy"})
def fft_comments(context: dg.AssetExecutionContext,
                 warehouse: WarehouseResource) -> dg.MaterializeResult:
    """`coded.fft_comments`: one row per FFT response with a "what could we do better?"
    answer, coded by the shipped model (`models/fft_coder/`) to v6 Patient Experience
    framework categories (each with the model's confidence) and a sentiment (1 very
    positive .. 5 very negative), with the version of the model that coded it. Only that
    answer is coded: it is where a response describes a problem. Responses coded by the same
    model version from the same id, rating and comment keep their codes (all are coded again
    on a full refresh)."""
    from pipelines.textcoding.coding_pool import code_in_chunks
    from pipelines.textcoding.fft_model import load_coder

    version = load_coder().metadata["version"]
    coded_rows = 0
    with warehouse.connect() as con:
        con.execute(f"create schema if not exists {CODED_SCHEMA}")
        reuse = not is_full(context) and _codes_reusable(con, version)
        con.execute("create or replace temp view fft_to_code as "
                    f"select *, {_INPUT_HASH} as input_hash from (select distinct response_id, "
                    "rating, comment_improve from raw.fft_responses "
                    "where comment_improve is not null)")
        con.execute("begin transaction")
        if reuse:
            con.execute(f"delete from {CODED_SCHEMA}.fft_comments where input_hash not in "
                        "(select input_hash from fft_to_code)")
            kept = con.sql(f"select count(*) from {CODED_SCHEMA}.fft_comments").fetchone()[0]
            responses = con.sql(
                "select * from fft_to_code where input_hash not in "
                f"(select input_hash from {CODED_SCHEMA}.fft_comments) order by response_id").pl()
        else:
            kept = 0
            con.execute(f"drop table if exists {CODED_SCHEMA}.fft_comments")
            responses = con.sql("select * from fft_to_code order by response_id").pl()
        # Each distinct (comment, rating) once: "Nothing", "N/A" and the like recur. The
        # responses in the order of their answers, so each chunk's responses are one slice.
        answers = responses.select("comment_improve", "rating").unique(maintain_order=True) \
            .with_row_index("_answer")
        responses = responses.join(answers, on=["comment_improve", "rating"],
                                   nulls_equal=True).sort("_answer", "response_id")
        for start, coded in code_in_chunks(
                answers["comment_improve"].to_list(),
                ratings=[_RATING_CODES.get(r) for r in answers["rating"].to_list()],
                questions=[_IMPROVE_QUESTION] * answers.height):
            first, end = (responses["_answer"].search_sorted(start + n) for n in (0, coded.height))
            chunk = responses.slice(first, end - first)
            answer = chunk["_answer"] - start
            result = chunk.select(
                "response_id", v6_categories=coded["categories"].gather(answer),
                v6_confidences=coded["confidences"].gather(answer),
                sentiment=coded["sentiment"].gather(answer), model_version=pl.lit(version),
                input_hash="input_hash")
            con.register("coded_comments", result.to_arrow())
            con.execute(f"create table if not exists {CODED_SCHEMA}.fft_comments as "
                        "select * from coded_comments limit 0")
            con.execute(f"insert into {CODED_SCHEMA}.fft_comments select * from coded_comments")
            con.unregister("coded_comments")
            coded_rows += result.height
        with_category = con.execute(f"select count(*) from {CODED_SCHEMA}.fft_comments "
                                    "where len(v6_categories) > 0").fetchone()[0]
        fft_load = stored(con).get(load_step("fft"))
        store(con, CODED_STEP, fft_load and f"{version}|{fft_load[0]}")
        con.execute("commit")
    context.log.info(f"coded {coded_rows} FFT comments, kept the codes of {kept}")
    return dg.MaterializeResult(metadata={
        "dagster/row_count": coded_rows + kept,
        "comments_coded": coded_rows,
        "codes_kept": kept,
        "comments_with_a_category": with_category,
    })


def _codes_reusable(con, version: str) -> bool:
    """Whether the coded table holds codes of this model version, each with its input."""
    columns = {name for (name,) in con.execute(
        "select column_name from duckdb_columns() where schema_name = ? and table_name = ?",
        [CODED_SCHEMA, "fft_comments"]).fetchall()}
    return "input_hash" in columns and not con.execute(
        f"select count(*) from {CODED_SCHEMA}.fft_comments where model_version <> ?",
        [version]).fetchone()[0]
