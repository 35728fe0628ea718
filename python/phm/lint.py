"""`phm lint`: layout, naming, test and documentation rules, checked over dbt's manifest.

In the spirit of dbt-project-evaluator (which needs the dbt hub, so cannot be installed here): dbt
parses the project once (`dbt parse` writes target/manifest.json) and each rule is a plain walk over
that file. Every violation is one line, `path: rule: message`, naming the file to fix.

The layers are the folders under models/: staging, intermediate, marts. Within staging the
project uses two kinds of model, and both directions between them are sanctioned:

- `base_<source>__<table>` tables read the source, evaluate the row rules once, and may read the
  parents' `stg_` views for orphan checks (a row whose parent was rejected is rejected too);
- `stg_<source>__<table>` views read their `base_` table (and `stg_phm_edw__rejects` reads every
  `base_`). A `stg_` model reading another `stg_` model is what the staging rule forbids: joins
  belong in intermediate models.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from phm.errors import PhmError
from phm.paths import project_root

LAYERS = ("staging", "intermediate", "marts")
PREFIXES: dict[str, tuple[str, ...]] = {
    "staging": ("base_", "stg_"),
    "intermediate": ("int_",),
    # v_ : the plain views the cost-dashboard spec names (v_current_cost_categories, ...).
    "marts": ("dim_", "fact_", "bridge_", "mv_", "v_"),
}
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
# Tests that prove a grain: dbt's `unique` and the project's `unique_combination` (macros/tests).
UNIQUENESS_TESTS = frozenset({"unique", "unique_combination"})
# dbt-postgres 1.11 cannot enforce a contract on a materialized view (it creates the view from the
# query as is), so for those the uniqueness test is required and the contract is not.
NO_CONTRACT_MATERIALIZATIONS = frozenset({"materialized_view"})
DOCUMENTED_TYPES = ("model", "seed", "snapshot")

RULES: dict[str, str] = {
    "source-outside-staging": "only staging models read sources",
    "staging-reads-staging": "a stg_ model reads its base_ table, never another stg_ model",
    "naming": "base_/stg_ in staging, int_ in intermediate, dim_/fact_/bridge_/mv_/v_ in marts, lower case",
    "mart-without-unique-test": "every mart has a unique or unique_combination test or a primary_key constraint",
    "mart-without-contract": "every mart enforces its contract",
    "missing-description": "every model, seed, snapshot, source, exposure and column has a description",
}


@dataclass(frozen=True, order=True)
class Violation:
    path: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.rule}: {self.message}"


@dataclass
class Coverage:
    """Description coverage: documented / total, for nodes and for columns."""

    nodes: int = 0
    nodes_documented: int = 0
    columns: int = 0
    columns_documented: int = 0
    by_type: dict[str, list[int]] = field(default_factory=dict)

    def add_node(self, resource_type: str, documented: bool) -> None:
        self.nodes += 1
        self.nodes_documented += documented
        counts = self.by_type.setdefault(resource_type, [0, 0])
        counts[0] += documented
        counts[1] += 1

    def add_column(self, documented: bool) -> None:
        self.columns += 1
        self.columns_documented += documented

    def summary(self) -> str:
        kinds = ", ".join(f"{n}/{total} {kind}s" for kind, (n, total) in sorted(self.by_type.items()))
        return (f"descriptions: {_pct(self.nodes_documented, self.nodes)} of nodes ({kinds}), "
                f"{_pct(self.columns_documented, self.columns)} of columns "
                f"({self.columns_documented}/{self.columns})")


@dataclass
class LintReport:
    violations: list[Violation]
    coverage: Coverage
    models: int
    used_catalog: bool

    @property
    def ok(self) -> bool:
        return not self.violations


def _pct(n: int, total: int) -> str:
    return f"{100.0 * n / total:.1f}%" if total else "100.0%"


# --------------------------------------------------------------------------- loading


def _profile_env() -> dict[str, str]:
    """The connection variables profiles.yml reads, when a database is configured.

    `dbt parse` connects to nothing, but rendering the profile the same way as `phm run` does keeps
    dbt's partial parsing valid between the two (a different profile means a full re-parse).
    """
    from phm import db

    try:
        env = db.current_connection().dbt_env()
    except PhmError:
        env = {}
    return {**env, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DBT_VERSION_CHECK": "false"}


def parse_manifest(project_dir: Path | None = None, target_dir: Path | None = None) -> Path:
    """Run `dbt parse` in-process (no database needed) and return the manifest it wrote."""
    from dbt.cli.main import dbtRunner

    from phm.orchestrate import _environ

    project = (project_dir or project_root()).resolve()
    target = (target_dir or project / "target").resolve()
    args = ["--quiet", "parse", "--project-dir", str(project), "--profiles-dir", str(project),
            "--target-path", str(target), "--log-path", str(project / "logs")]
    with _environ(_profile_env()):
        result = dbtRunner().invoke(args)
    if not result.success:
        detail = " ".join(str(result.exception or "see logs/dbt.log").split())
        raise PhmError(f"dbt parse failed, so the project cannot be linted: {detail}")
    return target / "manifest.json"


def load_json(path: Path, what: str) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise PhmError(f"{what} not found at {path}; run `phm lint` (or `dbt parse`) first.") from None
    except json.JSONDecodeError as exc:
        raise PhmError(f"{path} is not valid JSON: {exc}") from None


# --------------------------------------------------------------------------- helpers


def _layer(node: dict[str, Any]) -> str | None:
    parts = Path(node["original_file_path"]).parts
    return parts[1] if len(parts) > 2 and parts[1] in LAYERS else None


def _models(manifest: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    project = manifest["metadata"].get("project_name")
    for uid, node in sorted(manifest["nodes"].items()):
        if node["resource_type"] == "model" and node["package_name"] == project:
            yield uid, node


def _yaml_path(node: dict[str, Any]) -> str:
    """Where a node's descriptions live: its YAML file, else the file that defines it."""
    patch = node.get("patch_path")
    if patch:
        return str(patch).split("://", 1)[-1]
    return str(node["original_file_path"])


