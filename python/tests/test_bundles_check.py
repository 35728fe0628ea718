"""`phm bundles check` on the real seeds and on broken copies whose faults are known."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from phm.bundles import check, is_valid_loinc, is_valid_snomed, loinc_check_digit
from phm.edw.catalog import seeds_dir


@pytest.mark.parametrize(("code", "valid"), [("4548-4", True), ("8480-6", True), ("2345-7", True), ("718-7", True),
                                             ("4548-5", False), ("45484", False), ("13457-7", True)])
def test_loinc_check_digit(code: str, valid: bool) -> None:
    assert is_valid_loinc(code) is valid


def test_loinc_check_digit_worked_example() -> None:
    # LOINC's own worked example: 12345 -> 5
    assert loinc_check_digit("12345") == 5


def test_project_seeds_pass() -> None:
    report = check(seeds_dir())
    assert report.ok, report.errors
    assert report.counts == {"bundles": 45, "bundle measures": 354, "measures": 354,
                             "dedup domains": report.counts["dedup domains"],
                             "measures closable from clinical data": report.counts["measures closable from clinical data"],
                             "SNOMED CT map rows": report.counts["SNOMED CT map rows"],
                             "SNOMED CT value-set codes": report.counts["SNOMED CT value-set codes"]}
    assert report.counts["dedup domains"] >= 19
    assert report.counts["measures closable from clinical data"] >= 300  # issue 13: at least 300 of 354
    assert report.counts["SNOMED CT map rows"] >= 130
    assert report.counts["SNOMED CT value-set codes"] >= 1000


def _edit(path: Path, key_column: str, key: str, column: str, value: str) -> int:
    rows = list(csv.DictReader(path.open(newline="")))
    fields = list(rows[0].keys())
    line = 0
    for i, row in enumerate(rows):
        if row[key_column] == key:
            row[column] = value
            line = i + 2
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return line


def test_broken_rows_are_named_with_file_line_and_reason(tmp_path: Path) -> None:
    broken = tmp_path / "care_gaps"
    shutil.copytree(seeds_dir(), broken)
    m_line = _edit(broken / "measures.csv", "measure_code", "DM-01", "evidence_loinc_codes", "4548-5|17856-6")
    b_line = _edit(broken / "care_gap_bundles.csv", "bundle_code", "HTN", "icd10_codes", "I10|I14")
    _edit(broken / "care_gap_bundles.csv", "bundle_code", "CAD", "bundle_size", "9")
    d_line = _edit(broken / "measures.csv", "measure_code", "HTN-01", "dedup_domain", "Blood Pressure")
    report = check(broken)
    assert not report.ok
    assert f"{broken / 'measures.csv'}:{m_line}: DM-01: LOINC code '4548-5' is malformed or fails the LOINC check digit" \
        in report.errors
    assert f"{broken / 'care_gap_bundles.csv'}:{b_line}: HTN: icd10_codes entry 'I14' is not an ICD-10-CM code or " \
        "category" in report.errors
    assert f"{broken / 'bundle_measures.csv'}: bundle CAD has 8 measure rows but bundle_size 9 in " \
        "care_gap_bundles.csv" in report.errors
    assert f"{broken / 'measures.csv'}:{d_line}: HTN-01: dedup_domain 'Blood Pressure' is not in dedup_domains.csv" \
        in report.errors


@pytest.mark.parametrize(("code", "valid"), [("44054006", True), ("433144002", True), ("124171000119105", True),
                                             ("44054007", False), ("433144012", False), ("0433144002", False)])
def test_snomed_verhoeff_check_digit(code: str, valid: bool) -> None:
    # the ids are SNOMED CT concepts of the bundle seed; one digit changed breaks the Verhoeff check
    assert is_valid_snomed(code) is valid


def _append(path: Path, row: dict[str, str]) -> int:
    rows = list(csv.DictReader(path.open(newline="")))
    with path.open("a", newline="") as handle:
        csv.DictWriter(handle, fieldnames=list(rows[0].keys()), lineterminator="\n").writerow(row)
    return len(rows) + 2


def _drop(path: Path, key_column: str, key: str) -> None:
    rows = [r for r in csv.DictReader(path.open(newline="")) if r[key_column] != key]
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0].keys()), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def test_evidence_codes_and_snomed_map_are_checked(tmp_path: Path) -> None:
    broken = tmp_path / "care_gaps"
    reference = tmp_path / "reference"
    shutil.copytree(seeds_dir(), broken)
    shutil.copytree(seeds_dir().parent / "reference", reference)
    codes = broken / "measure_evidence_codes.csv"
    base = {"description": "x", "source": "test", "source_year": "2024"}
    bad = [("HF-04", "LOINC", "79423-1"), ("HF-04", "CPT", "347F"), ("HF-04", "HCPCS", "W0399"),
           ("HF-04", "RXNORM", "4603a"), ("HF-04", "SNOMED", "44054007"), ("XX-99", "CPT", "3470F")]
    lines = [_append(codes, {"measure_code": m, "code_system": s, "code": c, **base}) for m, s, c in bad]
    _drop(broken / "measure_evidence_gaps.csv", "measure_code", "COPD-07")  # closable by nothing, now unexplained
    xwalk = reference / "synthea_snomed_icd10.csv"
    n183 = _edit(xwalk, "snomed_code", "433144002", "icd10_code", "N18.3")
    htn = _edit(xwalk, "snomed_code", "1201005", "bundle_code", "CKD")
    value_sets = reference / "snomed_bundle_codes.csv"
    vs_line = _edit(value_sets, "snomed_code", "313436004", "bundle_code", "DM3")
    _append(value_sets, {"snomed_code": "59621000", "snomed_description": "Essential hypertension", "bundle_code": "CKD",
                         "value_set_oid": "x", "value_set_name": "x", "assigned_by": "x"})
    vs_dup = _append(value_sets, {"snomed_code": "59621000", "snomed_description": "x", "bundle_code": "HTN",
                                  "value_set_oid": "", "value_set_name": "x", "assigned_by": "x"})
    report = check(broken, reference)
    expected = [
        f"{codes}:{lines[0]}: HF-04/LOINC 79423-1: '79423-1' is not a LOINC code with a valid mod-10 check digit",
        f"{codes}:{lines[1]}: HF-04/CPT 347F: '347F' is not a CPT code (ddddd, Category II dddd F, Category III dddd T)",
        f"{codes}:{lines[2]}: HF-04/HCPCS W0399: 'W0399' is not an HCPCS Level II code (a letter A-V and four digits)",
        f"{codes}:{lines[3]}: HF-04/RXNORM 4603a: '4603a' is not an RxNorm concept id (digits)",
        f"{codes}:{lines[4]}: HF-04/SNOMED 44054007: '44054007' is not a SNOMED CT concept id with a valid Verhoeff "
        "check digit",
        f"{codes}:{lines[5]}: XX-99/CPT 3470F: measure_code 'XX-99' is not in measures.csv",
        f"{broken / 'measure_evidence_gaps.csv'}: COPD-07: no code can close it and it has no row saying why",
        f"{xwalk}:{n183}: 433144002: icd10_code 'N18.3' is not a billable ICD-10-CM code",
        f"{xwalk}:{htn}: 1201005: bundle_code CKD but I10 qualifies for HTN and CKD does not list 1201005 among its "
        "snomed_codes",
        f"{value_sets}:{vs_line}: 313436004: bundle_code 'DM3' is not in care_gap_bundles.csv",
        f"{value_sets}:{vs_dup - 1}: 59621000: bundle_code CKD but HTN by the bundle seed or the SNOMED CT -> ICD-10-CM "
        "map",
        f"{value_sets}:{vs_dup}: 59621000: snomed_code appears twice",
        f"{value_sets}:{vs_dup}: 59621000: value_set_oid is empty: every code needs the value set it came from",
    ]
    # HF-04 now has codes, so its reason row is one too many
    assert any(e.endswith("HF-04: has evidence codes, so it needs no reason for having none") for e in report.errors)
    for line in expected:
        assert line in report.errors, (line, report.errors)
