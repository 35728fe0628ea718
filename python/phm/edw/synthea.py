"""Load a Synthea CSV export (v3 format) into phm_edw.

Twelve files are read: patients, organizations, providers, payers, payer_transitions, encounters,
conditions, observations, procedures, medications, immunizations and allergies. Synthea's UUIDs,
and the natural keys of the rows that have none (a condition is patient + encounter + code + start),
get integer ids from a key map kept in `phm_load.synthea_key`, so the same row gets the same id on
every load; the UUID itself is kept as the patient's MRN and the encounter number.

Codes keep their systems: conditions, procedures and SNOMED allergies as SNOMED-CT, medications as
RxNorm, vaccines as CVX, observations as LOINC. The crosswalk seeds under `seeds/reference/`
(SNOMED CT -> ICD-10-CM for conditions, SNOMED CT -> CPT/HCPCS for procedures) are written into
`phm_edw.code_crosswalk`, which the care-gap models read.

Rows that cannot be loaded as they are (a wrong number of fields, an empty required field, a date
or number that does not parse, a reference to a row that is not there) are kept aside and reported
as `file:line reason`; rows that repeat another row's natural key are reported as duplicates. The
rest of the export is loaded.

Without `append`, the load replaces phm_edw (and drops the schemas built from the previous EDW, as
`phm edw generate` does); loading the same export again gives the same rows and ids. With `append`,
rows are upserted by key: new ones are inserted, changed ones updated (updated_date is set so the
incremental facts pick them up), unchanged ones left alone.
"""

from __future__ import annotations

import csv
import hashlib
import io
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
import psycopg

from phm.db import Connection
from phm.edw.ddl import LOAD_SCHEMA, drop_derived, init_schema
from phm.edw.generate import TABLE_ORDER
from phm.errors import PhmError
from phm.paths import project_root

# Columns each file must have; the optional ones are read when present (Synthea versions differ).
REQUIRED: dict[str, tuple[str, ...]] = {
    "patients": ("Id", "BIRTHDATE", "DEATHDATE", "SSN", "FIRST", "LAST", "MARITAL", "RACE", "ETHNICITY", "GENDER",
                 "ADDRESS", "CITY", "STATE", "ZIP"),
    "organizations": ("Id", "NAME", "ADDRESS", "CITY", "STATE", "ZIP"),
    "providers": ("Id", "ORGANIZATION", "NAME", "SPECIALITY"),
    "payers": ("Id", "NAME"),
    "payer_transitions": ("PATIENT", "START_YEAR", "END_YEAR", "PAYER"),
    "encounters": ("Id", "START", "STOP", "PATIENT", "ORGANIZATION", "PROVIDER", "ENCOUNTERCLASS", "DESCRIPTION"),
    "conditions": ("START", "STOP", "PATIENT", "ENCOUNTER", "CODE", "DESCRIPTION"),
    "observations": ("DATE", "PATIENT", "ENCOUNTER", "CODE", "DESCRIPTION", "VALUE", "UNITS"),
    "procedures": ("START", "PATIENT", "ENCOUNTER", "CODE", "DESCRIPTION"),
    "medications": ("START", "STOP", "PATIENT", "ENCOUNTER", "CODE", "DESCRIPTION"),
    "immunizations": ("DATE", "PATIENT", "ENCOUNTER", "CODE", "DESCRIPTION"),
    "allergies": ("START", "STOP", "PATIENT", "ENCOUNTER", "CODE", "DESCRIPTION"),
}
OPTIONAL: dict[str, tuple[str, ...]] = {
    "patients": ("COUNTY", "LAT", "LON"),
    "organizations": ("PHONE", "LAT", "LON"),
    "payers": ("ADDRESS", "CITY", "STATE_HEADQUARTERED", "ZIP"),
    "payer_transitions": ("MEMBERID", "SECONDARY_PAYER"),
    "encounters": ("PAYER", "REASONDESCRIPTION"),
    "conditions": ("SYSTEM",),
    "observations": ("TYPE", "CATEGORY"),
    "procedures": ("SYSTEM", "REASONDESCRIPTION"),
    "medications": ("DISPENSES", "REASONDESCRIPTION"),
    "allergies": ("SYSTEM", "CATEGORY", "DESCRIPTION1", "DESCRIPTION2", "SEVERITY1"),
}
FILES = tuple(REQUIRED)
# Files read when the export has them (Synthea writes claims_transactions.csv only when asked to).
EXTRA_REQUIRED: dict[str, tuple[str, ...]] = {
    "claims": ("Id", "PATIENTID", "SERVICEDATE"),
    "claims_transactions": ("ID", "CLAIMID", "TYPE"),
}
OPTIONAL.update({
    "claims": ("PROVIDERID", "PRIMARYPATIENTINSURANCEID", "APPOINTMENTID", "STATUS1", "STATUSP", "OUTSTANDING1",
               "OUTSTANDINGP", "LASTBILLEDDATE1", "HEALTHCARECLAIMTYPEID1", "DIAGNOSIS1"),
    "claims_transactions": ("CHARGEID", "AMOUNT", "METHOD", "FROMDATE", "PROCEDURECODE", "MODIFIER1", "UNITS",
                            "TRANSFERTYPE"),
    "encounters": ("PAYER", "REASONDESCRIPTION", "TOTAL_CLAIM_COST", "PAYER_COVERAGE"),
})
# Synthea claim statuses (claims.csv STATUS1/STATUSP) as EDW claim_status values.
CLAIM_STATUS = {"BILLED": "Submitted", "CLOSED": "Paid"}
# NCPDP SCRIPT carries at most 99 refills; a Synthea order dispensed more often is capped there
MAX_REFILLS = 99
FILL_HISTORY_YEARS = 3
# Encounter classes that were booked appointments (urgent care, emergency, stays and home visits were not).
BOOKED_CLASSES = {"ambulatory": "office_visit", "wellness": "annual_wellness", "outpatient": "outpatient_visit",
                  "virtual": "telehealth"}

# Synthea's quality-of-life summaries sit in observations.csv but are not LOINC observations.
SUMMARY_CODES = {"QALY", "DALY", "QOLS"}
NO_INSURANCE = "NO_INSURANCE"
PAYER_TYPES = {"medicare": "Medicare", "medicaid": "Medicaid", "dual eligible": "Dual Eligible"}
GENDERS = {"M": "Male", "F": "Female"}
RACES = {"white": "White", "black": "Black or African American", "asian": "Asian",
         "native": "American Indian or Alaska Native", "hawaiian": "Native Hawaiian or Other Pacific Islander",
         "other": "Other"}
ETHNICITIES = {"hispanic": "Hispanic or Latino", "nonhispanic": "Not Hispanic or Latino"}
MARITAL = {"M": "Married", "S": "Single", "D": "Divorced", "W": "Widowed"}

KEY_TABLE = f"{LOAD_SCHEMA}.synthea_key"
KEY_MAP_DDL = f"""
create schema if not exists {LOAD_SCHEMA};
create table if not exists {KEY_TABLE} (
    entity varchar(50) not null,
    source_key varchar(64) not null,
    id integer not null,
    first_loaded_at timestamp not null,
    primary key (entity, source_key),
    unique (entity, id)
)
"""


@dataclass(frozen=True)
class Problem:
    """A row kept out of the load, and why."""

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line} {self.reason}"


@dataclass
class CodeCoverage:
    """Distinct condition codes of the export by what the crosswalk does with them."""

    to_bundle: list[tuple[str, str, int]] = field(default_factory=list)
    to_icd10_only: list[tuple[str, str, int]] = field(default_factory=list)
    unmapped: list[tuple[str, str, int]] = field(default_factory=list)
    open_not_qualifying: list[tuple[str, str, int]] = field(default_factory=list)