def _has_text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _description_problem(value: object) -> str | None:
    """Why a description does not count (empty, or a TODO left by `phm new mart`), or None."""
    if not _has_text(value):
        return "has no description"
    if str(value).strip().upper().startswith("TODO"):
        return "has only a TODO description"
    return None


def _uniqueness_tests(manifest: dict[str, Any]) -> dict[str, set[str]]:
    """model unique_id -> names of the generic tests attached to it."""
    found: dict[str, set[str]] = {}
    for node in manifest["nodes"].values():
        meta = node.get("test_metadata")
        if node["resource_type"] == "test" and meta and node.get("attached_node"):
            found.setdefault(node["attached_node"], set()).add(meta["name"])
    return found


def _has_primary_key(node: dict[str, Any]) -> bool:
    model_level = any(c.get("type") == "primary_key" for c in node.get("constraints", []))
    column_level = any(c.get("type") == "primary_key"
                       for column in node["columns"].values() for c in column.get("constraints", []))
    return model_level or column_level


# --------------------------------------------------------------------------- structural rules


def check_sources(manifest: dict[str, Any]) -> list[Violation]:
    out = []
    for _, node in _models(manifest):
        if _layer(node) == "staging":
            continue
        for parent in node["depends_on"]["nodes"]:
            if parent.startswith("source."):
                src = manifest["sources"][parent]
                out.append(Violation(node["original_file_path"], "source-outside-staging",
                                     f"{node['name']} reads source {src['source_name']}.{src['name']}; "
                                     f"ref() its staging model instead"))
    return out


def check_staging_refs(manifest: dict[str, Any]) -> list[Violation]:
    out = []
    for _, node in _models(manifest):
        if _layer(node) != "staging" or not node["name"].startswith("stg_"):
            continue
        for parent in node["depends_on"]["nodes"]:
            other = manifest["nodes"].get(parent)
            if other and other["resource_type"] == "model" and _layer(other) == "staging" \
                    and other["name"].startswith("stg_"):
                out.append(Violation(node["original_file_path"], "staging-reads-staging",
                                     f"{node['name']} reads {other['name']}; a stg_ model reads its base_ "
                                     f"table or a source, joins belong in an int_ model"))
    return out


def naming_problem(layer: str | None, name: str) -> str | None:
    """Why a model name breaks the conventions for its layer, or None when it is fine."""
    if layer is None:
        return f"{name} is outside models/staging, models/intermediate and models/marts"
    if not NAME_PATTERN.match(name):
        return f"{name} is not lower-case snake_case"
    prefixes = PREFIXES[layer]
    if not name.startswith(prefixes):
        return f"{name} is in {layer} but does not start with {' or '.join(prefixes)}"
    if name in prefixes or name.endswith("_"):
        return f"{name} has no name after its prefix"
    return None


def check_names(manifest: dict[str, Any]) -> list[Violation]:
    out = []
    for _, node in _models(manifest):
        problem = naming_problem(_layer(node), node["name"])
        if problem:
            out.append(Violation(node["original_file_path"], "naming", problem))
    return out


