"""`phm bundles check`: validate the care-gap seed CSVs before dbt loads them.

Each problem is one line naming the file, the line and the row, e.g.
`seeds/care_gaps/measures.csv:12: DM-01: evidence_loinc_codes '4548-5' fails the LOINC check digit`.
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

FREQUENCIES = {
    "Every visit": 0, "Monthly": 30, "Every 3 months": 91, "Every 6 months": 182, "Annually": 365,
    "Every 2 years": 730, "Every 3 years": 1095, "Every 5 years": 1825, "Every 10 years": 3650, "Once": None,
}
STRICTNESS_RULES = {"lowest_high_wins", "highest_low_wins", "none"}
CPT_HCPCS = re.compile(r"^([0-9]{4}[0-9A-Z]|[A-Z][0-9]{4})$")
CPT = re.compile(r"^[0-9]{4}[0-9FTU]$")  # Category I (5 digits), II (dddd F), III (dddd T); U for PLA
CPT_II = re.compile(r"^[0-9]{4}F$")
HCPCS = re.compile(r"^[A-V][0-9]{4}$")
RXNORM = re.compile(r"^[0-9]{1,9}$")
CVX = re.compile(r"^[0-9]{1,3}$")
SNOMED = re.compile(r"^[0-9]{6,18}$")
LOINC = re.compile(r"^([0-9]{1,7})-([0-9])$")


def loinc_check_digit(body: str) -> int:
    """The LOINC mod-10 check digit of the part before the dash (LOINC Users' Guide algorithm)."""
    digits = body[::-1]
    odd = "".join(digits[0::2])[::-1]  # 1st, 3rd, ... positions from the right, in reading order
    even = "".join(digits[1::2])[::-1]
    combined = even + str(int(odd) * 2)
    total = sum(int(d) for d in combined)
    return (10 - total % 10) % 10


def is_valid_loinc(code: str) -> bool:
    match = LOINC.match(code)
    return bool(match) and loinc_check_digit(match.group(1)) == int(match.group(2))


# Verhoeff's dihedral-group tables (Verhoeff 1969), which SNOMED CT uses for the check digit of every id
_VERHOEFF_D = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5], [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7], [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3], [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]]
_VERHOEFF_P = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4], [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7], [9, 4, 5, 3, 1, 2, 6, 8, 7, 0], [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5], [7, 0, 4, 6, 9, 1, 3, 2, 5, 8]]


def is_valid_snomed(code: str) -> bool:
    """A SNOMED CT identifier: 6 to 18 digits, no leading zero, a partition identifier naming a concept
    (00 core, 10 extension), and a valid Verhoeff check digit (SNOMED CT Technical Implementation Guide)."""
    if not SNOMED.match(code) or code[0] == "0" or code[-3:-1] not in ("00", "10"):
        return False
    check = 0
    for i, digit in enumerate(reversed(code)):
        check = _VERHOEFF_D[check][_VERHOEFF_P[i % 8][int(digit)]]
    return check == 0


CODE_SHAPES = {
    "LOINC": (is_valid_loinc, "a LOINC code with a valid mod-10 check digit"),
    "CPT": (lambda c: bool(CPT.match(c)), "a CPT code (ddddd, Category II dddd F, Category III dddd T)"),
    "HCPCS": (lambda c: bool(HCPCS.match(c)), "an HCPCS Level II code (a letter A-V and four digits)"),
    "RXNORM": (lambda c: bool(RXNORM.match(c)), "an RxNorm concept id (digits)"),
    "CVX": (lambda c: bool(CVX.match(c)), "a CVX code (1 to 3 digits)"),
    "SNOMED": (is_valid_snomed, "a SNOMED CT concept id with a valid Verhoeff check digit"),
}


def _pipe(value: str) -> list[str]:
    return [part.strip() for part in (value or "").split("|") if part.strip()]


@dataclass
class Report:
    errors: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, path: Path, line: int, key: str, message: str) -> None:
        self.errors.append(f"{path}:{line}: {key}: {message}")

    @property
    def ok(self) -> bool:
        return not self.errors


def _read(path: Path, report: Report, required: list[str]) -> list[tuple[int, dict[str, str]]]:
    if not path.is_file():
        report.errors.append(f"{path}: missing")
        return []
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            report.errors.append(f"{path}:1: header lacks column(s) {', '.join(missing)}")
            return []
        # line numbers as an editor shows them (header is line 1)
        return [(i + 2, row) for i, row in enumerate(reader)]


