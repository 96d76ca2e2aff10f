"""Free text coded by the shipped models, written beside the raw tables for dbt to theme."""

from collections.abc import Iterator

import dagster as dg
import polars as pl

from pipelines.defs.resources import WarehouseResource, is_full
from pipelines.lib.canonical import FFT_RATINGS
from pipelines.lib.fingerprints import load_step, store, stored
from pipelines.lib.sql import table_columns
from pipelines.lib.warehouse import (
    insert_frame,
    note_every_record_changed,
    numbered_chunks,
)

CODED_SCHEMA = "coded"
# The model was trained on the national FFT answer codes: 1 very good .. 5 very poor, 6 don't
# know; the canonical ratings are listed in that order.
_RATING_CODES = {rating: code for code, rating in enumerate(FFT_RATINGS, start=1)}
_IMPROVE_QUESTION = "What could we do better?"


# What a coded row was coded from: a response whose id, rating, setting and comment are
# unchanged keeps its codes (each comment is coded on its own), so a night codes only new
# responses.
_INPUT_HASH = ("md5(to_json({'id': response_id, 'rating': rating, 'setting': setting, "
               "'comment': comment_improve}))")
# Each export file's responses, with the row key of what raw.fft_responses holds from it
# (pipelines.lib.ingest): a coded row keeps the key its file had, so a night reads again
# only the responses of files whose rows changed (or that have no coded row: no comments).
_FILES = ("select distinct responses._source_file as file, keys.row_key "
          "from raw.fft_responses as responses left join raw.loaded_row_keys as keys "
          "on keys.entity = 'fft_responses' and keys.file = responses._source_file")