@dataclass
class LoadResult:
    directory: Path
    append: bool
    rows: dict[str, int] = field(default_factory=dict)
    inserted: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    malformed: list[Problem] = field(default_factory=list)
    duplicates: list[Problem] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    coverage: CodeCoverage = field(default_factory=CodeCoverage)
    seconds: float = 0.0

    def summary(self, max_problems: int = 20) -> str:
        mode = "appended to" if self.append else "loaded into"
        total = sum(self.rows.values())
        lines = [f"Synthea export {self.directory} {mode} phm_edw in {self.seconds:.1f} s: {total:,} rows."]
        lines.append("  " + ", ".join(f"{t} {n:,}" for t, n in self.rows.items() if n))
        if self.append:
            lines.append(f"  inserted {sum(self.inserted.values()):,} rows, updated {sum(self.updated.values()):,} "
                         "changed rows; unchanged rows left as they were")
        for reason, n in sorted(self.skipped.items()):
            lines.append(f"  skipped {n:,}: {reason}")
        if self.duplicates:
            lines.append(f"  {len(self.duplicates):,} duplicate rows not loaded twice, e.g. {self.duplicates[0]}")
        if self.malformed:
            lines.append(f"  {len(self.malformed):,} malformed rows not loaded:")
            lines.extend(f"    {p}" for p in self.malformed[:max_problems])
            if len(self.malformed) > max_problems:
                lines.append(f"    ... and {len(self.malformed) - max_problems:,} more")
        cov = self.coverage
        n_codes = len(cov.to_bundle) + len(cov.to_icd10_only) + len(cov.unmapped)
        lines.append(f"  condition codes: {n_codes} distinct SNOMED CT codes; {len(cov.to_bundle)} map to a bundle, "
                     f"{len(cov.to_icd10_only)} map to ICD-10-CM outside the bundles, "
                     f"{len(cov.unmapped)} are not in the crosswalk")
        if cov.open_not_qualifying:
            top = ", ".join(f"{desc} [{code}] {n}" for code, desc, n in cov.open_not_qualifying[:8])
            lines.append(f"  open conditions that qualify for no bundle (patients): {top}")
        return "\n".join(lines)


# --------------------------------------------------------------------------- reading


def resolve_timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise PhmError(f"Unknown time zone {name!r}: use an IANA name such as UTC or America/New_York.") from None


def _read_file(path: Path, problems: list[Problem]) -> pd.DataFrame:
    """Every well-formed record as strings, with `_line` (the line it starts on); ragged ones go to problems."""
    name = path.stem
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise PhmError(f"{path} is empty: a Synthea CSV starts with a header line.")
            missing = [c for c in REQUIRED.get(name, EXTRA_REQUIRED.get(name, ())) if c not in header]
            if missing:
                raise PhmError(f"{path.name} lacks the column(s) {', '.join(missing)}: is it a Synthea v3 CSV export?")
            records: list[list[str]] = []
            lines: list[int] = []
            start = reader.line_num + 1
            for record in reader:
                if len(record) == len(header):
                    records.append(record)
                    lines.append(start)
                elif record:
                    problems.append(Problem(path.name, start, f"has {len(record)} fields where the header has {len(header)}"))
                start = reader.line_num + 1
    except UnicodeDecodeError:
        raise PhmError(f"{path} is not UTF-8 text.") from None
    except csv.Error as exc:
        raise PhmError(f"{path.name}: cannot be read as CSV ({exc}).") from None
    frame = pd.DataFrame(records, columns=header, dtype=object) if records else pd.DataFrame(columns=header, dtype=object)
    frame = frame.apply(lambda col: col.str.strip()) if len(frame) else frame
    for column in OPTIONAL.get(name, ()):
        if column not in frame.columns:
            frame[column] = ""
    frame["_line"] = lines
    return frame.reset_index(drop=True)


def check_export(directory: Path) -> None:
    """Raise a one-line error naming what is missing when `directory` is not a whole Synthea CSV export."""
    if not directory.is_dir():
        raise PhmError(f"{directory} is not a folder: give the folder holding a Synthea CSV export.")
    missing = [f"{name}.csv" for name in FILES if not (directory / f"{name}.csv").is_file()]
    if missing:
        raise PhmError(f"The Synthea export in {directory} is missing {', '.join(missing)}.")


def read_export(directory: Path) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """The twelve files (and claims, claims_transactions when present) as string frames, and the records
    that have the wrong number of fields."""
    check_export(directory)
    problems: list[Problem] = []
    frames = {name: _read_file(directory / f"{name}.csv", problems) for name in FILES}
    for name in EXTRA_REQUIRED:
        if (directory / f"{name}.csv").is_file():
            frames[name] = _read_file(directory / f"{name}.csv", problems)
    return frames, problems


# --------------------------------------------------------------------------- checking


