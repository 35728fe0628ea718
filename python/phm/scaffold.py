"""`phm new mart <domain> <name>`: the files a new mart starts from, in the right folder.

models/marts/<domain>/<name>.sql   import CTEs, then `final`, lower case
models/marts/<domain>/_<name>.yml  the contract (enforced), columns with data_type and a TODO
                                   description, the primary key (constraint and unique test), and a
                                   unit-test stub

The TODO markers keep `phm lint` failing (a description starting with TODO counts as missing,
and dbt cannot parse a ref to TODO_upstream_model) until the analyst has filled them in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from phm.errors import PhmError
from phm.lint import PREFIXES, naming_problem
from phm.paths import project_root

DOMAIN_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")

SQL_TEMPLATE = """\
-- {name}: one row per TODO (say the grain in one sentence; the YAML says it again).
{config}with upstream as (
    -- one import CTE per model read: ref() to staging, intermediate or other marts, never source()
    select * from {{{{ ref('TODO_upstream_model') }}}}
),

final as (
    select
        cast(todo_column as bigint) as {key},
        todo_column
    from upstream
)

select * from final
"""

YAML_TEMPLATE = """\
models:
  - name: {name}
    description: >
      TODO: one row per ... (the grain), where the rows come from, and who reads them.
    config:
{config}    columns:
      - name: {key}
        data_type: bigint
        description: "TODO: what identifies a row, and whether it is stable across runs."
        constraints:
          - type: not_null
          - type: primary_key
        data_tests:
          - unique
      - name: todo_column
        data_type: text
        description: "TODO: what the column holds, with its unit or allowed values."

unit_tests:
  - name: {name}_TODO_rule_it_pins
    description: >
      TODO: the rule this test pins, with the answer worked out by hand.
    model: {name}
    given:
      - input: ref('TODO_upstream_model')
        rows:
          - {{todo_column: 1}}
    expect:
      rows:
        - {{{key}: 1, todo_column: 1}}
"""


@dataclass(frozen=True)
class Scaffold:
    sql: Path
    yaml: Path

    def files(self) -> list[Path]:
        return [self.sql, self.yaml]


def key_column(name: str) -> str:
    """fact_care_gap -> care_gap_key: the name without its layer prefix, plus _key."""
    for prefix in PREFIXES["marts"]:
        if name.startswith(prefix):
            return f"{name[len(prefix):]}_key"
    return f"{name}_key"


def _existing_model(models: Path, name: str) -> Path | None:
    return next((p for p in models.rglob(f"{name}.sql")), None) or next((p for p in models.rglob(f"{name}.py")), None)


def plan(domain: str, name: str, root: Path | None = None) -> Scaffold:
    """Where the files go; refuses names that break the conventions or are taken."""
    if not DOMAIN_PATTERN.match(domain):
        raise PhmError(f"domain '{domain}' must be lower-case snake_case, e.g. care_gaps or quality.", exit_code=2)
    problem = naming_problem("marts", name)
    if problem:
        raise PhmError(f"cannot create mart: {problem}.", exit_code=2)
    root = root or project_root()
    models = root / "models"
    taken = _existing_model(models, name)
    if taken:
        raise PhmError(f"a model named {name} already exists: {taken.relative_to(root)}.", exit_code=2)
    folder = models / "marts" / domain
    return Scaffold(folder / f"{name}.sql", folder / f"_{name}.yml")


def new_mart(domain: str, name: str, root: Path | None = None) -> Scaffold:
    """Write the SQL and YAML skeletons; never overwrites a file."""
    scaffold = plan(domain, name, root)
    for path in scaffold.files():
        if path.exists():
            raise PhmError(f"{path} already exists; not overwriting it.", exit_code=2)
    is_view = name.startswith("mv_")
    key = key_column(name)
    # dbt cannot enforce a contract on a materialized view; its grain is still tested
    sql_config = "{{ config(materialized='materialized_view') }}\n\n" if is_view else ""
    yaml_config = "      materialized: materialized_view\n" if is_view else "      contract: {enforced: true}\n"
    scaffold.sql.parent.mkdir(parents=True, exist_ok=True)
    scaffold.sql.write_text(SQL_TEMPLATE.format(name=name, key=key, config=sql_config))
    scaffold.yaml.write_text(YAML_TEMPLATE.format(name=name, key=key, config=yaml_config))
    return scaffold