_CODED_FROM_A_FILE_AS_IT_IS = ("exists (select 1 from fft_files where fft_files.file = "
                               "code.source_file and fft_files.row_key = code.source_row_key)")
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
    on a full refresh); only the responses of export files whose loaded rows changed are read
    again."""
    from pipelines.textcoding.coding_pool import code_in_chunks
    from pipelines.textcoding.fft_model import model_version

    # Read, not loaded: the coder's arrays are needed only in the workers that code.
    version = model_version()
    with warehouse.connect() as con:
        con.execute(f"create schema if not exists {CODED_SCHEMA}")
        reuse = not is_full(context) and _codes_reusable(con, version)
        con.execute(f"create or replace temp table fft_files as {_FILES}")
        con.execute("begin transaction")
        if reuse:
            # The codes of responses in files that changed or are gone, for those of their
            # responses still exported as they were coded.
            con.execute("create or replace temp table earlier_codes as select * from "
                        f"{CODED_SCHEMA}.fft_comments as code "
                        f"where not {_CODED_FROM_A_FILE_AS_IT_IS}")
            con.execute(f"delete from {CODED_SCHEMA}.fft_comments as code "
                        f"where not {_CODED_FROM_A_FILE_AS_IT_IS}")
        else:
            con.execute(f"drop table if exists {CODED_SCHEMA}.fft_comments")
            # Every response coded again: the models kept per record redo every FFT record.
            note_every_record_changed(con, "fft", "fft_comments")
            con.execute("create or replace temp table earlier_codes (input_hash varchar, "
                        "v6_categories varchar[], v6_confidences double[], sentiment tinyint, "
                        "model_version varchar)")
        # The responses of the files no code is kept from (all of them when none is), hashed
        # once in a table: every step below reads it.
        kept_files = (f"and _source_file not in (select source_file from {CODED_SCHEMA}"
                      ".fft_comments)" if reuse else "")
        con.execute(
            "create or replace temp table fft_to_code as "
            f"select *, {_INPUT_HASH} as input_hash from (select distinct response_id, rating, "
            "setting, comment_improve, _source_file as source_file, "
            "fft_files.row_key as source_row_key from raw.fft_responses "
            "join fft_files on fft_files.file = _source_file "
            f"where comment_improve is not null {kept_files})")
        con.execute("create or replace temp view responses_to_code as select * from fft_to_code "
                    "where input_hash not in (select input_hash from earlier_codes)")
        # Each distinct (comment, rating, setting) once: "Nothing", "N/A" and the like recur.
        # Only the answers come into Python, a chunk at a time (a national year has 25M);
        # DuckDB gives each response its answer's codes. Numbered and stored in order, so
        # that reading a chunk by its numbers reads only its part of the table.
        con.execute("create or replace temp table answers as select row_number() over "
                    "(order by first_response) - 1 as answer, comment_improve, rating, setting "
                    "from (select comment_improve, rating, setting, min(response_id) as "
                    "first_response from responses_to_code group by comment_improve, rating, "
                    "setting) order by answer")
        con.execute("create or replace temp table answer_codes (answer bigint, "
                    "v6_categories varchar[], v6_confidences double[], sentiment tinyint)")
        start = 0
        for chunk in code_in_chunks(_answer_chunks(con)):
            codes = chunk.select(answer=pl.int_range(start, start + chunk.height, dtype=pl.Int64),
                                 v6_categories="categories", v6_confidences="confidences",
                                 sentiment="sentiment")
            insert_frame(con, "answer_codes", codes)
            start += chunk.height
        coded = ("responses.response_id, codes.v6_categories, codes.v6_confidences, "
                 "codes.sentiment, cast(? as varchar) as model_version, responses.input_hash, "
                 "responses.source_file, responses.source_row_key "
                 "from responses_to_code as responses join answers "
                 "on responses.comment_improve = answers.comment_improve "
                 "and responses.rating is not distinct from answers.rating "
                 "and responses.setting is not distinct from answers.setting "
                 "join answer_codes as codes on answers.answer = codes.answer")
        con.execute(f"create table if not exists {CODED_SCHEMA}.fft_comments as "
                    f"select {coded} limit 0", [version])
        coded_rows = con.execute(f"insert into {CODED_SCHEMA}.fft_comments select {coded} "
                                 "order by responses.response_id", [version]).fetchone()[0]
        con.execute(f"insert into {CODED_SCHEMA}.fft_comments select responses.response_id, "
                    "earlier.v6_categories, earlier.v6_confidences, earlier.sentiment, "
                    "earlier.model_version, responses.input_hash, responses.source_file, "
                    "responses.source_row_key from fft_to_code as responses "
                    "join earlier_codes as earlier on earlier.input_hash = responses.input_hash")
        kept = con.execute(f"select count(*) from {CODED_SCHEMA}.fft_comments").fetchone()[0] \
            - coded_rows
        read = con.execute("select count(*) from fft_to_code").fetchone()[0]
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
        "comments_read": read,
        "comments_with_a_category": with_category,
    })


def _answer_chunks(con) -> Iterator[tuple[list, list, list, list]]:
    """The temp table `answers` a chunk of CHUNK_ROWS at a time, in order, as the coder takes
    them."""
    from pipelines.textcoding.coding_pool import CHUNK_ROWS

    for answers in numbered_chunks(con, "answers", "answer", "comment_improve, rating, setting",
                                   CHUNK_ROWS):
        yield (answers["comment_improve"].to_list(),
               [_RATING_CODES.get(r) for r in answers["rating"].to_list()],
               [_IMPROVE_QUESTION] * answers.height, answers["setting"].to_list())


def _codes_reusable(con, version: str) -> bool:
    """Whether the coded table holds codes of this model version, each with its input and
    the file (as it was) it came from."""
    columns = {name for name, _ in table_columns(con, "fft_comments", CODED_SCHEMA)}
    return {"input_hash", "source_file", "source_row_key"} <= columns and not con.execute(
        f"select count(*) from {CODED_SCHEMA}.fft_comments where model_version <> ?",
        [version]).fetchone()[0]