class _Checker:
    """Takes bad rows out of a file's frame and remembers them with their line and reason.

    Parsed values are added to the frame as `_<column>` columns, so that they stay aligned with the
    rows through every later rejection.
    """

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.duplicates: list[Problem] = []

    def reject(self, name: str, frame: pd.DataFrame, bad: pd.Series, reason: pd.Series | str) -> pd.DataFrame:
        if bad.any():
            reasons = reason[bad] if isinstance(reason, pd.Series) else pd.Series(reason, index=frame.index[bad])
            self.problems.extend(Problem(f"{name}.csv", int(line), str(why))
                                 for line, why in zip(frame.loc[bad, "_line"], reasons))
        return frame[~bad]

    def required(self, name: str, frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
        for column in columns:
            frame = self.reject(name, frame, frame[column] == "", f"{column} is empty")
        return frame

    def known(self, name: str, frame: pd.DataFrame, column: str, valid: pd.Index, optional: bool = False) -> pd.DataFrame:
        value = frame[column]
        bad = ~value.isin(valid) & ~((value == "") & optional)
        return self.reject(name, frame, bad, "refers to " + column + " " + value + ", which is missing or was rejected")

    def parse(self, name: str, frame: pd.DataFrame, column: str, parser: Callable[[pd.Series], pd.Series],
              kind: str) -> pd.DataFrame:
        """Adds `_<column>` (the parsed value, NULL when blank); rows whose value does not parse go out."""
        frame = frame.assign(**{f"_{column}": parser(frame[column])})
        bad = frame[f"_{column}"].isna() & (frame[column] != "")
        return self.reject(name, frame, bad, column + " " + frame[column].map(repr) + f" is not {kind}")

    def unique(self, name: str, frame: pd.DataFrame, key: pd.Series, what: str,
               prefer: list[tuple[str, bool]] | None = None) -> pd.DataFrame:
        """One row per natural key; the others are reported as duplicates of it. The kept row is the
        first in the file, or the first by `prefer` ([(column, ascending)], NULLs first)."""
        frame = frame.assign(_key=key)
        order = frame.sort_values([c for c, _ in prefer], ascending=[a for _, a in prefer], na_position="first",
                                  kind="stable") if prefer else frame
        dup = order._key.duplicated()
        if dup.any():
            kept = order[~dup].set_index("_key")["_line"]
            self.duplicates.extend(Problem(f"{name}.csv", int(line), f"repeats the {what} of line {int(kept[k])}")
                                   for line, k in zip(order.loc[dup, "_line"], order.loc[dup, "_key"]))
        return frame[~frame.index.isin(order.index[dup])]


def _timestamps(values: pd.Series, zone: ZoneInfo) -> pd.Series:
    """ISO 8601 timestamps (Synthea writes UTC, `...Z`) as naive local times in `zone`; NaT when blank or bad."""
    parsed = pd.to_datetime(values.where(values != ""), utc=True, format="ISO8601", errors="coerce")
    return parsed.dt.tz_convert(zone).dt.tz_localize(None)


def _dates(values: pd.Series, zone: ZoneInfo) -> pd.Series:
    """Calendar dates: a bare date is taken as written, a timestamp is converted to `zone` first."""
    bare = values.str.fullmatch(r"\d{4}-\d{2}-\d{2}").fillna(False)
    out = pd.to_datetime(values.where(bare), format="%Y-%m-%d", errors="coerce")
    return out.where(bare, _timestamps(values.where(~bare, ""), zone).dt.normalize())


def _years_or_dates(values: pd.Series, zone: ZoneInfo, end: bool) -> pd.Series:
    """payer_transitions START_YEAR/END_YEAR: timestamps in v3, bare years in older exports."""
    year = values.str.fullmatch(r"\d{4}").fillna(False)
    return _dates(values.where(~year, values + ("-12-31" if end else "-01-01")), zone)


def _as_date(values: pd.Series) -> pd.Series:
    return pd.Series([v.date() if pd.notna(v) else None for v in values], index=values.index, dtype=object)


def _blank_none(values: pd.Series) -> pd.Series:
    return values.where(values != "", None)


def _composite(*parts: pd.Series) -> pd.Series:
    joined = parts[0].astype(str)
    for part in parts[1:]:
        joined = joined + "|" + part.astype(str)
    return joined.map(lambda s: hashlib.md5(s.encode()).hexdigest())


# --------------------------------------------------------------------------- reference data


def reference_dir() -> Path:
    return project_root() / "seeds" / "reference"


def _reference(name: str) -> pd.DataFrame:
    path = reference_dir() / f"{name}.csv"
    if not path.is_file():
        raise PhmError(f"Seed file {path} is missing; the Synthea loader reads its code maps from it.")
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def encounter_classes() -> pd.DataFrame:
    return _reference("synthea_encounter_classes").set_index("encounter_class")


def condition_crosswalk() -> pd.DataFrame:
    return _reference("synthea_snomed_icd10")


def procedure_crosswalk() -> pd.DataFrame:
    return _reference("synthea_procedure_codes")


# --------------------------------------------------------------------------- staging the export


@dataclass
class Staged:
    """The export's rows as EDW tables, before ids: `_key` is each row's natural key, `*_key` columns
    name the rows they refer to."""

    tables: dict[str, pd.DataFrame]
    problems: list[Problem]
    duplicates: list[Problem]
    skipped: dict[str, int]
    coverage: CodeCoverage


def _address(owner: str, frame: pd.DataFrame) -> pd.DataFrame:
    """One address per owner row that has a street, city and state (the EDW requires them)."""
    rows = frame[(frame.ADDRESS != "") & (frame.CITY != "") & (frame.STATE != "")]
    return pd.DataFrame({
        "_key": owner + ":" + rows.Id,
        "address_line1": rows.ADDRESS, "address_line2": None, "city": rows.CITY, "state": rows.STATE,
        "zip": rows.ZIP, "county": _blank_none(rows.COUNTY) if "COUNTY" in rows else None, "country": "USA",
        "latitude": pd.to_numeric(rows.LAT, errors="coerce").round(6) if "LAT" in rows else None,
        "longitude": pd.to_numeric(rows.LON, errors="coerce").round(6) if "LON" in rows else None,
    })


def stage(raw: dict[str, pd.DataFrame], zone: ZoneInfo, ragged: list[Problem]) -> Staged:
    """Check every file and shape it into the EDW tables (natural keys, no ids yet)."""
    check = _Checker()
    check.problems.extend(ragged)
    skipped: Counter[str] = Counter()
    t: dict[str, pd.DataFrame] = {}

    def stamps(values: pd.Series) -> pd.Series:
        return _timestamps(values, zone)

    def dates(values: pd.Series) -> pd.Series:
        return _dates(values, zone)

    # organizations, providers, payers
    org = check.required("organizations", raw["organizations"], ("Id", "NAME"))
    org = check.unique("organizations", org, org.Id, "Id")
    prov = check.required("providers", raw["providers"], ("Id", "NAME"))
    prov = check.known("providers", prov, "ORGANIZATION", pd.Index(org.Id), optional=True)
    prov = check.unique("providers", prov, prov.Id, "Id")
    pay = check.required("payers", raw["payers"], ("Id", "NAME"))
    pay = check.unique("payers", pay, pay.Id, "Id")
    all_payers = pd.Index(pay.Id)
    uninsured = pd.Index(pay.Id[pay.NAME.str.upper() == NO_INSURANCE])
    pay = pay[~pay.Id.isin(uninsured)]

    # patients
    pat = check.required("patients", raw["patients"], ("Id", "FIRST", "LAST", "BIRTHDATE"))
    pat = check.parse("patients", pat, "BIRTHDATE", dates, "a date")
    pat = check.parse("patients", pat, "DEATHDATE", dates, "a date")
    pat = check.unique("patients", pat, pat.Id, "Id")
    patients = pd.Index(pat.Id)

    # encounters
    classes = encounter_classes()
    enc = check.required("encounters", raw["encounters"], ("Id", "PATIENT", "START", "ENCOUNTERCLASS"))
    enc = check.known("encounters", enc, "PATIENT", patients)
    enc = check.known("encounters", enc, "ORGANIZATION", pd.Index(org.Id), optional=True)
    enc = check.known("encounters", enc, "PROVIDER", pd.Index(prov.Id), optional=True)
    enc = check.known("encounters", enc, "PAYER", all_payers, optional=True)
    enc = check.reject("encounters", enc, ~enc.ENCOUNTERCLASS.str.lower().isin(classes.index),
                       "ENCOUNTERCLASS " + enc.ENCOUNTERCLASS.map(repr)
                       + " is not in seeds/reference/synthea_encounter_classes.csv")
    enc = check.parse("encounters", enc, "START", stamps, "a timestamp")
    enc = check.parse("encounters", enc, "STOP", stamps, "a timestamp")
    enc = check.unique("encounters", enc, enc.Id, "Id")
    encounters = pd.Index(enc.Id)
    cls = classes.reindex(enc.ENCOUNTERCLASS.str.lower()).set_index(enc.index)
    stay = cls.is_facility_stay == "true"
    t["encounter"] = pd.DataFrame({
        "_key": enc.Id, "patient_key": enc.PATIENT, "provider_key": _blank_none(enc.PROVIDER),
        "org_key": _blank_none(enc.ORGANIZATION), "encounter_number": enc.Id, "encounter_type": cls.encounter_type,
        "encounter_reason": enc.REASONDESCRIPTION.where(enc.REASONDESCRIPTION != "", enc.DESCRIPTION),
        "admission_datetime": enc._START.where(stay), "discharge_datetime": enc._STOP.where(stay),
        "encounter_datetime": enc._START, "status": "Completed", "active_ind": "Y",
    })
    provider_of_encounter = pd.Series(_blank_none(enc.PROVIDER).to_numpy(), index=enc.Id.to_numpy())
    # the PCP of record: the provider of the patient's latest primary-care encounter
    primary = enc[(cls.is_primary_care == "true") & (enc.PROVIDER != "")]
    pcp = primary.sort_values(["PATIENT", "_START", "_line"]).groupby("PATIENT").PROVIDER.last()

    t["address"] = pd.concat([_address("patient", pat), _address("organization", org),
                              _address("payer", pay.drop(columns="STATE", errors="ignore")
                                       .rename(columns={"STATE_HEADQUARTERED": "STATE"}))], ignore_index=True)
    with_address = pd.Index(t["address"]._key)

    def address_key(owner: str, ids: pd.Series) -> pd.Series:
        keys = owner + ":" + ids
        return keys.where(keys.isin(with_address), None)

    t["organization"] = pd.DataFrame({
        "_key": org.Id, "organization_name": org.NAME, "address_key": address_key("organization", org.Id),
        "primary_phone": _blank_none(org.PHONE), "active_ind": "Y",
    })
    first, _, last = prov.NAME.str.rpartition(" ").T.to_numpy() if len(prov) else ([], [], [])
    t["provider"] = pd.DataFrame({
        "_key": prov.Id, "first_name": np.where(first == "", last, first), "last_name": last,
        "display_name": prov.NAME, "specialty": _blank_none(prov.SPECIALITY.str.title()),
        "org_key": _blank_none(prov.ORGANIZATION), "active_ind": "Y",
    })
    t["payer"] = pd.DataFrame({
        "_key": pay.Id, "payer_name": pay.NAME,
        "payer_type": pay.NAME.str.lower().map(PAYER_TYPES).fillna("Commercial"),
        "address_key": address_key("payer", pay.Id), "active_ind": "Y",
    })
    t["patient"] = pd.DataFrame({
        "_key": pat.Id, "mrn": pat.Id, "ssn": _blank_none(pat.SSN), "first_name": pat.FIRST, "last_name": pat.LAST,
        "date_of_birth": _as_date(pat._BIRTHDATE), "gender": pat.GENDER.map(GENDERS).fillna(pat.GENDER),
        "race": _blank_none(pat.RACE.str.lower().map(RACES).fillna(pat.RACE)),
        "ethnicity": _blank_none(pat.ETHNICITY.str.lower().map(ETHNICITIES).fillna(pat.ETHNICITY)),
        "marital_status": _blank_none(pat.MARITAL.map(MARITAL).fillna(pat.MARITAL)),
        "address_key": address_key("patient", pat.Id), "pcp_provider_key": pat.Id.map(pcp),
        # a deceased patient is no longer active, so qualifies for no bundle
        "active_ind": np.where(pat._DEATHDATE.notna(), "N", "Y"), "effective_end_date": _as_date(pat._DEATHDATE),
    })

    # coverage: one row per payer period, the secondary payer as a non-primary row
    name = "payer_transitions"
    tr = check.required(name, raw[name], ("PATIENT", "PAYER", "START_YEAR"))
    tr = check.known(name, tr, "PATIENT", patients)
    tr = check.known(name, tr, "PAYER", all_payers)
    tr = check.known(name, tr, "SECONDARY_PAYER", all_payers, optional=True)
    tr = check.parse(name, tr, "START_YEAR", lambda v: _years_or_dates(v, zone, end=False), "a date or year")
    tr = check.parse(name, tr, "END_YEAR", lambda v: _years_or_dates(v, zone, end=True), "a date or year")
    cov = pd.concat([tr.assign(payer=tr.PAYER, primary="Y"),
                     tr[tr.SECONDARY_PAYER != ""].assign(payer=lambda f: f.SECONDARY_PAYER, primary="N")],
                    ignore_index=True)
    no_cover = cov.payer.isin(uninsured)
    if no_cover.any():
        skipped["payer periods of the NO_INSURANCE payer (uninsured time is not coverage)"] += int(no_cover.sum())
    cov = cov[~no_cover]
    cov = check.unique(name, cov, _composite(cov.PATIENT, cov.payer, cov._START_YEAR, cov.primary),
                       "patient, payer and start")
    t["patient_insurance_coverage"] = pd.DataFrame({
        "_key": cov._key, "patient_key": cov.PATIENT, "payer_key": cov.payer, "policy_number": _blank_none(cov.MEMBERID),
        "coverage_start_date": _as_date(cov._START_YEAR), "coverage_end_date": _as_date(cov._END_YEAR),
        "primary_indicator": cov.primary, "active_ind": "Y",
    })

    def events(name: str, frame: pd.DataFrame, time_column: str, parser: Callable[[pd.Series], pd.Series],
               encounter_optional: bool = False) -> pd.DataFrame:
        needed = ("PATIENT", "CODE", time_column) + (() if encounter_optional else ("ENCOUNTER",))
        frame = check.required(name, frame, needed)
        frame = check.reject(name, frame, frame.CODE.str.len() > 50, "CODE is longer than 50 characters")
        frame = check.known(name, frame, "PATIENT", patients)
        frame = check.known(name, frame, "ENCOUNTER", encounters, optional=encounter_optional)
        frame = check.parse(name, frame, time_column, parser, "a date" if parser is dates else "a timestamp")
        return frame.assign(_system=frame.SYSTEM.where(frame.SYSTEM != "", "SNOMED-CT") if "SYSTEM" in frame else "")

    # conditions
    cond = events("conditions", raw["conditions"], "START", dates)
    cond = check.parse("conditions", cond, "STOP", dates, "a date")
    cond = check.unique("conditions", cond, _composite(cond.PATIENT, cond._system, cond.CODE, cond._START, cond.ENCOUNTER),
                        "patient, code, start and encounter")
    t["condition"] = _catalogue(cond._system, cond.CODE, cond.DESCRIPTION, "condition_code", "condition_name")
    t["condition_diagnosis"] = pd.DataFrame({
        "_key": cond._key, "patient_key": cond.PATIENT, "encounter_key": cond.ENCOUNTER,
        "provider_key": cond.ENCOUNTER.map(provider_of_encounter),
        "condition_key": _catalogue_key(cond._system, cond.CODE),
        "diagnosis_status": np.where(cond._STOP.notna(), "Resolved", "Active"),
        "onset_date": _as_date(cond._START), "resolution_date": _as_date(cond._STOP), "primary_indicator": "N",
        "active_ind": "Y",
    })

    # observations
    obs = raw["observations"]
    summary = obs.CODE.isin(SUMMARY_CODES)
    if summary.any():
        skipped["Synthea quality-of-life summaries (QALY, DALY, QOLS) in observations.csv, not LOINC "
                "observations"] += int(summary.sum())
    obs = events("observations", obs[~summary], "DATE", stamps, encounter_optional=True)
    obs = obs.assign(_number=pd.to_numeric(obs.VALUE.where(obs.VALUE != ""), errors="coerce"))
    inferred = pd.Series(np.where(obs._number.notna(), "numeric", "text"), index=obs.index)
    obs = obs.assign(_type=obs.TYPE.str.lower().where(obs.TYPE != "", inferred))
    obs = check.reject("observations", obs, ~obs._type.isin(["numeric", "text"]),
                       "TYPE " + obs.TYPE.map(repr) + " is neither numeric nor text")
    obs = check.reject("observations", obs, (obs._type == "numeric") & obs._number.isna() & (obs.VALUE != ""),
                       "VALUE " + obs.VALUE.map(repr) + " is not a number (TYPE numeric)")
    obs = check.reject("observations", obs, (obs._type == "numeric") & (obs._number.abs() >= 1e14),
                       "VALUE " + obs.VALUE + " is too large for the EDW's numeric(18,4)")
    obs = check.unique("observations", obs, _composite(obs.PATIENT, obs.CODE, obs._DATE, obs._type, obs.VALUE),
                       "patient, code, time and value")
    numeric = obs._type == "numeric"
    t["observation"] = pd.DataFrame({
        "_key": obs._key, "patient_key": obs.PATIENT, "encounter_key": _blank_none(obs.ENCOUNTER),
        "provider_key": obs.ENCOUNTER.map(provider_of_encounter), "observation_datetime": obs._DATE,
        "observation_code": obs.CODE, "observation_desc": _blank_none(obs.DESCRIPTION),
        "value_numeric": obs._number.where(numeric).round(4),
        "value_text": _blank_none(obs.VALUE.where(~numeric, "")), "units": _blank_none(obs.UNITS),
        "status": "Final", "active_ind": "Y",
    })

    # procedures
    proc = events("procedures", raw["procedures"], "START", stamps)
    proc = check.unique("procedures", proc, _composite(proc.PATIENT, proc._system, proc.CODE, proc._START),
                        "patient, code and start")
    t["procedure"] = _catalogue(proc._system, proc.CODE, proc.DESCRIPTION, "procedure_code", "procedure_desc")
    t["procedure_performed"] = pd.DataFrame({
        "_key": proc._key, "patient_key": proc.PATIENT, "encounter_key": proc.ENCOUNTER,
        "provider_key": proc.ENCOUNTER.map(provider_of_encounter),
        "procedure_key": _catalogue_key(proc._system, proc.CODE), "procedure_datetime": proc._START,
        "comments": _blank_none(proc.REASONDESCRIPTION), "active_ind": "Y",
    })

    # medications
    med = events("medications", raw["medications"], "START", stamps)
    med = check.parse("medications", med, "STOP", stamps, "a timestamp")
    # Synthea sometimes starts the same drug twice at one time (a one-day order, then the real one): keep the
    # order that runs longest, whose end date is what the evidence window needs
    med = check.unique("medications", med, _composite(med.PATIENT, med.CODE, med._START), "patient, code and start",
                       prefer=[("_STOP", False)])
    rxnorm = pd.Series("RxNorm", index=med.index)
    dispenses = pd.to_numeric(med.DISPENSES.where(med.DISPENSES != ""), errors="coerce")
    t["medication"] = _catalogue(rxnorm, med.CODE, med.DESCRIPTION, "medication_code", "medication_name")
    t["medication_order"] = pd.DataFrame({
        "_key": med._key, "patient_key": med.PATIENT, "encounter_key": med.ENCOUNTER,
        "provider_key": med.ENCOUNTER.map(provider_of_encounter), "medication_key": _catalogue_key(rxnorm, med.CODE),
        "start_datetime": med._START, "end_datetime": med._STOP,
        "prescription_status": np.where(med._STOP.notna(), "Completed", "Active"),
        "refill_count": (dispenses - 1).clip(lower=0).round().astype("Int64"),
        "comments": _blank_none(med.REASONDESCRIPTION), "active_ind": "Y",
    })

    # immunizations
    imm = events("immunizations", raw["immunizations"], "DATE", stamps)
    imm = check.unique("immunizations", imm, _composite(imm.PATIENT, imm.CODE, imm._DATE), "patient, vaccine and time")
    t["immunization"] = pd.DataFrame({
        "_key": imm._key, "patient_key": imm.PATIENT, "provider_key": imm.ENCOUNTER.map(provider_of_encounter),
        "vaccine_code": imm.CODE, "vaccine_name": imm.DESCRIPTION, "administration_datetime": imm._DATE,
        "status": "Completed", "active_ind": "Y",
    })

    # allergies
    alg = events("allergies", raw["allergies"], "START", dates)
    alg = check.parse("allergies", alg, "STOP", dates, "a date")
    alg = check.unique("allergies", alg, _composite(alg.PATIENT, alg._system, alg.CODE, alg._START),
                       "patient, substance and start")
    reaction = alg.DESCRIPTION1.where(alg.DESCRIPTION2 == "", alg.DESCRIPTION1 + "; " + alg.DESCRIPTION2)
    allergy = _catalogue(alg._system, alg.CODE, alg.DESCRIPTION, "allergy_code", "allergy_name")
    category = pd.Series(alg.CATEGORY.str.title().to_numpy(), index=_catalogue_key(alg._system, alg.CODE).to_numpy())
    t["allergy"] = allergy.assign(category=_blank_none(allergy._key.map(category[~category.index.duplicated()])))
    t["patient_allergy"] = pd.DataFrame({
        "_key": alg._key, "patient_key": alg.PATIENT, "allergy_key": _catalogue_key(alg._system, alg.CODE),
        "reaction": _blank_none(reaction), "severity": _blank_none(alg.SEVERITY1.str.title()),
        "onset_date": _as_date(alg._START), "end_date": _as_date(alg._STOP),
        "status": np.where(alg._STOP.notna(), "Inactive", "Active"), "active_ind": "Y",
    })

    t.update(_operations(raw, check, skipped, enc, cls, med, stamps, all_payers, uninsured, patients,
                         provider_of_encounter))
    t["code_crosswalk"] = crosswalk_rows()
    return Staged(t, check.problems, check.duplicates, dict(skipped), code_coverage(cond))


def _operations(raw: dict[str, pd.DataFrame], check: _Checker, skipped: Counter[str], enc: pd.DataFrame,
                cls: pd.DataFrame, med: pd.DataFrame, stamps: Callable[[pd.Series], pd.Series], all_payers: pd.Index,
                uninsured: pd.Index, patients: pd.Index, provider_of_encounter: pd.Series) -> dict[str, pd.DataFrame]:
    """Appointments from booked encounters, prescriptions and fills from medication dispenses, and claims,
    line items and payments from claims.csv and claims_transactions.csv (when the export has them)."""
    t: dict[str, pd.DataFrame] = {}
    # appointments: the encounter classes that are booked visits; Synthea records no no-shows or cancellations
    klass = enc.ENCOUNTERCLASS.str.lower()
    booked = klass.isin(list(BOOKED_CLASSES)) & (enc.PROVIDER != "")
    if (klass.isin(list(BOOKED_CLASSES)) & (enc.PROVIDER == "")).any():
        skipped["booked encounters without a provider (appointment.provider_id is required)"] += int(
            (klass.isin(list(BOOKED_CLASSES)) & (enc.PROVIDER == "")).sum())
    b = enc[booked]
    start, stop = b._START, b._STOP.fillna(b._START + pd.Timedelta(minutes=15))
    t["appointment"] = pd.DataFrame({
        "_key": b.Id, "patient_key": b.PATIENT, "provider_key": b.PROVIDER, "org_key": _blank_none(b.ORGANIZATION),
        "encounter_key": b.Id, "appointment_date": _as_date(start.dt.normalize()),
        # an encounter past midnight ends, on the appointment's day, at its last second (the true end is visit_end_time)
        "start_time": start.dt.strftime("%H:%M:%S"),
        "end_time": stop.dt.strftime("%H:%M:%S").where(stop.dt.normalize() == start.dt.normalize(), "23:59:59"),
        "appointment_type": klass[booked].map(BOOKED_CLASSES), "visit_reason": b.DESCRIPTION.str.slice(0, 255),
        "status": "Completed", "visit_start_time": start, "visit_end_time": stop,
        "is_telehealth": klass[booked] == "virtual", "active_ind": "Y",
    })

    # prescriptions and fills: one e_prescription row per dispense, spread evenly over the order's span
    export_end = enc._START.max()
    n = pd.to_numeric(med.DISPENSES.where(med.DISPENSES != ""), errors="coerce").fillna(0).astype(int).clip(lower=0)
    prescriber = med.ENCOUNTER.map(provider_of_encounter)
    no_prescriber = prescriber.isna()
    if no_prescriber.any():
        skipped["medication orders whose encounter has no provider (e_prescription.prescriber_id is required)"] += int(
            no_prescriber.sum())
    m = med[~no_prescriber].assign(_n=n[~no_prescriber], _prescriber=prescriber[~no_prescriber])
    end = m._STOP.fillna(export_end).where(lambda v: v > m._START, m._START + pd.Timedelta(days=30))
    interval = (end - m._START).dt.total_seconds() / 86400 / m._n.clip(lower=1)
    rows = np.repeat(np.arange(len(m)), m._n.clip(lower=1).to_numpy())
    k = pd.Series(rows).groupby(rows).cumcount().to_numpy()
    mm = m.iloc[rows]
    filled = mm._n.to_numpy() > 0
    when = mm._START.to_numpy() + (k * interval.to_numpy()[rows] * 86400).astype("timedelta64[s]")
    supply = np.clip(np.round(interval.to_numpy()[rows]), 1, 365).astype(int)
    # a chronic order can have hundreds of dispenses over decades: keep each order's first and the fills of
    # the last FILL_HISTORY_YEARS before the export's last encounter (the window adherence measures look at)
    recent = (k == 0) | (when >= np.datetime64(export_end - pd.DateOffset(years=FILL_HISTORY_YEARS), "s"))
    if (~recent).any():
        skipped[f"medication dispenses more than {FILL_HISTORY_YEARS} years before the export's last encounter"] += int((~recent).sum())
    mm, k, filled, when, supply = mm[recent], k[recent], filled[recent], when[recent], supply[recent]
    lead = (np.minimum(interval.to_numpy()[rows][recent] / 2, 1.0) * 86400).astype("timedelta64[s]")
    t["e_prescription"] = pd.DataFrame({
        "_key": mm._key.to_numpy() + ":" + k.astype(str), "medication_order_key": mm._key.to_numpy(),
        "patient_key": mm.PATIENT.to_numpy(), "prescriber_key": mm._prescriber.to_numpy(),
        "drug_name": mm.DESCRIPTION.str.slice(0, 200).to_numpy(), "ndc_code": None,
        "sig": "As directed (not recorded by Synthea)", "quantity": supply.astype(str), "is_controlled": False,
        "prior_auth_required": False,
        "days_supply": np.where(filled, supply, None), "refills_authorized": np.clip(mm._n.to_numpy() - 1, 0, MAX_REFILLS),
        "transmission_status": np.where(filled, "Filled", "Sent"),
        # a refill is sent a day before it is filled, or half an interval for fills less than two days apart
        # (so a daily refill is never sent at the same second as the order's first prescription)
        "sent_datetime": np.where(k == 0, mm._START.to_numpy(), when - lead),
        "filled_datetime": np.where(filled, when, np.datetime64("NaT")),
        "notes": np.where(k == 0, "New prescription", "Refill " + k.astype(str)), "active_ind": "Y",
    })

    # one prescription per patient, prescriber, drug and sending time (the staging natural key): a refill sent the
    # day a second order of the same drug starts is the same prescription, loaded once
    ep = t["e_prescription"]
    same = ep.duplicated(["patient_key", "prescriber_key", "drug_name", "sent_datetime"]) & ep.prescriber_key.notna()
    if same.any():
        skipped["prescriptions sent twice (same patient, prescriber, drug and time)"] += int(same.sum())
        t["e_prescription"] = ep[~same]

    empty_claims = {"billing_claim": pd.DataFrame(columns=["_key"]), "billing_line_item": pd.DataFrame(columns=["_key"]),
                    "payment": pd.DataFrame(columns=["_key"])}
    if "claims" not in raw:
        t.update(empty_claims)
        return t
    name = "claims"
    c = raw[name]
    c = c.assign(PRIMARYPATIENTINSURANCEID=c.PRIMARYPATIENTINSURANCEID.where(c.PRIMARYPATIENTINSURANCEID != "0", ""))
    c = check.required(name, c, ("Id", "PATIENTID", "SERVICEDATE"))
    c = check.known(name, c, "PATIENTID", patients)
    c = check.known(name, c, "APPOINTMENTID", pd.Index(enc.Id), optional=True)
    c = check.known(name, c, "PRIMARYPATIENTINSURANCEID", all_payers, optional=True)
    c = check.parse(name, c, "SERVICEDATE", stamps, "a timestamp")
    c = check.parse(name, c, "LASTBILLEDDATE1", stamps, "a timestamp")
    c = check.unique(name, c, c.Id, "Id")
    payer = c.PRIMARYPATIENTINSURANCEID.where(~c.PRIMARYPATIENTINSURANCEID.isin(uninsured), "")
    status = c.STATUSP.where(c.STATUS1 == "", c.STATUS1).str.upper().map(CLAIM_STATUS).fillna("Pending")
    claim = pd.DataFrame({
        "_key": c.Id, "patient_key": c.PATIENTID, "encounter_key": _blank_none(c.APPOINTMENTID),
        "payer_key": _blank_none(payer), "provider_key": c.PROVIDERID.where(c.PROVIDERID.isin(provider_of_encounter.dropna()), None),
        "claim_number": c.Id.str.slice(0, 50),
        "claim_type": np.where(c.HEALTHCARECLAIMTYPEID1 == "2", "institutional", "professional"),
        "service_date": _as_date(c._SERVICEDATE.dt.normalize()), "submission_date": _as_date(c._LASTBILLEDDATE1.dt.normalize()),
        "claim_status": np.where(payer == "", "Self-Pay", status), "total_charges": 0.0, "active_ind": "Y",
    })
    if "claims_transactions" not in raw:
        t.update(empty_claims)
        t["billing_claim"] = claim
        return t
    name = "claims_transactions"
    tx = check.required(name, raw[name], ("ID", "CLAIMID", "TYPE"))
    tx = check.known(name, tx, "CLAIMID", pd.Index(claim._key))
    tx = check.parse(name, tx, "FROMDATE", stamps, "a timestamp")
    tx = tx.assign(_amount=pd.to_numeric(tx.AMOUNT.where(tx.AMOUNT != ""), errors="coerce"))
    tx = check.reject(name, tx, tx._amount.isna(), "AMOUNT " + tx.AMOUNT.map(repr) + " is not a number")
    tx = check.unique(name, tx, tx.ID, "ID")
    kind = tx.TYPE.str.upper()
    transfers = kind.isin(["TRANSFERIN", "TRANSFEROUT"])
    if transfers.any():
        skipped["claims_transactions TRANSFERIN/TRANSFEROUT rows (balance moves between payers, not money)"] += int(transfers.sum())
    xwalk = procedure_crosswalk().drop_duplicates("snomed_code").set_index("snomed_code")
    ch = tx[kind == "CHARGE"]
    code = ch.PROCEDURECODE.map(xwalk.procedure_code).fillna(ch.PROCEDURECODE)
    patient_of = pd.Series(claim.patient_key.to_numpy(), index=claim._key.to_numpy())
    payer_of = pd.Series(claim.payer_key.to_numpy(), index=claim._key.to_numpy())
    pay = tx[kind == "PAYMENT"]
    patient_side = (pay.TRANSFERTYPE.str.lower() == "p") | pay.METHOD.str.upper().isin(["COPAY", "CASH", "CC"])
    ins = pay[~patient_side]
    paid_by_charge = ins.groupby("CHARGEID")._amount.sum()
    t["billing_line_item"] = pd.DataFrame({
        "_key": ch.ID, "claim_key": ch.CLAIMID, "cpt_code": code.str.slice(0, 20),
        "cpt_description": ch.PROCEDURECODE.map(xwalk.procedure_description), "modifier": _blank_none(ch.MODIFIER1),
        "units": pd.to_numeric(ch.UNITS, errors="coerce").fillna(1).round().astype(int), "charge_amount": ch._amount.abs().round(2),
        "paid_amount": ch.CHARGEID.map(paid_by_charge).abs().round(2), "line_status": "Adjudicated", "active_ind": "Y",
    })
    adj = tx[kind == "ADJUSTMENT"]
    money = pd.concat([pay.assign(_type=np.where(patient_side, "patient", "insurance")), adj.assign(_type="adjustment")])
    t["payment"] = pd.DataFrame({
        "_key": money.ID, "claim_key": money.CLAIMID, "patient_key": money.CLAIMID.map(patient_of),
        "payer_key": np.where(money._type == "insurance", money.CLAIMID.map(payer_of), None),
        "payment_date": _as_date(money._FROMDATE.dt.normalize()), "payment_type": money._type,
        "payment_method": _blank_none(money.METHOD.str.lower()), "payment_amount": money._amount.abs().round(2),
        "active_ind": "Y",
    })
    t["payment"] = t["payment"][t["payment"].payment_date.notna()]
    charges = ch.groupby("CLAIMID")._amount.sum().abs()
    claim["total_charges"] = claim._key.map(charges).fillna(0).round(2)
    claim["paid_amount"] = claim._key.map(ins.groupby("CLAIMID")._amount.sum().abs()).round(2)
    claim["patient_responsibility"] = claim._key.map(pay[patient_side].groupby("CLAIMID")._amount.sum().abs()).round(2)
    claim["allowed_amount"] = (claim.total_charges - claim._key.map(adj.groupby("CLAIMID")._amount.sum().abs()).fillna(0)).round(2)
    t["billing_claim"] = claim
    return t


def _catalogue_key(system: pd.Series, code: pd.Series) -> pd.Series:
    return system + "|" + code


def _catalogue(system: pd.Series, code: pd.Series, name: pd.Series, code_col: str, name_col: str) -> pd.DataFrame:
    """One catalogue row per (system, code), named by its first occurrence."""
    frame = pd.DataFrame({"_key": _catalogue_key(system, code), code_col: code, name_col: name, "code_system": system})
    frame = frame.drop_duplicates("_key")
    return frame.assign(active_ind="Y")


def crosswalk_rows() -> pd.DataFrame:
    conditions = condition_crosswalk()
    procedures = procedure_crosswalk()
    frame = pd.concat([
        pd.DataFrame({"source_code": conditions.snomed_code, "target_code": conditions.icd10_code,
                      "target_code_system": "ICD-10-CM"}),
        pd.DataFrame({"source_code": procedures.snomed_code, "target_code": procedures.procedure_code,
                      "target_code_system": procedures.procedure_code_system}),
    ], ignore_index=True)
    frame["source_code_system"] = "SNOMED-CT"
    frame["_key"] = frame.source_code_system + "|" + frame.source_code + "|" + frame.target_code_system + "|" + frame.target_code
    return frame.assign(valid_from=None, valid_to=None, active_ind="Y")


def code_coverage(conditions: pd.DataFrame) -> CodeCoverage:
    """The export's distinct condition codes split by the crosswalk: to a bundle, to ICD-10 only, unmapped."""
    bundle_of = dict(zip(condition_crosswalk().snomed_code, condition_crosswalk().bundle_code))
    frame = conditions.assign(is_open=conditions._STOP.isna())
    per_code = frame.groupby("CODE").agg(description=("DESCRIPTION", "first"), patients=("PATIENT", "nunique"))
    per_code["open_patients"] = frame[frame.is_open].groupby("CODE").PATIENT.nunique()
    per_code = per_code.fillna({"open_patients": 0}).sort_values(["patients", "description"], ascending=[False, True])
    out = CodeCoverage()
    for code, row in per_code.iterrows():
        item = (str(code), str(row.description), int(row.patients))
        bundle = bundle_of.get(str(code))
        if bundle:
            out.to_bundle.append(item)
        elif bundle is None:
            out.unmapped.append(item)
        else:
            out.to_icd10_only.append(item)
        # Synthea's social and administrative findings (employment, education, ...) are not diseases
        clinical = bundle is not None or not str(row.description).endswith(("(finding)", "(situation)"))
        if not bundle and row.open_patients > 0 and clinical:
            out.open_not_qualifying.append((str(code), str(row.description), int(row.open_patients)))
    out.open_not_qualifying.sort(key=lambda x: (-x[2], x[1]))
    return out


# --------------------------------------------------------------------------- ids and writing

# Each EDW table with its key column and the natural-key columns of the rows it refers to.
KEYS: dict[str, str] = {
    "address": "address_id", "organization": "org_id", "provider": "provider_id", "payer": "payer_id",
    "allergy": "allergy_id", "condition": "condition_id", "procedure": "procedure_id", "medication": "medication_id",
    "code_crosswalk": "crosswalk_id", "patient": "patient_id", "patient_insurance_coverage": "coverage_id",
    "encounter": "encounter_id", "condition_diagnosis": "condition_diagnosis_id",
    "procedure_performed": "procedure_performed_id", "medication_order": "medication_order_id",
    "observation": "observation_id", "immunization": "immunization_id", "patient_allergy": "patient_allergy_id",
    "appointment": "appointment_id", "billing_claim": "claim_id", "billing_line_item": "line_item_id",
    "payment": "payment_id", "e_prescription": "erx_id",
}
REFERENCES: dict[str, str] = {
    "address_key": "address", "org_key": "organization", "provider_key": "provider", "pcp_provider_key": "provider",
    "payer_key": "payer", "patient_key": "patient", "encounter_key": "encounter", "condition_key": "condition",
    "procedure_key": "procedure", "medication_key": "medication", "allergy_key": "allergy",
    "claim_key": "billing_claim", "medication_order_key": "medication_order", "prescriber_key": "provider",
}
REFERENCE_COLUMNS = {"address_key": "address_id", "org_key": "org_id", "provider_key": "provider_id",
                     "pcp_provider_key": "pcp_provider_id", "payer_key": "payer_id", "patient_key": "patient_id",
                     "encounter_key": "encounter_id", "condition_key": "condition_id", "procedure_key": "procedure_id",
                     "medication_key": "medication_id", "allergy_key": "allergy_id", "claim_key": "claim_id",
                     "medication_order_key": "medication_order_id", "prescriber_key": "prescriber_id"}


def _key_ids(pg: psycopg.Connection, tables: dict[str, pd.DataFrame], now: datetime) -> dict[str, pd.DataFrame]:
    """(id, first_loaded_at) per natural key of every table, from the key map; new keys get new ids."""
    pg.execute(KEY_MAP_DDL)
    out: dict[str, pd.DataFrame] = {}
    for table, key_column in KEYS.items():
        keys = tables[table]._key.map(lambda k: k if len(k) <= 64 else hashlib.md5(k.encode()).hexdigest())
        known = pd.DataFrame(pg.execute(
            f"select source_key, id, first_loaded_at from {KEY_TABLE} where entity = %s", (table,)).fetchall(),
            columns=["source_key", "id", "first_loaded_at"])
        frame = pd.DataFrame({"source_key": keys.to_numpy()}).merge(known, on="source_key", how="left")
        new = frame.id.isna()
        if new.any():
            top = pg.execute(
                f"select greatest((select max(id) from {KEY_TABLE} where entity = %s), "
                f"(select max({key_column}) from phm_edw.{table}), 0)", (table,)).fetchone()[0]  # type: ignore[index]
            frame.loc[new, "id"] = np.arange(int(top) + 1, int(top) + 1 + int(new.sum()))
            frame.loc[new, "first_loaded_at"] = now
            with pg.cursor().copy(f"copy {KEY_TABLE} (entity, source_key, id, first_loaded_at) from stdin") as cp:
                for source_key, ident in zip(frame.source_key[new], frame.id[new]):
                    cp.write_row((table, source_key, int(ident), now))
        frame.index = tables[table]._key.to_numpy()
        out[table] = frame[["id", "first_loaded_at"]]
    return out


def resolve_ids(tables: dict[str, pd.DataFrame], ids: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The EDW tables with ids in place of natural keys, and created_date from the key map."""
    out = {}
    for table, frame in tables.items():
        if table not in KEYS:
            continue
        ident = ids[table]
        frame = frame.copy()
        frame.insert(0, KEYS[table], ident.id.reindex(frame._key.to_numpy()).astype("Int64").to_numpy())
        frame["created_date"] = ident.first_loaded_at.reindex(frame._key.to_numpy()).to_numpy()
        frame["updated_date"] = None
        for column, parent in REFERENCES.items():
            if column in frame.columns:
                frame[REFERENCE_COLUMNS[column]] = frame[column].map(ids[parent].id).astype("Int64")
                frame = frame.drop(columns=column)
        out[table] = frame.drop(columns="_key")
    return out


def _columns(pg: psycopg.Connection) -> dict[str, list[tuple[str, int | None]]]:
    cols: dict[str, list[tuple[str, int | None]]] = {}
    for table, column, width in pg.execute(
        "select table_name, column_name, character_maximum_length from information_schema.columns "
        "where table_schema = 'phm_edw' order by table_name, ordinal_position"
    ).fetchall():
        cols.setdefault(table, []).append((column, width))
    return cols


def _fit(frame: pd.DataFrame, columns: list[tuple[str, int | None]]) -> pd.DataFrame:
    """The table's columns in table order (missing ones NULL), free text cut to the column width."""
    out = pd.DataFrame(index=frame.index)
    for column, width in columns:
        values = frame[column] if column in frame.columns else pd.Series(None, index=frame.index, dtype=object)
        if width and values.dtype == object:
            values = values.map(lambda v, w=width: v[:w] if isinstance(v, str) else v)
        out[column] = values
    return out


def _copy(cur: psycopg.Cursor, target: str, frame: pd.DataFrame) -> None:
    columns = ", ".join(frame.columns)
    chunk = 200_000
    with cur.copy(f"copy {target} ({columns}) from stdin with (format csv, null '\\N')") as copy:
        for start in range(0, len(frame), chunk):
            buf = io.StringIO()
            frame.iloc[start:start + chunk].to_csv(buf, header=False, index=False, na_rep="\\N",
                                                   date_format="%Y-%m-%d %H:%M:%S")
            copy.write(buf.getvalue())


def _upsert(cur: psycopg.Cursor, table: str, frame: pd.DataFrame, now: datetime) -> tuple[int, int]:
    """Insert new keys, update changed rows (updated_date = now), leave unchanged ones; (inserted, updated)."""
    key = frame.columns[0]
    compared = [c for c in frame.columns if c not in (key, "created_date", "updated_date")]
    cur.execute(f"create temp table load_{table} (like phm_edw.{table}) on commit drop")
    _copy(cur, f"load_{table}", frame)
    assignments = ", ".join(f"{c} = excluded.{c}" for c in compared)
    rows = cur.execute(
        f"insert into phm_edw.{table} as t ({', '.join(frame.columns)}) "
        f"select {', '.join(frame.columns)} from load_{table} "
        f"on conflict ({key}) do update set {assignments}, updated_date = %s "
        f"where ({', '.join('t.' + c for c in compared)}) is distinct from ({', '.join('excluded.' + c for c in compared)}) "
        "returning (xmax = 0)", (now,)).fetchall()
    inserted = sum(1 for (is_new,) in rows if is_new)
    return inserted, len(rows) - inserted


def _check_append_target(pg: psycopg.Connection) -> None:
    foreign = pg.execute(
        f"select count(*) from phm_edw.patient p where not exists (select 1 from {KEY_TABLE} k "
        "where k.entity = 'patient' and k.id = p.patient_id and k.source_key = p.mrn)").fetchone()[0]  # type: ignore[index]
    if foreign:
        raise PhmError(f"phm_edw holds {foreign:,} patients that were not loaded from a Synthea export; "
                       "load without --append to replace them.")


def write(conn: Connection, tables: dict[str, pd.DataFrame], append: bool, source: str,
          result: LoadResult) -> None:
    """Replace phm_edw with the export (or, with append, upsert it), in one transaction."""
    now = datetime.now().replace(microsecond=0)
    if not append:
        drop_derived(conn)
    with conn.connect(autocommit=False) as pg:
        if append:
            pg.execute(KEY_MAP_DDL)
            _check_append_target(pg)
        frames = resolve_ids(tables, _key_ids(pg, tables, now))
        columns = _columns(pg)
        superuser = pg.execute("select rolsuper from pg_roles where rolname = current_user").fetchone()[0]  # type: ignore[index]
        with pg.cursor() as cur:
            if superuser:
                # the rows reference only rows of the same load, checked above; per-row FK triggers only slow COPY
                cur.execute("set local session_replication_role = replica")
            if not append:
                cur.execute("truncate " + ", ".join(f"phm_edw.{name}" for name in TABLE_ORDER) + " restart identity")
            for name in TABLE_ORDER:
                if name not in frames:
                    continue
                frame = _fit(frames[name], columns[name])
                if append:
                    result.inserted[name], result.updated[name] = _upsert(cur, name, frame, now)
                else:
                    _copy(cur, f"phm_edw.{name}", frame)
                    result.inserted[name] = len(frame)
            cur.execute(
                "insert into phm_edw.etl_log (source_system, load_start_timestamp, load_end_timestamp, rows_inserted, "
                "rows_updated, load_status, error_message) values (%s, %s, clock_timestamp(), %s, %s, %s, %s)",
                (source[:100], now, sum(result.inserted.values()), sum(result.updated.values()),
                 "Success" if not result.malformed else "Success with rejected rows",
                 f"{len(result.malformed)} malformed rows kept out, e.g. {result.malformed[0]}"[:2000]
                 if result.malformed else None))
            for name in TABLE_ORDER:
                key = columns[name][0][0]
                cur.execute(f"select setval(pg_get_serial_sequence('phm_edw.{name}', '{key}'), "
                            f"greatest((select max({key}) from phm_edw.{name}), 1))")
            for name in TABLE_ORDER:
                result.rows[name] = int(cur.execute(f"select count(*) from phm_edw.{name}").fetchone()[0])  # type: ignore[index]
        pg.commit()
        pg.autocommit = True
        pg.execute("analyze phm_edw.patient, phm_edw.encounter, phm_edw.observation, phm_edw.condition_diagnosis, "
                   "phm_edw.procedure_performed, phm_edw.medication_order, phm_edw.condition, phm_edw.code_crosswalk")


def load_synthea(conn: Connection, directory: Path, append: bool = False, timezone: str = "UTC") -> LoadResult:
    """Read, check and load a Synthea CSV export; see the module docstring."""
    started = time.perf_counter()
    zone = resolve_timezone(timezone)
    directory = Path(directory)
    raw, ragged = read_export(directory)
    staged = stage(raw, zone, ragged)
    init_schema(conn)
    by_place = lambda p: (p.file, p.line)  # noqa: E731
    result = LoadResult(directory=directory, append=append, malformed=sorted(staged.problems, key=by_place),
                        duplicates=sorted(staged.duplicates, key=by_place),
                        skipped=staged.skipped, coverage=staged.coverage)
    write(conn, staged.tables, append, f"Synthea CSV export {directory.resolve()}", result)
    result.seconds = time.perf_counter() - started
    return result
