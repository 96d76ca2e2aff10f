"""Shared fixtures: a small generated trust, refreshed once per session into temporary files."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from pipelines.lib.publishing import CASE_LEVEL, MARTS
from pipelines.lib.settings import DBT_PROJECT_DIR, PROJECT_ROOT
from pipelines.refresh import INSTANCE_SETTINGS

# Where `make test` leaves what it measured (pack renders, the bad-input refresh's memory).
ARTIFACTS = Path(__file__).parent / "artifacts"
DEMO_SEED = 7
DEMO_SCALE = 0.05
TRIANGULATE = str(Path(sys.executable).with_name("triangulate"))
DBT = str(Path(sys.executable).with_name("dbt"))


@dataclass(frozen=True)
class Workspace:
    root: Path
    raw: Path
    warehouse: Path
    marts: Path

    @property
    def published(self) -> Path:
        return self.marts / MARTS.file

    @property
    def case_level(self) -> Path:
        return self.marts / CASE_LEVEL.file

    def env(self) -> dict[str, str]:
        return {
            "TRIANGULATE_RAW_DIR": str(self.raw),
            "TRIANGULATE_WAREHOUSE": str(self.warehouse),
            "TRIANGULATE_MARTS_DIR": str(self.marts),
            "DAGSTER_HOME": str(self.root / "dagster_home"),
        }

    def query(self, sql: str, params=None, file: Path | None = None) -> list[tuple]:
        con = duckdb.connect(str(file or self.published), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()


def make_workspace(root: Path) -> Workspace:
    workspace = Workspace(root, root / "raw", root / "warehouse" / "warehouse.duckdb",
                          root / "marts")
    home = root / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(INSTANCE_SETTINGS, home / "dagster.yaml")
    return workspace


class SideBySide:
    """Independent commands (args, environment), each started at once in its own process: a
    refresh of a small trust keeps little more than one core busy, so refreshes of different
    trusts side by side (or beside the tests) take well under their sum on CI's two cores."""

    def __init__(self, commands: list[tuple[list[str], dict[str, str]]]):
        self._files = contextlib.ExitStack()
        self._running = []
        for args, env in commands:
            # Files, not pipes: a process whose pipe fills while another is waited on stalls.
            out, err = (self._files.enter_context(tempfile.TemporaryFile("w+"))  # noqa: SIM115
                        for _ in range(2))
            self._running.append((args, out, err, subprocess.Popen(
                args, env=env, cwd=PROJECT_ROOT, stdout=out, stderr=err, text=True)))
        self._done: list[subprocess.CompletedProcess] | None = None

    def wait(self, timeout: float = 900) -> list[subprocess.CompletedProcess]:
        if self._done is None:
            try:
                self._done = [self._finished(*running, timeout) for running in self._running]
            finally:
                self.stop()
        return self._done

    @staticmethod
    def _finished(args, out, err, process, timeout) -> subprocess.CompletedProcess:
        process.wait(timeout)
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(args, process.returncode, out.read(), err.read())

    def stop(self) -> None:
        for *_, process in self._running:
            process.kill()
            process.wait()
        self._files.close()


def run_dbt(args: list[str], target: Path, **run) -> subprocess.CompletedProcess:
    """`dbt <args>` under the refresh's profile, its target folder and logs in `target`,
    starting from the session's saved parse as a refresh's build does (dbt then parses only
    what the environment changes, not the whole project again)."""
    from pipelines.defs.dbt.resources import active_profile, seed_partial_parse

    seed_partial_parse(target)
    with active_profile() as profile_args:
        return subprocess.run(
            [DBT, *args, "--target-path", str(target), "--log-path", str(target), *profile_args],
            cwd=DBT_PROJECT_DIR, capture_output=True, text=True, **run)


def run_side_by_side(commands: list[tuple[list[str], dict[str, str]]]
                     ) -> list[subprocess.CompletedProcess]:
    return SideBySide(commands).wait()


@pytest.fixture(scope="session")
def session_env():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.fixture(scope="session", autouse=True)
def dbt_manifest():
    """The dbt manifest the Dagster definitions are built from, parsed once."""
    from pipelines.refresh import prepare_dbt_manifest

    prepare_dbt_manifest()


@pytest.fixture(scope="session")
def demo(tmp_path_factory, session_env) -> tuple[Workspace, dict]:
    """A small demo trust's exports with its planted scenario (the ground truth)."""
    from pipelines.demo import generate_trust

    workspace = make_workspace(tmp_path_factory.mktemp("demo"))
    truth = generate_trust(workspace.raw, seed=DEMO_SEED, scale=DEMO_SCALE)
    # The optional national PFD input: three fictional reports in the PFD-toolkit layout.
    (workspace.raw / "pfd").mkdir()
    shutil.copy(Path(__file__).parent / "data" / "pfd_reports_sample.csv", workspace.raw / "pfd")
    for name, value in workspace.env().items():
        session_env.setenv(name, value)
    # The operational marts judge "overdue" against this date: pin it to the last day the
    # exports cover, so the same files give the same marts whatever day the tests run.
    session_env.setenv("TRIANGULATE_AS_OF_DATE", truth["generator"]["end_date"])
    return workspace, truth


@pytest.fixture(scope="session")
def refreshed(demo):
    """The demo trust after one full nightly refresh; fails loudly if the refresh did."""
    from pipelines.refresh import run_refresh

    workspace, truth = demo
    outcome = run_refresh()
    assert outcome.success, "\n".join(outcome.failures)
    return workspace, truth


