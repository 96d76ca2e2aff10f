"""Which dbt models tonight's build must rebuild, from the fingerprints of what they read.

A model's table is a function of the dbt inputs (project, profile, value_ref key:
`dbt_inputs_fingerprint`), of the raw and coded tables upstream of it and, for the few models
that judge "overdue" or "open" against it, of the as-of date. When the inputs are unchanged
since the last successful build, only the models downstream of a source whose load (or
coding) changed need rebuilding, and, on a later as-of date, those that read it: every other
model would be rebuilt from the same tables into the same rows. When the inputs changed, the
as-of date went back, or there was no successful build, everything is.

A build that fails may leave models built as it built them. So each build notes, before it
starts, the inputs fingerprint and the as-of date it builds under (`note_attempt`, kept until
a build succeeds): after one under other inputs everything is rebuilt, and after one on
another as-of date the models that read the date are, whatever tonight's date is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# The steps the dbt sources are written by: a load writes its source's raw tables and its rows
# of the loader's accounting tables (the `loader` source); coding writes the `coding` source.
_CODING = {"coded/fft_comments": "coding"}
_BUILT = ("model", "seed", "snapshot")
# The as-of date, recorded with the steps' fingerprints. Models read it through this macro; the
# loader's source inventory is judged against it every night.
AS_OF_STEP = "as_of_date"
AS_OF_MACRO = "macro.triangulate.as_of_date"
# The step noting the builds attempted since the last successful one (note_attempt).
ATTEMPTED = "dbt_attempted"
INVENTORY = ("loader", "source_inventory")

# What no nightly build runs: dbt's unit tests and the intermediate models' data tests
# (dbt_project.yml tags them); both run in CI (tests/test_dbt_tests_in_ci.py).
NIGHTLY_EXCLUDES = ["--exclude-resource-type", "unit_test"]
CI_ONLY = "tag:ci_only"


@dataclass(frozen=True)
class BuildPlan:
    full: bool
    changed_sources: list[str]  # dbt source names whose tables changed since the last build
    # Selectors of the models and seeds left as they are: `+fqn:` of each one nothing left
    # reads (what is left is closed upstream, so its ancestors are exactly the rest; hundreds
    # of single selectors cost dbt seconds to resolve)
    excluded: list[str]
    kept: list[str] = field(default_factory=list)  # unique ids of the models and seeds left

    @property
    def nothing(self) -> bool:
        return not self.full and not self.changed_sources

    def dbt_args(self) -> list[str]:
        """`dbt build` arguments leaving the kept models and seeds out, with the tests that
        read only those: with cautious indirect selection an excluded model takes along only
        the tests all of whose parents are excluded, so a test of a rebuilt model that also
        reads one left as it is (a relationships test to a seed) still runs. A full build
        rebuilds the incremental models (keyword matches kept from earlier nights) from nothing."""
        if self.full:
            return ["--full-refresh"]
        if not self.excluded:
            return []
        # One space-separated value: dagster-dbt passes it on to dbt as one selection.
        return ["--indirect-selection", "cautious", "--exclude", " ".join(self.excluded)]


def sources_with_changed_records(noted: list[tuple[str, str]]) -> set[str]:
    """dbt sources whose records raw.changed_keys notes as changed, from its (source, entity)
    pairs: a load's are its source's and the loader's; FFT coding's (entity fft_comments)
    the coding source's. The fingerprints can miss them: a load read again on a later day
    accepts a row it rejected (the files, so the fingerprint, unchanged), and files put back
    as they were after a build that failed half way leave the fingerprints equal to the last
    successful build's while its half-built tables hold the failed night's records."""
    sources = {"coding" if entity == "fft_comments" else source for source, entity in noted}
    return sources | ({"loader"} if sources - {"coding"} else set())


def changed_sources(steps: dict[str, str], last_build: dict[str, str]) -> list[str]:
    """dbt sources whose writing step's fingerprint differs from the last build's."""
    changed = sorted(step for step in (set(steps) | set(last_build)) - {AS_OF_STEP}
                     if steps.get(step) is None or steps.get(step) != last_build.get(step))
    sources = {_CODING.get(step, step.removeprefix("load/")) for step in changed}
    if any(step.startswith("load/") for step in changed):
        sources.add("loader")
    return sorted(sources)


def note_attempt(attempted: dict | None, inputs: str, as_of: str) -> dict:
    """The builds attempted since the last successful one (`attempted`, None if none), with
    one more under `inputs` on `as_of`: every inputs fingerprint and as-of date, for a build
    that fails after another failed may have left models as either built them."""
    attempted = attempted or {}
    return {"inputs": sorted({*attempted.get("inputs", []), inputs}),
            "as_of_dates": sorted({*attempted.get("as_of_dates", []), as_of})}


def plan_build(manifest: dict, inputs: str, steps: dict[str, str],
               last: tuple[str, dict] | None, full: bool,
               noted: set[str] = frozenset(), attempted: dict | None = None) -> BuildPlan:
    """The build for `steps` (step -> fingerprint now, and AS_OF_STEP -> the as-of date) given
    the last successful build (its inputs fingerprint and the steps it read), None if there
    was none, the sources whose records are noted as changed since
    (sources_with_changed_records): every model reading those is rebuilt too, so that a
    successful build has recomputed every record noted; and the builds attempted since
    (note_attempt), None if none."""
    read = (last[1] or {}) if last else {}
    attempted = attempted or {}
    if full or last is None or last[0] != inputs or (
            steps[AS_OF_STEP] < read.get(AS_OF_STEP, steps[AS_OF_STEP])) or any(
            tried != inputs for tried in attempted.get("inputs", [])):
        return BuildPlan(True, [], [])
    sources = sorted(set(changed_sources(steps, read)) | noted)
    tables = {uid for uid, node in manifest["sources"].items() if node["source_name"] in sources}
    readers = set()
    if {steps[AS_OF_STEP]} != {read.get(AS_OF_STEP), *attempted.get("as_of_dates", [])} - {None}:
        # The models that read the day, and the sources judged against it. A data test that
        # passed on an earlier day (no record dated after the as-of date) holds on a later one.
        day_macros = _macros_calling(manifest, AS_OF_MACRO)
        readers = {uid for uid, node in manifest["nodes"].items()
                   if node["resource_type"] in _BUILT
                   and day_macros.intersection(node.get("depends_on", {}).get("macros", []))}
        tables |= {uid for uid, node in manifest["sources"].items()
                   if (node["source_name"], node["name"]) == INVENTORY}
        sources = sorted({*sources, INVENTORY[0]})
    rebuilt = readers | _downstream(manifest, tables | readers)
    nodes = manifest["nodes"]
    kept = sorted(uid for uid, node in nodes.items()
                  if node["resource_type"] in _BUILT and uid not in rebuilt)
    left = set(kept)
    last = [uid for uid in kept if not left.intersection(manifest["child_map"].get(uid, []))]
    excluded = sorted("+fqn:" + ".".join(nodes[uid]["fqn"]) for uid in last)
    return BuildPlan(False, sources, excluded, kept)


def _macros_calling(manifest: dict, macro: str) -> set[str]:
    """`macro` and every macro calling it, directly or through others: dbt lists only the
    macros a node calls itself (a model reads the day through last_complete_month too)."""
    callers, grown = {macro}, True
    while grown:
        found = {uid for uid, node in manifest["macros"].items()
                 if callers.intersection(node.get("depends_on", {}).get("macros", []))}
        grown = bool(found - callers)
        callers |= found
    return callers


def _downstream(manifest: dict, start: set[str]) -> set[str]:
    seen, todo = set(), list(start)
    while todo:
        for child in manifest["child_map"].get(todo.pop(), []):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return seen
