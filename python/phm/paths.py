"""Where the project lives on disk, and where it keeps its own state."""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    """The folder holding dbt_project.yml.

    `PHM_PROJECT_DIR` wins; otherwise the current folder or one of its parents; otherwise the
    checkout this package was installed from (editable installs).
    """
    env = os.environ.get("PHM_PROJECT_DIR")
    if env:
        return Path(env).resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "dbt_project.yml").is_file():
            return folder
    installed = Path(__file__).resolve().parents[2]
    if (installed / "dbt_project.yml").is_file():
        return installed
    return here


def state_dir() -> Path:
    """`.phm/` under the project: data directory, logs and remembered settings (git-ignored)."""
    return project_root() / ".phm"