@pytest.fixture
def refreshed_copy(refreshed, tmp_path, monkeypatch) -> Workspace:
    """An independent copy of the refreshed workspace (exports, warehouse, published marts),
    with the environment pointing at it: somewhere to break things."""
    source, _ = refreshed
    copy = make_workspace(tmp_path)
    shutil.copytree(source.raw, copy.raw)
    copy.warehouse.parent.mkdir(parents=True)
    shutil.copy(source.warehouse, copy.warehouse)
    shutil.copytree(source.marts, copy.marts)
    for name, value in copy.env().items():
        monkeypatch.setenv(name, value)
    return copy


# Other trusts' problems: different wards, directorates, themes, sources and sizes.
SCENARIOS = {
    "pressure_and_medication": {
        "problems": [
            {"name": "pressure_ward_6", "theme": "pressure_ulcers",
             "unit": {"level": "location", "value": "LOC-W6"},
             "sources": ["incidents", "complaints", "fft"], "window_months": 6, "intensity": 3.0},
            {"name": "medication_surgery", "theme": "medication",
             "unit": {"level": "directorate", "value": "Surgery"},
             "sources": ["incidents", "complaints", "sjr"], "window_months": 6,
             "intensity": 2.5},
        ],
        "decoys": [
            {"name": "falls_drive_ward_11", "theme": "falls",
             "unit": {"level": "location", "value": "LOC-W11"},
             "sources": ["incidents"], "window_months": 4, "intensity": 2.0},
            # Two inquests about one ward: sparse, and improbable for that ward.
            {"name": "inquest_pair_ward_10", "theme": "diagnosis",
             "unit": {"level": "location", "value": "LOC-W10"},
             "counts": {"inquests": 2}, "window_months": 6},
        ],
    },
    "infection_and_self_harm": {
        "problems": [
            {"name": "infection_ward_7b", "theme": "infection",
             "unit": {"level": "location", "value": "LOC-W7B"},
             "sources": ["incidents", "fft", "complaints"], "window_months": 5,
             "intensity": 2.5},
            {"name": "self_harm_ed", "theme": "self_harm_suicide",
             "unit": {"level": "location", "value": "LOC-ED"},
             "sources": ["incidents", "complaints", "inquests"], "window_months": 6,
             "intensity": 2.5},
            {"name": "communication_ward_2", "theme": "communication",
             "unit": {"level": "location", "value": "LOC-W2"},
             "sources": ["complaints", "fft"], "window_months": 4, "intensity": 3.0},
        ],
        "decoys": [
            {"name": "discharge_fft_ward_4", "theme": "discharge_transfer",
             "unit": {"level": "location", "value": "LOC-W4"},
             "sources": ["fft"], "window_months": 3, "intensity": 2.0},
        ],
    },
}


def _held_out_benchmark_trust() -> dict:
    """A detection-benchmark trust from the held-out seed, which the signal was not tuned
    on, at the benchmark's smallest size: generate_trust arguments."""
    from pipelines.detection_bench.__main__ import HELD_OUT_SEED
    from pipelines.detection_bench.scenarios import make_scenario

    bench = make_scenario(HELD_OUT_SEED, 0)
    return {"seed": bench.seed, "scale": 0.1, "years": bench.years,
            "end_date": bench.end_date, "scenario": bench.spec}


TRUSTS = {name: {"seed": 11, "scale": DEMO_SCALE, "scenario": spec}
          for name, spec in SCENARIOS.items()}
TRUSTS["held_out_benchmark"] = _held_out_benchmark_trust


@pytest.fixture(scope="session")
def refreshed_trusts(tmp_path_factory, dbt_manifest):
    """Every trust of TRUSTS, generated, then refreshed side by side in the background
    (`triangulate refresh`, one process each): name -> (workspace, truth), once refreshed."""
    from pipelines.demo import generate_trust

    trusts: dict[str, tuple[Workspace, dict]] = {}
    for name, arguments in TRUSTS.items():
        workspace = make_workspace(tmp_path_factory.mktemp(name))
        trusts[name] = workspace, generate_trust(
            workspace.raw, **(arguments() if callable(arguments) else arguments))
    refreshes = SideBySide([([TRIANGULATE, "refresh"], {
        **os.environ, **workspace.env(),
        "TRIANGULATE_AS_OF_DATE": truth["generator"]["end_date"]})
        for workspace, truth in trusts.values()])

    def refreshed_trust(name: str) -> tuple[Workspace, dict]:
        for each, run in zip(trusts, refreshes.wait(), strict=True):
            assert run.returncode == 0, f"{each}:\n{run.stdout}{run.stderr}"
        return trusts[name]

    yield refreshed_trust
    refreshes.stop()


@pytest.fixture(scope="session")
def privacy_refreshes(tmp_path_factory, dbt_manifest):
    """test_privacy's two trusts, prepared, their refreshes started side by side
    (tests/privacy_trusts.py): (corpus trust, accepted trust, refreshes)."""
    from privacy_trusts import start_refreshes

    started = start_refreshes(tmp_path_factory)
    yield started
    started[2].stop()


# Trusts no test changes, refreshed in their own processes: started first thing when the
# session will read them, they run beside the tests before theirs, which mostly keep one of
# CI's two cores busy.
REFRESHED_EARLY = ("refreshed_trusts", "privacy_refreshes")


@pytest.fixture(scope="session", autouse=True)
def refreshes_started_early(request, dbt_manifest):
    for name in REFRESHED_EARLY:
        if any(name in item.fixturenames for item in request.session.items):
            request.getfixturevalue(name)


@pytest.fixture(scope="session", params=["default", *TRUSTS])
def scenario_trust(request, refreshed_trusts):
    """A refreshed small trust per scenario (the session's demo trust for the default):
    (workspace, truth, scenario name)."""
    if request.param == "default":
        return (*request.getfixturevalue("refreshed"), request.param)
    return (*refreshed_trusts(request.param), request.param)
