"""Which dbt models tonight's build must rebuild, from the fingerprints of what they read.

A model's table is a function of the dbt inputs (project, profile, as-of date, value_ref key:
`dbt_inputs_fingerprint`) and of the raw and coded tables upstream of it. When the inputs are
unchanged since the last successful build, only the models downstream of a source whose load
(or coding) changed need rebuilding: every other model would be rebuilt from the same tables
into the same rows. When the inputs changed, or there was no successful build, everything is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# The steps the dbt sources are written by: a load writes its source's raw tables and its rows
# of the loader's accounting tables (the `loader` source); coding writes the `coding` source.
_CODING = {"coded/fft_comments": "coding"}
_BUILT = ("model", "seed", "snapshot")

# What no nightly build runs: dbt's unit tests and the intermediate models' data tests
# (dbt_project.yml tags them); both run in CI (tests/test_dbt_tests_in_ci.py).
NIGHTLY_EXCLUDES = ["--exclude-resource-type", "unit_test"]
CI_ONLY = "tag:ci_only"


@dataclass(frozen=True)
class BuildPlan:
    full: bool
    changed_sources: list[str]  # dbt source names whose tables changed since the last build
    excluded: list[str]  # fqn selectors of the models and seeds left as they are
    kept: list[str] = field(default_factory=list)  # and their unique ids

    @property
    def nothing(self) -> bool:
        return not self.full and not self.changed_sources


def changed_sources(steps: dict[str, str], last_build: dict[str, str]) -> list[str]:
    """dbt sources whose writing step's fingerprint differs from the last build's."""
    changed = sorted(step for step in set(steps) | set(last_build)
                     if steps.get(step) is None or steps.get(step) != last_build.get(step))
    sources = {_CODING.get(step, step.removeprefix("load/")) for step in changed}
    if any(step.startswith("load/") for step in changed):
        sources.add("loader")
    return sorted(sources)


def plan_build(manifest: dict, inputs: str, steps: dict[str, str],
               last: tuple[str, dict] | None, full: bool) -> BuildPlan:
    """The build for `steps` (step -> fingerprint now) given the last successful build
    (its inputs fingerprint and the steps' fingerprints it read), None if there was none."""
    if full or last is None or last[0] != inputs:
        return BuildPlan(True, [], [])
    sources = changed_sources(steps, last[1] or {})
    rebuilt = _with_test_parents(manifest, _downstream(
        manifest, {uid for uid, node in manifest["sources"].items()
                   if node["source_name"] in sources}))
    kept = sorted(uid for uid, node in manifest["nodes"].items()
                  if node["resource_type"] in _BUILT and uid not in rebuilt)
    excluded = sorted("fqn:" + ".".join(manifest["nodes"][uid]["fqn"]) for uid in kept)
    return BuildPlan(False, sources, excluded, kept)


def _downstream(manifest: dict, start: set[str]) -> set[str]:
    seen, todo = set(), list(start)
    while todo:
        for child in manifest["child_map"].get(todo.pop(), []):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return seen


def _with_test_parents(manifest: dict, rebuilt: set[str]) -> set[str]:
    """`rebuilt`, every model or seed a test of a rebuilt node also reads (a relationships
    test to a seed: dbt skips a test one of whose parents is excluded, and such a test must
    still gate the publish), and everything downstream of those (Dagster takes a step's
    assets in dependency order: nothing left as it is may depend on something rebuilt).
    Rebuilding an unchanged model writes the same rows."""
    nodes = manifest["nodes"]
    while True:
        parents = {parent for node in nodes.values() if node["resource_type"] == "test"
                   and rebuilt.intersection(node["depends_on"]["nodes"])
                   for parent in node["depends_on"]["nodes"]
                   if parent in nodes and nodes[parent]["resource_type"] in _BUILT}
        if parents <= rebuilt:
            return rebuilt
        rebuilt = rebuilt | parents | _downstream(manifest, parents)