def _bool(value: str) -> bool | None:
    return {"true": True, "false": False}.get((value or "").strip().lower())


def _number(value: str) -> float | None | str:
    if value is None or value.strip() == "":
        return None
    try:
        return float(value)
    except ValueError:
        return "bad"


def check(seeds_dir: Path, reference_dir: Path | None = None) -> Report:
    """Check the care-gap seeds in seeds_dir and, when reference_dir (default: seeds_dir/../reference) holds
    it, the project's SNOMED CT -> ICD-10-CM map against them."""
    import simple_icd_10_cm as cm

    report = Report()
    b_path = seeds_dir / "care_gap_bundles.csv"
    bm_path = seeds_dir / "bundle_measures.csv"
    m_path = seeds_dir / "measures.csv"
    d_path = seeds_dir / "dedup_domains.csv"
    bundles = _read(b_path, report, ["bundle_code", "bundle_name", "bundle_size", "edw_bundle_code", "icd10_codes",
                                     "snomed_codes"])
    links = _read(bm_path, report, ["bundle_code", "measure_code", "ordinal", "frequency", "is_shared_measure"])
    measures = _read(m_path, report, ["measure_code", "frequency", "frequency_days", "evidence_loinc_codes",
                                      "evidence_cpt_codes", "evidence_rxnorm_codes", "evidence_cvx_codes",
                                      "has_codified_evidence", "target_value_low", "target_value_high",
                                      "secondary_loinc_code", "secondary_target_value_high", "target_inclusive",
                                      "dedup_domain"])
    domains = _read(d_path, report, ["dedup_domain", "strictness_rule", "canonical_measure_code"])

    # bundles -------------------------------------------------------------------------------
    size: dict[str, int] = {}
    for line, row in bundles:
        code = row["bundle_code"].strip()
        if not code:
            report.add(b_path, line, "(blank)", "bundle_code is empty")
            continue
        if code in size:
            report.add(b_path, line, code, "bundle_code appears twice")
        try:
            size[code] = int(row["bundle_size"])
            if size[code] < 1:
                raise ValueError
        except ValueError:
            report.add(b_path, line, code, f"bundle_size {row['bundle_size']!r} is not a positive integer")
            size[code] = -1
        if not row["edw_bundle_code"].strip():
            report.add(b_path, line, code, "edw_bundle_code is empty")
        icd = _pipe(row["icd10_codes"])
        if not icd:
            report.add(b_path, line, code, "icd10_codes is empty: no diagnosis could qualify a patient")
        for item in icd:
            if not cm.is_valid_item(item):
                report.add(b_path, line, code, f"icd10_codes entry {item!r} is not an ICD-10-CM code or category")
        for item in _pipe(row["snomed_codes"]):
            if not is_valid_snomed(item):
                report.add(b_path, line, code, f"snomed_codes entry {item!r} is not a SNOMED CT concept id "
                                               "(shape or Verhoeff check digit)")
    edw_codes = Counter(row["edw_bundle_code"].strip() for _, row in bundles)
    for edw_code, n in edw_codes.items():
        if n > 1 and edw_code:
            report.errors.append(f"{b_path}: edw_bundle_code {edw_code!r} is used by {n} bundles")

    # measures ------------------------------------------------------------------------------
    measure_domain: dict[str, str] = {}
    for line, row in measures:
        code = row["measure_code"].strip()
        if not code:
            report.add(m_path, line, "(blank)", "measure_code is empty")
            continue
        if code in measure_domain:
            report.add(m_path, line, code, "measure_code appears twice")
        measure_domain[code] = row["dedup_domain"].strip()
        freq = row["frequency"].strip()
        if freq not in FREQUENCIES:
            report.add(m_path, line, code, f"frequency {freq!r} is not one of {', '.join(FREQUENCIES)}")
        else:
            expected = FREQUENCIES[freq]
            got = row["frequency_days"].strip()
            if (expected is None and got) or (expected is not None and got != str(expected)):
                report.add(m_path, line, code, f"frequency_days {got or 'empty'} does not match {freq!r} "
                                               f"({'empty' if expected is None else expected})")
        for item in _pipe(row["evidence_loinc_codes"]) + _pipe(row["secondary_loinc_code"]):
            if not is_valid_loinc(item):
                report.add(m_path, line, code, f"LOINC code {item!r} is malformed or fails the LOINC check digit")
        for column, pattern, label in (("evidence_cpt_codes", CPT_HCPCS, "CPT/HCPCS"),
                                       ("evidence_rxnorm_codes", RXNORM, "RxNorm"),
                                       ("evidence_cvx_codes", CVX, "CVX")):
            for item in _pipe(row[column]):
                if not pattern.match(item):
                    report.add(m_path, line, code, f"{column} entry {item!r} is not a {label} code")
        has_codes = any(_pipe(row[c]) for c in ("evidence_loinc_codes", "evidence_cpt_codes",
                                                "evidence_rxnorm_codes", "evidence_cvx_codes"))
        flag = _bool(row["has_codified_evidence"])
        if flag is None:
            report.add(m_path, line, code, "has_codified_evidence must be true or false")
        elif flag != has_codes:
            report.add(m_path, line, code, f"has_codified_evidence is {str(flag).lower()} but the evidence "
                                           f"columns are {'filled' if has_codes else 'empty'}")
        if _bool(row["target_inclusive"]) is None:
            report.add(m_path, line, code, "target_inclusive must be true or false")
        low, high = _number(row["target_value_low"]), _number(row["target_value_high"])
        second = _number(row["secondary_target_value_high"])
        for name, value in (("target_value_low", low), ("target_value_high", high),
                            ("secondary_target_value_high", second)):
            if value == "bad":
                report.add(m_path, line, code, f"{name} {row[name]!r} is not a number")
        if isinstance(low, float) and isinstance(high, float) and low >= high:
            report.add(m_path, line, code, f"target_value_low {low} is not below target_value_high {high}")
        if (low is not None or high is not None) and not _pipe(row["evidence_loinc_codes"]):
            report.add(m_path, line, code, "has a numeric target but no evidence_loinc_codes to read a result from")
        if bool(_pipe(row["secondary_loinc_code"])) != (second is not None):
            report.add(m_path, line, code, "secondary_loinc_code and secondary_target_value_high go together")

    # domains -------------------------------------------------------------------------------
    known_domains: set[str] = set()
    for line, row in domains:
        name = row["dedup_domain"].strip()
        if name in known_domains:
            report.add(d_path, line, name, "dedup_domain appears twice")
        known_domains.add(name)
        if row["strictness_rule"].strip() not in STRICTNESS_RULES:
            report.add(d_path, line, name, f"strictness_rule {row['strictness_rule']!r} is not one of "
                                           f"{', '.join(sorted(STRICTNESS_RULES))}")
        canonical = row["canonical_measure_code"].strip()
        if canonical and measure_domain.get(canonical) != name:
            report.add(d_path, line, name, f"canonical_measure_code {canonical!r} is not a measure of this domain")
    for line, row in measures:
        domain = row["dedup_domain"].strip()
        if domain and domain not in known_domains:
            report.add(m_path, line, row["measure_code"], f"dedup_domain {domain!r} is not in dedup_domains.csv")

    # bundle x measure ----------------------------------------------------------------------
    per_bundle: dict[str, list[int]] = defaultdict(list)
    domain_bundles: dict[str, set[str]] = defaultdict(set)
    seen_pairs: set[tuple[str, str]] = set()
    for _, row in links:
        if measure_domain.get(row["measure_code"].strip()):
            domain_bundles[measure_domain[row["measure_code"].strip()]].add(row["bundle_code"].strip())
    for line, row in links:
        bundle, measure = row["bundle_code"].strip(), row["measure_code"].strip()
        key = f"{bundle}/{measure}"
        if bundle not in size:
            report.add(bm_path, line, key, f"bundle_code {bundle!r} is not in care_gap_bundles.csv")
        if measure not in measure_domain:
            report.add(bm_path, line, key, f"measure_code {measure!r} is not in measures.csv")
        if (bundle, measure) in seen_pairs:
            report.add(bm_path, line, key, "bundle x measure appears twice")
        seen_pairs.add((bundle, measure))
        try:
            per_bundle[bundle].append(int(row["ordinal"]))
        except ValueError:
            report.add(bm_path, line, key, f"ordinal {row['ordinal']!r} is not an integer")
        shared = _bool(row["is_shared_measure"])
        domain = measure_domain.get(measure, "")
        expected_shared = bool(domain) and len(domain_bundles[domain]) > 1
        if shared is None:
            report.add(bm_path, line, key, "is_shared_measure must be true or false")
        elif shared != expected_shared:
            report.add(bm_path, line, key, f"is_shared_measure is {str(shared).lower()} but its domain "
                                           f"{domain or '(none)'} spans {len(domain_bundles[domain]) if domain else 0} "
                                           "bundle(s)")
    for bundle, expected in size.items():
        ordinals = sorted(per_bundle.get(bundle, []))
        if expected > 0 and len(ordinals) != expected:
            report.errors.append(f"{bm_path}: bundle {bundle} has {len(ordinals)} measure rows but bundle_size "
                                 f"{expected} in care_gap_bundles.csv")
        elif ordinals and ordinals != list(range(1, len(ordinals) + 1)):
            report.errors.append(f"{bm_path}: bundle {bundle} ordinals are {ordinals}, not 1..{len(ordinals)}")
    report.counts = {"bundles": len(bundles), "bundle measures": len(links), "measures": len(measures),
                     "dedup domains": len(domains)}
    closable = _check_evidence_seeds(seeds_dir, measures, report)
    report.counts["measures closable from clinical data"] = closable
    reference = reference_dir if reference_dir is not None else seeds_dir.parent / "reference"
    snomed_map = reference / SNOMED_MAP
    if reference_dir is not None or snomed_map.is_file():
        report.counts["SNOMED CT map rows"] = _check_snomed_map(snomed_map, bundles, report)
        report.counts["SNOMED CT value-set codes"] = _check_value_set_codes(reference / VALUE_SET_CODES,
                                                                           snomed_map, bundles, report)
    return report


