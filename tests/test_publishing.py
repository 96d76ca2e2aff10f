"""Publishing all four outputs together: all new, or all as they were, and nothing left behind."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from pathlib import Path

import pytest

from pipelines.lib import publishing
from pipelines.lib.publishing import CASE_LEVEL, MARTS, PublishError, publish


def snapshot(marts) -> dict[str, str]:
    return {p.relative_to(marts).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(marts.rglob("*")) if p.is_file()}


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_failure_while_staging_changes_nothing_and_leaves_nothing(refreshed_copy, monkeypatch):
    marts = refreshed_copy.marts
    # What a killed publish of an earlier version left: record-level partial files.
    (marts / f".{CASE_LEVEL.file}.partial").write_bytes(b"record-level rows")
    (marts / f".{CASE_LEVEL.file}.partial.wal").write_bytes(b"wal")
    (marts / ".publishing-dead").mkdir()
    (marts / ".insight_pack.html.partial").write_text("a pack being written")  # not ours
    before = snapshot(marts)
    real, calls = publishing._write_parquet, []

    def disk_full_on_the_case_level_copy(database, tables, folder):
        calls.append(folder.name)
        if folder.name == CASE_LEVEL.parquet_dir:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(database, tables, folder)

    monkeypatch.setattr(publishing, "_write_parquet", disk_full_on_the_case_level_copy)
    with pytest.raises(PublishError) as error:
        publish(refreshed_copy.warehouse, marts)
    # Both were staged (side by side, in either order) before anything was swapped in.
    assert sorted(calls) == sorted([MARTS.parquet_dir, CASE_LEVEL.parquet_dir])
    assert str(error.value) == (
        f"publishing stopped while building {CASE_LEVEL.file} and its Parquet copies (No space "
        "left on device); nothing published changed")
    left = {k: v for k, v in before.items() if not k.startswith(".triangulate")}
    assert snapshot(marts) == left  # the old leftovers are gone too
    assert sorted(p.name for p in marts.iterdir()) == sorted(
        ["insight_pack.html", ".insight_pack.html.partial", MARTS.file, MARTS.parquet_dir,
         CASE_LEVEL.file, CASE_LEVEL.parquet_dir])


def test_a_failure_while_swapping_puts_back_what_was_swapped(refreshed_copy, monkeypatch):
    marts = refreshed_copy.marts
    before = snapshot(marts)
    real = os.rename

    def refuse_the_case_level_folder(source, target):
        staged = Path(source).parent.name.startswith(publishing.STAGING_PREFIX)
        if staged and Path(source).name == CASE_LEVEL.parquet_dir:
            raise OSError(errno.EACCES, os.strerror(errno.EACCES))
        real(source, target)

    monkeypatch.setattr(publishing.os, "rename", refuse_the_case_level_folder)
    with pytest.raises(PublishError) as error:
        publish(refreshed_copy.warehouse, marts)
    assert str(error.value) == (
        f"publishing stopped while swapping in {marts / CASE_LEVEL.parquet_dir} (Permission "
        "denied); nothing published changed")
    assert snapshot(marts) == before
    assert not [p for p in marts.iterdir() if p.name.startswith(".")]


def test_a_swap_that_cannot_be_put_back_says_where_the_previous_copies_are(refreshed_copy,
                                                                            monkeypatch):
    marts = refreshed_copy.marts
    before = snapshot(marts / CASE_LEVEL.parquet_dir)
    real = os.rename

    def refuse_every_move_into_the_case_level_folder(source, target):
        if Path(target) == marts / CASE_LEVEL.parquet_dir:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS))
        real(source, target)

    monkeypatch.setattr(publishing.os, "rename", refuse_every_move_into_the_case_level_folder)
    with pytest.raises(PublishError) as error:
        publish(refreshed_copy.warehouse, marts)
    message = str(error.value)
    kept = Path(message.split("their previous copies are in ")[1].split(";")[0])
    assert message == (
        f"publishing stopped while swapping in {marts / CASE_LEVEL.parquet_dir} (Read-only file "
        f"system); {CASE_LEVEL.parquet_dir} could not be put back (their previous copies are in "
        f"{kept}; the next refresh removes them); the other outputs are the previous refresh's: "
        "rerun the refresh")
    assert snapshot(kept / CASE_LEVEL.parquet_dir) == before
    assert not (marts / CASE_LEVEL.parquet_dir).exists()
    publishing.remove_leftovers(marts)
    assert not kept.exists()


def test_an_unwritable_published_folder_stops_before_anything_changes(refreshed_copy,
                                                                       monkeypatch):
    marts = refreshed_copy.marts
    locked = marts / CASE_LEVEL.parquet_dir
    real = os.access
    monkeypatch.setattr(publishing.os, "access",
                        lambda path, flags: path != locked and real(path, flags))
    before = snapshot(marts)
    with pytest.raises(PublishError, match=rf"{locked} is not writable by this user.*nothing "
                                           rf"published changed.*chmod u\+rwx"):
        publish(refreshed_copy.warehouse, marts)
    assert snapshot(marts) == before


def test_the_case_level_outputs_are_restricted_and_keep_their_group(refreshed_copy,
                                                                    monkeypatch):
    marts = refreshed_copy.marts
    os.chmod(marts / CASE_LEVEL.file, 0o644)  # as every refresh used to leave it
    os.chown(marts / CASE_LEVEL.file, -1, 4321)  # a patient safety group
    monkeypatch.setenv("TRIANGULATE_MARTS_FILE_MODE", "640")
    published = publish(refreshed_copy.warehouse, marts)
    assert [p.path.name for p in published] == [MARTS.file, CASE_LEVEL.file]
    assert mode(marts / CASE_LEVEL.file) == 0o600
    assert (marts / CASE_LEVEL.file).stat().st_gid == 4321
    assert mode(marts / CASE_LEVEL.parquet_dir) == 0o700
    assert {mode(p) for p in (marts / CASE_LEVEL.parquet_dir).iterdir()} == {0o600}
    assert mode(marts / MARTS.file) == 0o640 and mode(marts / MARTS.parquet_dir) == 0o750
    assert {mode(p) for p in (marts / MARTS.parquet_dir).iterdir()} == {0o640}
    # Every table is in its Parquet folder, and only those tables.
    for file in published:
        folder = marts / (MARTS if file.path.name == MARTS.file else CASE_LEVEL).parquet_dir
        assert {p.stem for p in folder.iterdir()} == {*file.tables, "refresh_info"}
    assert not [p for p in marts.iterdir() if p.name.startswith(".")]


def test_a_publish_killed_while_swapping_is_finished_by_the_next_refresh(refreshed_copy,
                                                                         monkeypatch):
    """An independent probe killed a publish after its first rename: the marts file was new,
    the case-level file old, Parquet missing, and status said all was well. Its outputs were
    all staged and checked, so what it had not yet swapped in is moved in first."""
    marts = refreshed_copy.marts
    real = os.replace

    def killed_after_the_first_swap(source, target):
        real(source, target)
        raise SystemExit("kill -9")  # nothing after this runs, not even the put-back

    with monkeypatch.context() as killed:
        killed.setattr(publishing.os, "replace", killed_after_the_first_swap)
        killed.setattr(publishing.shutil, "rmtree", lambda *_, **__: None)  # no cleanup either
        with pytest.raises(SystemExit):
            publish(refreshed_copy.warehouse, marts)
    [staging] = [p for p in marts.iterdir() if p.name.startswith(publishing.STAGING_PREFIX)]
    staged = {name: snapshot(staging / name) if (staging / name).is_dir()
              else hashlib.sha256((staging / name).read_bytes()).hexdigest()
              for name in (MARTS.parquet_dir, CASE_LEVEL.file, CASE_LEVEL.parquet_dir)
              if (staging / name).exists()}
    assert staged  # the kill left outputs not yet swapped in
    publishing.remove_leftovers(marts)
    for name, digest in staged.items():
        now = snapshot(marts / name) if (marts / name).is_dir() else hashlib.sha256(
            (marts / name).read_bytes()).hexdigest()
        assert now == digest, name
    assert not [p for p in marts.iterdir() if p.name.startswith(".")]


def test_a_redacted_value_is_not_left_in_the_published_file_bytes(tmp_path):
    """An independent probe read identifiers the guard had redacted in the published file's
    old blocks (`strings`, or a query reading the file as a blob): the copy of a large table
    is written out before the guard rewrites the value. Guarded in memory first, the file
    only ever holds the redacted value."""
    import duckdb

    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.hotspots as select 'Ward ' || (i % 50) as "
                    "location_name, i as n from range(300000) t(i)")
        con.execute("update marts.hotspots set location_name = "
                    "'Bay 2 Mrs Jane Smithson 943 476 5919' where n = 7")
    [published, _] = publish(warehouse, tmp_path / "marts")
    with duckdb.connect(str(published.path), read_only=True) as con:
        assert con.execute("select location_name from hotspots where n = 7").fetchone() == (
            "Bay 2 [name] [NHS number]",)
    data = published.path.read_bytes()
    assert b"Smithson" not in data and b"943 476 5919" not in data


def test_a_new_marts_folder_can_be_searched_by_the_bi_tools_reading_the_marts(tmp_path):
    """An independent probe pointed TRIANGULATE_MARTS_DIR at a folder not yet made: the
    refresh (umask 077) made it 700, and no other user could open the 644 marts file in it."""
    import duckdb

    from pipelines.lib.private_files import private_by_default

    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.t as select 1 as n")
    with private_by_default():
        publish(warehouse, tmp_path / "new" / "marts")
    assert mode(tmp_path / "new") == mode(tmp_path / "new" / "marts") == 0o755
    assert mode(tmp_path / "new" / "marts" / MARTS.file) == 0o644
