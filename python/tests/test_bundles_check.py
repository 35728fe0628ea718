"""`phm bundles check` on the real seeds and on broken copies whose faults are known."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from phm.bundles import check, is_valid_loinc, loinc_check_digit
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
                             "dedup domains": report.counts["dedup domains"]}
    assert report.counts["dedup domains"] >= 19


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