VALUE_SET_CODES = "snomed_bundle_codes.csv"


def _check_value_set_codes(path: Path, snomed_map: Path, bundles: list[tuple[int, dict[str, str]]],
                           report: Report) -> int:
    """snomed_bundle_codes: each id well formed (Verhoeff), once, for a known bundle, and not placed in another
    bundle than the one the SNOMED CT -> ICD-10-CM map or the bundle seed gives it."""
    rows = _read(path, report, ["snomed_code", "snomed_description", "bundle_code", "value_set_oid", "value_set_name",
                                "assigned_by"])
    known = {row["bundle_code"].strip() for _, row in bundles}
    elsewhere = {code: row["bundle_code"].strip() for _, row in bundles for code in _pipe(row["snomed_codes"])}
    if snomed_map.is_file():
        with snomed_map.open(newline="") as handle:
            elsewhere.update({r["snomed_code"].strip(): r["bundle_code"].strip() for r in csv.DictReader(handle)
                              if r["bundle_code"].strip()})
    seen: set[str] = set()
    for line, row in rows:
        code, bundle = row["snomed_code"].strip(), row["bundle_code"].strip()
        if not is_valid_snomed(code):
            report.add(path, line, code, "snomed_code is not a SNOMED CT concept id (shape or Verhoeff check digit)")
        if code in seen:
            report.add(path, line, code, "snomed_code appears twice")
        seen.add(code)
        if bundle not in known:
            report.add(path, line, code, f"bundle_code {bundle!r} is not in care_gap_bundles.csv")
        elif elsewhere.get(code, bundle) != bundle:
            report.add(path, line, code, f"bundle_code {bundle} but {elsewhere[code]} by the bundle seed or the "
                                         "SNOMED CT -> ICD-10-CM map")
        if not row["value_set_oid"].strip():
            report.add(path, line, code, "value_set_oid is empty: every code needs the value set it came from")
    return len(rows)


