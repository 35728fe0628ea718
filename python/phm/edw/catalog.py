"""Reference data the generator draws from: the project's bundle seeds and its code tables.

The bundle and measure seeds under `seeds/care_gaps/` are the single source of truth: the
generator gives patients the seeds' ICD-10-CM codes and produces the evidence the seeds'
measures look for, and it writes the seeds' catalogue into the EDW's own tables
(`condition_bundle`, `measure_definition`, `bundle_measure`, `bundle_overlap_rule`) the way a
real Medgnosis EDW holds them (upstream bundle codes such as DM and T1D).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

from phm.errors import PhmError
from phm.paths import project_root


def _data(name: str) -> pd.DataFrame:
    with resources.files("phm.edw").joinpath("data", name).open() as handle:
        return pd.read_csv(handle, dtype=str, keep_default_na=False)


def seeds_dir() -> Path:
    return project_root() / "seeds" / "care_gaps"


def _seed(name: str) -> pd.DataFrame:
    path = seeds_dir() / f"{name}.csv"
    if not path.is_file():
        raise PhmError(f"Seed file {path} is missing; the generator reads the bundle catalogue from it.")
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def split_list(value: str) -> list[str]:
    return [part.strip() for part in str(value).split("|") if part.strip()]


@lru_cache(maxsize=None)
def icd10_leaf_codes(prefix: str) -> tuple[tuple[str, str], ...]:
    """Billable ICD-10-CM codes (dotted) under a code or category, with their descriptions."""
    import simple_icd_10_cm as cm

    code = prefix.strip().upper()
    if not cm.is_valid_item(code):
        return ()
    if cm.is_leaf(code):
        return ((cm.add_dot(code), cm.get_description(code)),)
    leaves = [c for c in cm.get_descendants(code) if cm.is_leaf(c) and cm.is_category_or_subcategory(c)]
    leaves = [c for c in leaves if "-" not in c]
    return tuple((cm.add_dot(c), cm.get_description(c)) for c in sorted(leaves))


@dataclass(frozen=True)
class Catalog:
    bundles: pd.DataFrame
    bundle_measures: pd.DataFrame
    measures: pd.DataFrame
    dedup_domains: pd.DataFrame
    prevalence: pd.DataFrame
    loinc: pd.DataFrame
    code_names: pd.DataFrame
    zip_codes: pd.DataFrame
    bundle_codes: pd.DataFrame  # bundle_code, icd10_code (dotted), description: billable codes per bundle

    @cached_property
    def names(self) -> dict[tuple[str, str], str]:
        """(code system, code) -> display name, from data/code_names.csv."""
        return {(r.code_system, r.code): r.name for r in self.code_names.itertuples()}


def _bundle_codes(bundles: pd.DataFrame) -> pd.DataFrame:
    """Billable ICD-10-CM codes per bundle. Walking the ICD-10-CM tree takes seconds, so the answer is
    cached under .phm/cache/, keyed by the bundle seed's content and the code set's version."""
    import hashlib
    from importlib.metadata import version

    from phm.paths import state_dir

    key = hashlib.md5((bundles.to_csv(index=False) + version("simple_icd_10_cm")).encode()).hexdigest()[:16]
    cache = state_dir() / "cache" / f"bundle_codes-{key}.csv"
    if cache.is_file():
        return pd.read_csv(cache, dtype=str, keep_default_na=False)
    rows = []
    for bundle in bundles.itertuples():
        codes: list[tuple[str, str]] = []
        for prefix in split_list(bundle.icd10_codes):
            codes.extend(icd10_leaf_codes(prefix))
        if not codes:
            raise PhmError(f"Bundle {bundle.bundle_code} has no valid ICD-10-CM code in its icd10_codes.")
        # Prefer the common, unspecified or uncomplicated codes a PCP records most: the first
        # few codes of each category by code order get most of the weight (see generate.py).
        for code, description in dict.fromkeys(codes):
            rows.append((bundle.bundle_code, code, description))
    frame = pd.DataFrame(rows, columns=["bundle_code", "icd10_code", "description"])
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_suffix(f".{os.getpid()}.tmp")
        frame.to_csv(partial, index=False)
        partial.replace(cache)
    except OSError:
        pass  # a read-only checkout: no cache, same answer
    return frame


def load_catalog() -> Catalog:
    bundles = _seed("care_gap_bundles")
    bundle_measures = _seed("bundle_measures")
    measures = _seed("measures")
    domains = _seed("dedup_domains")
    prevalence = _data("bundle_prevalence.csv")
    missing = set(bundles.bundle_code) - set(prevalence.bundle_code)
    if missing:
        raise PhmError(f"bundle_prevalence.csv has no prevalence for bundles: {', '.join(sorted(missing))}")
    bundle_codes = _bundle_codes(bundles)
    return Catalog(
        bundles=bundles,
        bundle_measures=bundle_measures,
        measures=measures,
        dedup_domains=domains,
        prevalence=prevalence,
        loinc=_data("loinc_values.csv"),
        code_names=_data("code_names.csv"),
        zip_codes=_data("zip_codes.csv"),
        bundle_codes=bundle_codes,
    )