def check_marts(manifest: dict[str, Any]) -> list[Violation]:
    tests = _uniqueness_tests(manifest)
    out = []
    for uid, node in _models(manifest):
        if _layer(node) != "marts":
            continue
        where = _yaml_path(node)
        if not (tests.get(uid, set()) & UNIQUENESS_TESTS or _has_primary_key(node)):
            out.append(Violation(where, "mart-without-unique-test",
                                 f"{node['name']} has no unique or unique_combination test and no "
                                 f"primary_key constraint: its grain is untested"))
        materialized = node["config"].get("materialized")
        enforced = bool((node["config"].get("contract") or {}).get("enforced"))
        if not enforced and materialized not in NO_CONTRACT_MATERIALIZATIONS:
            out.append(Violation(where, "mart-without-contract",
                                 f"{node['name']} does not set contract: {{enforced: true}}"))
    return out


# --------------------------------------------------------------------------- descriptions


def _documented_nodes(manifest: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    project = manifest["metadata"].get("project_name")
    for uid, node in sorted(manifest["nodes"].items()):
        if node["resource_type"] in DOCUMENTED_TYPES and node["package_name"] == project:
            yield uid, node
    for uid, node in sorted(manifest["sources"].items()):
        if node["package_name"] == project:
            yield uid, node


def check_descriptions(manifest: dict[str, Any], catalog: dict[str, Any] | None = None,
                       coverage: Coverage | None = None) -> list[Violation]:
    """Every node and column has a description.

    Columns are those the YAML declares and, given a catalog (`dbt docs generate`), those the built
    relation has: a column the database has but the YAML does not mention is undocumented too.
    Without a catalog, a node that declares no column at all is reported.
    """
    coverage = coverage if coverage is not None else Coverage()
    out: list[Violation] = []
    catalog_nodes = {**(catalog or {}).get("nodes", {}), **(catalog or {}).get("sources", {})}
    for uid, node in _documented_nodes(manifest):
        kind = node["resource_type"]
        label = f"{node['source_name']}.{node['name']}" if kind == "source" else node["name"]
        where = _yaml_path(node)
        problem = _description_problem(node.get("description"))
        coverage.add_node(kind, problem is None)
        if problem:
            out.append(Violation(where, "missing-description", f"{kind} {label} {problem}"))
        if kind == "source" and _description_problem(node.get("source_description")):
            out.append(Violation(where, "missing-description", f"source {node['source_name']} has no description"))
        declared = {name.lower(): col for name, col in node["columns"].items()}
        built = {name.lower() for name in (catalog_nodes.get(uid) or {}).get("columns", {})}
        if not declared and not built and catalog is None:
            out.append(Violation(where, "missing-description", f"{kind} {label} declares no columns"))
        for column in sorted(declared.keys() | built):
            problem = _description_problem((declared.get(column) or {}).get("description"))
            coverage.add_column(problem is None)
            if problem:
                why = problem if column in declared else "is not in its YAML"
                out.append(Violation(where, "missing-description", f"column {label}.{column} {why}"))
    for _, exposure in sorted(manifest.get("exposures", {}).items()):
        problem = _description_problem(exposure.get("description"))
        coverage.add_node("exposure", problem is None)
        if problem:
            out.append(Violation(exposure["original_file_path"], "missing-description",
                                 f"exposure {exposure['name']} {problem}"))
    return out


# --------------------------------------------------------------------------- entry points


def lint(manifest: dict[str, Any], catalog: dict[str, Any] | None = None) -> LintReport:
    """Every rule over a parsed manifest (and catalog, if given); violations sorted by file."""
    coverage = Coverage()
    found: list[Violation] = []
    found += check_sources(manifest)
    found += check_staging_refs(manifest)
    found += check_names(manifest)
    found += check_marts(manifest)
    found += check_descriptions(manifest, catalog, coverage)
    violations = sorted(set(found))
    return LintReport(violations, coverage, sum(1 for _ in _models(manifest)), catalog is not None)


def lint_project(parse: bool = True, project_dir: Path | None = None,
                 catalog_path: Path | None = None) -> LintReport:
    """Parse the project (unless told to reuse target/manifest.json) and lint it."""
    project = (project_dir or project_root()).resolve()
    manifest_path = parse_manifest(project) if parse else project / "target" / "manifest.json"
    manifest = load_json(manifest_path, "manifest.json")
    catalog = load_json(catalog_path, "catalog.json") if catalog_path else None
    return lint(manifest, catalog)