SNOMED_MAP = "synthea_snomed_icd10.csv"


def _check_evidence_seeds(seeds_dir: Path, measures: list[tuple[int, dict[str, str]]], report: Report) -> int:
    """measure_evidence_codes: every code well formed for its system and its measure known; measure_evidence_gaps:
    every measure that no code can close (itself or through its dedup domain) has a reason, and no other does.
    Returns the number of measures some code can close."""
    e_path = seeds_dir / "measure_evidence_codes.csv"
    g_path = seeds_dir / "measure_evidence_gaps.csv"
    codes = _read(e_path, report, ["measure_code", "code_system", "code", "description", "source", "source_year"])
    gaps = _read(g_path, report, ["measure_code", "reason_category", "reason"])
    domain = {row["measure_code"].strip(): row["dedup_domain"].strip() for _, row in measures}
    coded = {row["measure_code"].strip() for _, row in measures if _bool(row["has_codified_evidence"])}
    seen: set[tuple[str, str, str]] = set()
    for line, row in codes:
        measure, system, code = row["measure_code"].strip(), row["code_system"].strip().upper(), row["code"].strip()
        key = f"{measure}/{system} {code}"
        if measure not in domain:
            report.add(e_path, line, key, f"measure_code {measure!r} is not in measures.csv")
        if system not in CODE_SHAPES:
            report.add(e_path, line, key, f"code_system {system!r} is not one of {', '.join(CODE_SHAPES)}")
        elif not CODE_SHAPES[system][0](code):
            report.add(e_path, line, key, f"{code!r} is not {CODE_SHAPES[system][1]}")
        if not row["source"].strip() or not re.fullmatch(r"[0-9]{4}", row["source_year"].strip()):
            report.add(e_path, line, key, "every code needs its source and a four-digit source_year")
        if (measure, system, code) in seen:
            report.add(e_path, line, key, "measure x code appears twice")
        seen.add((measure, system, code))
        coded.add(measure)
    coded_domains = {domain[m] for m in coded if domain.get(m)}
    closable = {m for m, d in domain.items() if m in coded or (d and d in coded_domains)}
    explained: set[str] = set()
    for line, row in gaps:
        measure = row["measure_code"].strip()
        if measure not in domain:
            report.add(g_path, line, measure, f"measure_code {measure!r} is not in measures.csv")
        elif measure in closable:
            report.add(g_path, line, measure, "has evidence codes, so it needs no reason for having none")
        if not row["reason"].strip():
            report.add(g_path, line, measure, "reason is empty")
        explained.add(measure)
    for measure in sorted(set(domain) - closable - explained):
        report.errors.append(f"{g_path}: {measure}: no code can close it and it has no row saying why")
    return len(closable)


def _check_snomed_map(path: Path, bundles: list[tuple[int, dict[str, str]]], report: Report) -> int:
    """The project's SNOMED CT -> ICD-10-CM map: each SNOMED CT id well formed (Verhoeff), each target a valid
    ICD-10-CM code (simple_icd_10_cm), and bundle_code the bundle the target qualifies for by the bundle seed's
    ICD-10 prefixes, or a bundle listing the SNOMED code itself; empty only when the target qualifies for none."""
    import simple_icd_10_cm as cm

    rows = _read(path, report, ["snomed_code", "snomed_description", "icd10_code", "icd10_description", "bundle_code"])
    prefixes = {row["bundle_code"].strip(): [p.replace(".", "").upper() for p in _pipe(row["icd10_codes"])]
                for _, row in bundles}
    listed = {row["bundle_code"].strip(): set(_pipe(row["snomed_codes"])) for _, row in bundles}
    seen: set[str] = set()
    for line, row in rows:
        snomed, target, bundle = row["snomed_code"].strip(), row["icd10_code"].strip(), row["bundle_code"].strip()
        if not is_valid_snomed(snomed):
            report.add(path, line, snomed, "snomed_code is not a SNOMED CT concept id (shape or Verhoeff check digit)")
        if snomed in seen:
            report.add(path, line, snomed, "snomed_code appears twice")
        seen.add(snomed)
        if not cm.is_valid_item(target) or not cm.is_leaf(target):
            report.add(path, line, snomed, f"icd10_code {target!r} is not a billable ICD-10-CM code")
            continue
        normalized = target.replace(".", "").upper()
        by_prefix = sorted(b for b, ps in prefixes.items() if any(normalized.startswith(p) for p in ps))
        if bundle and bundle not in prefixes:
            report.add(path, line, snomed, f"bundle_code {bundle!r} is not in care_gap_bundles.csv")
        elif bundle and bundle not in by_prefix and snomed not in listed[bundle]:
            report.add(path, line, snomed, f"bundle_code {bundle} but {target} qualifies for "
                                           f"{', '.join(by_prefix) or 'no bundle'} and {bundle} does not list "
                                           f"{snomed} among its snomed_codes")
        elif not bundle and by_prefix:
            report.add(path, line, snomed, f"bundle_code is empty but {target} qualifies for {', '.join(by_prefix)}")
    return len(rows)
