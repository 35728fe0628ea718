"""Synthetic phm_edw generator: a realistic, deterministic population, loaded with COPY.

Everything is drawn from one numpy Generator seeded by `seed`, in a fixed order, and every date
is relative to `as_of`: the same (patients, seed, profile, defects, as_of) gives the same rows.

The population:
- adults with an age/sex/race mix from the profile, living in 30 Pittsburgh-area ZIP codes;
- an ACO parent organization with practices and a hospital; PCPs, specialists, hospitalists;
- payers (Medicare, Medicare Advantage, Medicaid, commercial) with coverage periods;
- chronic conditions for all 45 bundles at realistic prevalence, correlated through latent
  cardiometabolic, behavioural and respiratory factors, age and sex; some resolved/inactive;
- office, telehealth, ED and inpatient encounters whose rates rise with conditions, age and
  social risk, with 30-day readmissions;
- vitals at office visits and the labs, procedures, prescriptions and vaccines the bundle
  measures look for, recent or stale, in or out of target;
- SDOH assessments, allergies, and care_gap rows with an open/closed/excluded mix near 70/25/5.

Streaming, in bounded memory. The reference tables (organizations, providers, payers, the code
catalogues) are drawn first from their own stream. Patients then come in fixed blocks of
`BLOCK_PATIENTS`: block b holds patients b * BLOCK_PATIENTS + 1 .. and draws from a random stream
seeded by (seed, b) alone, and its rows' ids are strided by the block index (`ID_CAP_PER_PATIENT`),
so no block depends on another. A chunk (`--chunk-size`, rounded up to whole blocks) is what one
worker process generates and formats as CSV at a time; the main process COPYs the chunks in block
order, in one transaction, while the workers make the next ones. The chunk size therefore changes
memory use and speed only: the same seed, population size, profile, defects and as_of give the same
EDW whatever the chunk size (python/tests/test_generate.py checks the checksum).

Hooks: more EDW tables from the core ones. `generate_and_load(..., hooks=[...])` (default
`DEFAULT_HOOKS`, which `phm edw generate` uses; a module adds its hook there) takes callables

    hook(tables: dict[str, pandas.DataFrame], seed: int, as_of: datetime.date) -> dict[str, pandas.DataFrame]

called once per block, in the worker that generates it, after the block's ids are final and before
defects are injected. `tables` holds the block's core tables (patient, encounter, observation, ...:
only that block's patients, with their EDW ids) and the reference tables (provider, payer,
procedure, ...: whole); treat them as read-only. `seed` is the block's own seed (`block_seed`) and
`as_of` the history's end. The hook returns new rows per phm_edw table name; they are COPYed with the
chunk (a table the hook names is emptied before its first rows; one missing from the database is an
error naming it; a column the table lacks is an error, a column the frame lacks is NULL). Rows must
be a function of (tables, seed, as_of) only, and their ids must not collide across blocks: derive
them from the core rows' ids (claim_id = encounter_id, line = encounter_id * 10 + k) or from the
patient id, never number them 1..n per call. Hooks run in worker processes: define them at module
level.
"""

from __future__ import annotations

import hashlib
import os
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from phm.db import Connection
from phm.edw.catalog import Catalog, load_catalog, split_list
from phm.edw.generate_ops import (
    OPS_TABLE_ORDER,
    generate_ops,
    generate_ops_reference,
    inject_ops_defects,
    luhn_npi,
)
from phm.edw.profiles import PROFILES, Profile
from phm.errors import PhmError

# A generator hook: (the block's core tables plus the reference tables, the block's seed, as_of) -> new tables.
Hook = Callable[[dict[str, pd.DataFrame], int, date], dict[str, pd.DataFrame]]
# Hooks `phm edw generate` applies to every block (other modules register theirs here).
# generate_ops adds the per-patient tables of migrations 010-012 (claims, scheduling, e-prescribing);
# their reference tables (pharmacies, schedules, quality periods) come once, with the core reference tables.
DEFAULT_HOOKS: list[Hook] = [generate_ops]

HISTORY_DAYS = 3 * 365
VITAL_BP_SYS, VITAL_BP_DIA, VITAL_BMI = "8480-6", "8462-4", "39156-5"
VITAL_CODES = {VITAL_BP_SYS, VITAL_BP_DIA, VITAL_BMI}

# Patients per block: the unit of randomness and of id allocation (see Generator.block). Fixed, so that
# the EDW does not depend on the chunk size, which is a whole number of blocks.
BLOCK_PATIENTS = 2_500
# Four chunks at 10k: both cores generate from the start, and the COPY of the first chunk runs while
# the workers make the next ones (with blocks of 5,000, both chunks came at once and the COPY waited).
DEFAULT_CHUNK_PATIENTS = BLOCK_PATIENTS

# Load order respects foreign keys; each name is a phm_edw table.
TABLE_ORDER = [
    "address", "organization", "provider", "payer", "allergy", "condition", "procedure", "medication",
    "measure_definition", "condition_bundle", "bundle_measure", "bundle_overlap_rule", "code_crosswalk",
    "patient", "patient_attribution", "patient_insurance_coverage", "encounter", "condition_diagnosis",
    "procedure_performed", "medication_order", "observation", "immunization", "patient_allergy",
    "sdoh_assessment", "care_gap", "etl_log",
    *OPS_TABLE_ORDER,  # migrations 010-012: claims, scheduling, e-prescribing, quality (generate_ops)
]

PRIMARY_KEYS = {
    "address": "address_id", "organization": "org_id", "provider": "provider_id", "payer": "payer_id",
    "allergy": "allergy_id", "condition": "condition_id", "procedure": "procedure_id", "medication": "medication_id",
    "measure_definition": "measure_id", "condition_bundle": "bundle_id", "bundle_measure": "bundle_measure_id",
    "bundle_overlap_rule": "overlap_rule_id", "code_crosswalk": "crosswalk_id", "patient": "patient_id",
    "patient_attribution": "attribution_id", "patient_insurance_coverage": "coverage_id", "encounter": "encounter_id",
    "condition_diagnosis": "condition_diagnosis_id", "procedure_performed": "procedure_performed_id",
    "medication_order": "medication_order_id", "observation": "observation_id", "immunization": "immunization_id",
    "patient_allergy": "patient_allergy_id", "sdoh_assessment": "sdoh_assessment_id", "care_gap": "care_gap_id",
    "etl_log": "etl_log_id",
}
REFERENCE_TABLES = ("address", "organization", "provider", "payer", "allergy", "condition", "procedure", "medication",
                    "measure_definition", "condition_bundle", "bundle_measure", "bundle_overlap_rule", "code_crosswalk",
                    "etl_log")

FIRST_F = ("Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy Betty Sandra "
           "Margaret Ashley Kimberly Emily Donna Michelle Carol Amanda Melissa Deborah Stephanie Dorothy "
           "Rebecca Sharon Laura Cynthia Amy Kathleen Angela Shirley Brenda Emma Anna Pamela Nicole Samantha "
           "Katherine Christine Helen Debra Rachel Carolyn Janet Maria Catherine Heather").split()
FIRST_M = ("James Robert John Michael David William Richard Joseph Thomas Christopher Charles Daniel Matthew "
           "Anthony Mark Donald Steven Andrew Paul Joshua Kenneth Kevin Brian George Timothy Ronald Jason "
           "Edward Jeffrey Ryan Jacob Gary Nicholas Eric Jonathan Stephen Larry Justin Scott Brandon "
           "Benjamin Samuel Gregory Alexander Patrick Frank Raymond Jack Dennis Jerry").split()
LAST = ("Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez "
        "Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark "
        "Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams "
        "Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Kowalski Novak Schmidt Murphy Sullivan "
        "O'Brien Rossi Romano Kaminski Zielinski Stewart Morris Rogers Reed Cook Morgan Bell Bailey Cooper").split()
STREETS = ("Forbes Ave|Penn Ave|Liberty Ave|Butler St|Murray Ave|Walnut St|Ellsworth Ave|Baum Blvd|Centre Ave|"
           "Brownsville Rd|Library Rd|Washington Rd|Perry Hwy|McKnight Rd|Saw Mill Run Blvd|Frankstown Rd|"
           "Babcock Blvd|Greentree Rd|Banksville Rd|Route 8|Main St|Oak St|Maple Ave|Highland Ave|"
           "Negley Ave|Fifth Ave|Carson St|Grant St|Smithfield St|Noblestown Rd").split("|")
RACES = (("White", 0.70), ("Black or African American", 0.18), ("Asian", 0.04),
         ("Two or More Races", 0.03), ("Other", 0.02), ("Unknown", 0.03))
LANGUAGES = (("English", 0.93), ("Spanish", 0.03), ("Chinese", 0.01), ("Arabic", 0.01), ("Nepali", 0.01),
             ("Russian", 0.01))
MARITAL = (("Married", 0.48), ("Single", 0.30), ("Divorced", 0.11), ("Widowed", 0.08), ("Unknown", 0.03))
SPECIALTIES = ("Cardiology", "Endocrinology", "Nephrology", "Pulmonology", "Psychiatry", "Rheumatology",
               "Gastroenterology", "Neurology", "Infectious Disease", "Hematology", "Dermatology", "Urology",
               "Orthopedics", "Podiatry", "Ophthalmology")
PRACTICE_NAMES = ("Lawrenceville Family Medicine|Shadyside Primary Care|Squirrel Hill Internal Medicine|"
                  "Mt. Lebanon Family Practice|Monroeville Primary Care|North Hills Internal Medicine|"
                  "South Hills Family Health|Bloomfield Community Clinic|Penn Hills Family Medicine|"
                  "Bethel Park Primary Care|Cranberry Family Practice|Oakland Internal Medicine|"
                  "Wilkinsburg Health Center|McKeesport Family Medicine|Coraopolis Primary Care|"
                  "Allison Park Family Health|Homestead Community Health|Canonsburg Family Practice|"
                  "Irwin Primary Care|Mars Family Medicine").split("|")
ALLERGIES = (
    ("7980", "Penicillin", "RxNorm", "Drug"), ("10180", "Sulfamethoxazole / trimethoprim", "RxNorm", "Drug"),
    ("2670", "Codeine", "RxNorm", "Drug"), ("1191", "Aspirin", "RxNorm", "Drug"),
    ("5640", "Ibuprofen", "RxNorm", "Drug"), ("2231", "Cephalexin", "RxNorm", "Drug"),
    ("29046", "Lisinopril", "RxNorm", "Drug"), ("7052", "Morphine", "RxNorm", "Drug"),
    ("91935009", "Allergy to peanut", "SNOMED-CT", "Food"), ("300913006", "Shellfish allergy", "SNOMED-CT", "Food"),
    ("91934008", "Allergy to nut", "SNOMED-CT", "Food"), ("714035009", "Allergy to soy protein", "SNOMED-CT", "Food"),
    ("300916003", "Latex allergy", "SNOMED-CT", "Environmental"),
    ("232350006", "House dust mite allergy", "SNOMED-CT", "Environmental"),
    ("418689008", "Allergy to grass pollen", "SNOMED-CT", "Environmental"),
    ("419474003", "Allergy to mould", "SNOMED-CT", "Environmental"),
    ("424213003", "Allergy to bee venom", "SNOMED-CT", "Environmental"),
    ("294505008", "Allergy to amoxicillin", "SNOMED-CT", "Drug"),
)
ACUTE_DIAGNOSES = (
    ("J06.9", "Acute upper respiratory infection, unspecified"), ("J02.9", "Acute pharyngitis, unspecified"),
    ("N39.0", "Urinary tract infection, site not specified"), ("M54.50", "Low back pain, unspecified"),
    ("R05.9", "Cough, unspecified"), ("R51.9", "Headache, unspecified"), ("J01.90", "Acute sinusitis, unspecified"),
    ("K59.00", "Constipation, unspecified"), ("R10.9", "Unspecified abdominal pain"),
    ("S93.401A", "Sprain of unspecified ligament of right ankle, initial encounter"),
    ("H66.90", "Otitis media, unspecified, unspecified ear"), ("L03.90", "Cellulitis, unspecified"),
)
ENCOUNTER_CPT = {"Office Visit": ("99213", "99214", "99215", "99212"), "Telehealth": ("99213", "99214"),
                 "Emergency": ("99283", "99284", "99285"), "Inpatient": ("99222", "99223"),
                 "Annual Wellness": ("G0439", "G0438")}


@dataclass
class GenerateResult:
    patients: int
    seed: int
    profile: str
    as_of: date
    rows: dict[str, int] = field(default_factory=dict)
    defects: dict[tuple[str, str], int] = field(default_factory=dict)
    generate_seconds: float = 0.0
    load_seconds: float = 0.0
    peak_rss_mb: float = 0.0
    worker_peak_rss_mb: float = 0.0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    def summary(self) -> str:
        seconds = self.generate_seconds
        lines = [
            f"Generated {self.patients:,} patients (profile {self.profile}, seed {self.seed}, as of {self.as_of}): "
            f"{self.total_rows:,} rows in {seconds:.1f} s "
            f"(COPY busy {self.load_seconds:.1f} s of them, "
            f"{self.total_rows / max(seconds, 1e-9):,.0f} rows/s; peak memory {self.peak_rss_mb:,.0f} MB"
            + (f", largest worker {self.worker_peak_rss_mb:,.0f} MB" if self.worker_peak_rss_mb else "") + ").",
        ]
        big = sorted(self.rows.items(), key=lambda kv: -kv[1])[:8]
        lines.append("  " + ", ".join(f"{name} {count:,}" for name, count in big))
        if self.defects:
            lines.append(f"  injected {sum(self.defects.values()):,} defective rows: "
                         + ", ".join(f"{t}.{r} {n}" for (t, r), n in sorted(self.defects.items())))
        return "\n".join(lines)


# --------------------------------------------------------------------------- helpers


def _choice(rng: np.random.Generator, options: tuple[tuple[str, float], ...], size: int) -> np.ndarray:
    labels = np.array([o[0] for o in options], dtype=object)
    weights = np.array([o[1] for o in options], dtype=float)
    return labels[rng.choice(len(labels), size=size, p=weights / weights.sum())]


def _days(values: np.ndarray) -> np.ndarray:
    return values.astype("timedelta64[D]")


def _ts(as_of: date, days_back: np.ndarray, rng: np.random.Generator, hours: tuple[int, int] = (8, 17)) -> np.ndarray:
    """Timestamps `days_back` days before as_of, at a random minute within working hours."""
    base = np.datetime64(as_of, "s")
    minutes = rng.integers(hours[0] * 60, hours[1] * 60, size=len(days_back))
    return base - days_back.astype("timedelta64[D]").astype("timedelta64[s]") + minutes.astype("timedelta64[m]")


def _npi(serials: np.ndarray) -> np.ndarray:
    """Valid 10-digit NPIs (Luhn check digit over the 80840 prefix) from serial numbers."""
    return luhn_npi(np.array([f"1{int(serial):08d}" for serial in serials], dtype=object))


def _pick_codes(rng: np.random.Generator, code_lists: pd.Series) -> np.ndarray:
    """One code drawn uniformly from each row's pipe-separated list (parsed once per distinct list)."""
    values = code_lists.to_numpy(dtype=object)
    uniques, inverse = np.unique(values.astype(str), return_inverse=True)
    parsed = [np.array(split_list(u) or [None], dtype=object) for u in uniques]
    lengths = np.array([len(split_list(u)) for u in uniques], dtype=int)[inverse] if len(uniques) else np.zeros(0, int)
    idx = np.floor(rng.random(len(values)) * np.maximum(lengths, 1)).astype(int)
    out = np.empty(len(values), dtype=object)
    for u, codes in enumerate(parsed):
        rows = np.flatnonzero(inverse == u)
        out[rows] = codes[idx[rows]]
    return out


def _num(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series.replace("", np.nan), errors="coerce")


# --------------------------------------------------------------------------- the generator


class Generator:
    def __init__(self, catalog: Catalog, patients: int, seed: int, profile: Profile, as_of: date,
                 block_patients: int = 0) -> None:
        self.cat = catalog
        self.block_patients = block_patients or BLOCK_PATIENTS
        self.total = patients
        self.n = patients
        self.seed = seed
        self.profile = profile
        self.as_of = as_of
        self.rng = np.random.default_rng(seed)
        self.tables: dict[str, pd.DataFrame] = {}
        self.created = np.datetime64(as_of, "s") - np.timedelta64(1, "D")
        self.block_index = 0
        self.lo = 0  # patients before the current block (its patient ids are lo + 1 ..)
        self._code_lists: dict[str, list[str]] = {}
        measures = catalog.measures.set_index("measure_code")
        self.measure_kinds = {
            code: tuple(bool(split_list(measures.at[code, col])) for col in
                        ("evidence_loinc_codes", "evidence_cpt_codes", "evidence_rxnorm_codes", "evidence_cvx_codes"))
            for code in measures.index}
        self.measure_vital_only = {
            code: bool(split_list(v)) and set(split_list(v)) <= VITAL_CODES
            for code, v in measures.evidence_loinc_codes.items()}

    # -- reference tables ------------------------------------------------------------------
    def reference(self) -> None:
        rng, cat = self.rng, self.cat
        n_practices = int(np.clip(round(self.total / 2500), 3, len(PRACTICE_NAMES)))
        zips = cat.zip_codes
        # addresses: 1 ACO office, practices, 1 hospital, the payers; then one per patient (per block)
        n_org_addr = n_practices + 2
        org_zip = zips.iloc[np.arange(n_org_addr) % len(zips)].reset_index(drop=True)
        payers = self._payers()
        pay_zip = zips.iloc[rng.integers(0, len(zips), len(payers))].reset_index(drop=True)
        self.tables["address"] = self._addresses(pd.concat([org_zip, pay_zip], ignore_index=True), 0)
        self.n_fixed_addresses = n_org_addr + len(payers)

        org_names = ["Three Rivers Health Partners ACO", *PRACTICE_NAMES[:n_practices], "Three Rivers General Hospital"]
        org_types = ["ACO", *["Primary Care Practice"] * n_practices, "Hospital"]
        n_org = len(org_names)
        self.tables["organization"] = pd.DataFrame({
            "org_id": np.arange(1, n_org + 1), "organization_name": org_names, "organization_type": org_types,
            "parent_org_id": [None, *[1] * n_practices, 1], "address_id": np.arange(1, n_org + 1),
            "primary_phone": [f"412-555-{1000 + i:04d}" for i in range(n_org)], "secondary_phone": None,
            "fax": [f"412-555-{2000 + i:04d}" for i in range(n_org)],
            "email": [f"info{i}@threerivershealth.example" for i in range(n_org)],
            "website": "https://threerivershealth.example", "active_ind": "Y",
            "effective_start_date": date(2015, 1, 1), "effective_end_date": None,
            "created_date": self.created, "updated_date": None,
        })
        self.practice_ids = np.arange(2, 2 + n_practices)
        self.hospital_id = n_org
        self.tables["payer"] = payers.assign(address_id=np.arange(n_org_addr + 1, n_org_addr + len(payers) + 1))
        self._providers(n_practices)
        self.tables["allergy"] = pd.DataFrame({
            "allergy_id": np.arange(1, len(ALLERGIES) + 1),
            "allergy_code": [a[0] for a in ALLERGIES], "allergy_name": [a[1] for a in ALLERGIES],
            "code_system": [a[2] for a in ALLERGIES], "category": [a[3] for a in ALLERGIES], "active_ind": "Y",
            "effective_start_date": None, "effective_end_date": None, "created_date": self.created, "updated_date": None,
        })
        self._catalogue_tables()

    def _addresses(self, all_zip: pd.DataFrame, first_id: int) -> pd.DataFrame:
        rng = self.rng
        n_addr = len(all_zip)
        lat = _num(all_zip.latitude).to_numpy() + rng.normal(0, 0.012, n_addr)
        lon = _num(all_zip.longitude).to_numpy() + rng.normal(0, 0.012, n_addr)
        return pd.DataFrame({
            "address_id": np.arange(first_id + 1, first_id + n_addr + 1),
            "address_line1": [f"{h} {s}" for h, s in zip(rng.integers(1, 9999, n_addr),
                                                        np.array(STREETS)[rng.integers(0, len(STREETS), n_addr)])],
            "address_line2": np.where(rng.random(n_addr) < 0.12,
                                      pd.Series(rng.integers(1, 40, n_addr)).map(lambda u: f"Apt {u}"), None),
            "city": all_zip.city.to_numpy(), "state": "PA", "zip": all_zip.zip.to_numpy(),
            "county": all_zip.county.to_numpy(), "country": "USA",
            "latitude": np.round(lat, 6), "longitude": np.round(lon, 6),
            "effective_start_date": None, "effective_end_date": None,
            "created_date": self.created, "updated_date": None,
        })

    def _payers(self) -> pd.DataFrame:
        rows = [
            ("Medicare Part B", "Medicare"), ("Pennsylvania Medicaid", "Medicaid"),
            ("Highmark Blue Cross Blue Shield", "Commercial"), ("UPMC Health Plan", "Commercial"),
            ("Aetna", "Commercial"), ("UnitedHealthcare", "Commercial"),
            ("Humana Gold Plus H1234-001", "Medicare Advantage"), ("UPMC for Life H5678-002", "Medicare Advantage"),
            ("Aetna Medicare Premier H9012-003", "Medicare Advantage"),
        ]
        return pd.DataFrame({
            "payer_id": np.arange(1, len(rows) + 1), "payer_name": [r[0] for r in rows],
            "payer_type": [r[1] for r in rows], "active_ind": "Y",
            "effective_start_date": date(2010, 1, 1), "effective_end_date": None,
            "created_date": self.created, "updated_date": None,
        })

    def _providers(self, n_practices: int) -> None:
        rng = self.rng
        n_pcp = max(n_practices * 2, int(np.ceil(self.total / 1100)))
        n_spec = len(SPECIALTIES) + self.total // 6000
        n_hosp = 4 + self.total // 20000
        n = n_pcp + n_spec + n_hosp
        female = rng.random(n) < 0.5
        first = np.where(female, np.array(FIRST_F)[rng.integers(0, len(FIRST_F), n)],
                         np.array(FIRST_M)[rng.integers(0, len(FIRST_M), n)])
        last = np.array(LAST)[rng.integers(0, len(LAST), n)]
        ptype = np.array(["Physician"] * n, dtype=object)
        ptype[:n_pcp] = np.where(rng.random(n_pcp) < 0.25, "Nurse Practitioner", "Physician")
        specialty = np.array(
            [*np.where(rng.random(n_pcp) < 0.6, "Family Medicine", "Internal Medicine")]
            + [SPECIALTIES[i % len(SPECIALTIES)] for i in range(n_spec)]
            + [("Emergency Medicine" if i % 2 == 0 else "Hospital Medicine") for i in range(n_hosp)], dtype=object)
        org = np.concatenate([self.practice_ids[np.arange(n_pcp) % n_practices],
                              self.practice_ids[rng.integers(0, n_practices, n_spec)],
                              np.full(n_hosp, self.hospital_id)])
        suffix = np.where(ptype == "Nurse Practitioner", ", CRNP", ", MD")
        self.tables["provider"] = pd.DataFrame({
            "provider_id": np.arange(1, n + 1), "first_name": first, "middle_name": None, "last_name": last,
            "display_name": [f"{f} {ln}{s}" for f, ln, s in zip(first, last, suffix)],
            "npi_number": _npi(np.arange(1, n + 1) * 7919), "license_number": [f"MD{400000 + i}" for i in range(n)],
            "license_state": "PA", "dea_number": None, "provider_type": ptype, "specialty": specialty, "org_id": org,
            "primary_phone": None, "email": None, "active_ind": "Y", "effective_start_date": date(2015, 1, 1),
            "effective_end_date": None, "created_date": self.created, "updated_date": None,
        })
        self.pcp_ids = np.arange(1, n_pcp + 1)
        self.pcp_org = org[:n_pcp]
        self.specialist_ids = np.arange(n_pcp + 1, n_pcp + n_spec + 1)
        self.hospitalist_ids = np.arange(n_pcp + n_spec + 1, n + 1)

    def _catalogue_tables(self) -> None:
        cat = self.cat
        bundles = cat.bundles.reset_index(drop=True)
        self.bundle_id = {code: i + 1 for i, code in enumerate(bundles.bundle_code)}
        self.tables["condition_bundle"] = pd.DataFrame({
            "bundle_id": np.arange(1, len(bundles) + 1), "bundle_code": bundles.edw_bundle_code.to_numpy(),
            "condition_name": bundles.bundle_name.to_numpy(),
            "icd10_pattern": bundles.icd10_codes.map(lambda v: ",".join(f"{c}%" for c in split_list(v))).to_numpy(),
            "bundle_size": _num(bundles.bundle_size).astype(int).to_numpy(),
            "key_ecqm_refs": bundles.key_ecqm_refs.str.replace("|", ", ", regex=False).to_numpy(),
            "description": bundles.description.to_numpy(), "active_ind": "Y",
            "created_date": self.created, "updated_date": None,
        })
        measures = cat.measures.reset_index(drop=True)
        self.measure_id = {code: i + 1 for i, code in enumerate(measures.measure_code)}
        self.tables["measure_definition"] = pd.DataFrame({
            "measure_id": np.arange(1, len(measures) + 1), "measure_code": measures.measure_code.to_numpy(),
            "measure_name": measures.measure_name.to_numpy(), "measure_type": measures.measure_type.to_numpy(),
            "denominator_criteria": None, "numerator_criteria": measures.target_text.replace("", None).to_numpy(),
            "exclusion_criteria": None, "description": measures.description.to_numpy(), "active_ind": "Y",
            "effective_start_date": date(2024, 1, 1), "effective_end_date": None,
            "created_date": self.created, "updated_date": None,
        })
        bm = cat.bundle_measures.reset_index(drop=True)
        self.tables["bundle_measure"] = pd.DataFrame({
            "bundle_measure_id": np.arange(1, len(bm) + 1), "bundle_id": bm.bundle_code.map(self.bundle_id).to_numpy(),
            "measure_id": bm.measure_code.map(self.measure_id).to_numpy(), "ordinal": _num(bm.ordinal).astype(int).to_numpy(),
            "frequency": bm.frequency.to_numpy(), "ecqm_reference": bm.ecqm_reference.replace("", None).to_numpy(),
            "active_ind": "Y", "created_date": self.created, "updated_date": None,
        })
        edw_code = dict(zip(bundles.bundle_code, bundles.edw_bundle_code))
        dom_bundles = (cat.measures.merge(cat.bundle_measures[["bundle_code", "measure_code"]], on="measure_code")
                       .query("dedup_domain != ''").groupby("dedup_domain").bundle_code
                       .agg(lambda s: ",".join(edw_code[b] for b in sorted(set(s)))))
        dd = cat.dedup_domains.reset_index(drop=True)
        self.tables["bundle_overlap_rule"] = pd.DataFrame({
            "overlap_rule_id": np.arange(1, len(dd) + 1),
            "rule_code": [u if u else "OVERLAP-" + "".join(ch for ch in d.upper() if ch.isalnum())[:30]
                          for u, d in zip(dd.upstream_rule_code, dd.dedup_domain)],
            "shared_domain": dd.dedup_domain.to_numpy(),
            "applicable_bundles": dd.dedup_domain.map(dom_bundles).fillna("").to_numpy(),
            "canonical_measure_code": dd.canonical_measure_code.replace("", None).to_numpy(),
            "dedup_rule": "Satisfied once across bundles; the strictest target applies",
            "active_ind": "Y", "created_date": self.created, "updated_date": None,
        })
        # Code catalogues: conditions (ICD-10-CM for every bundle, SNOMED, acute), procedures, meds.
        bc = cat.bundle_codes
        snomed = [(b.bundle_code, s) for b in bundles.itertuples() for s in split_list(b.snomed_codes)]
        cond = pd.concat([
            pd.DataFrame({"condition_code": bc.icd10_code, "condition_name": bc.description.str.slice(0, 255),
                          "code_system": "ICD-10-CM", "bundle_code": bc.bundle_code}),
            pd.DataFrame({"condition_code": [s for _, s in snomed],
                          "condition_name": [f"{bundles.set_index('bundle_code').bundle_name[b]} (SNOMED CT {s})"
                                             for b, s in snomed],
                          "code_system": "SNOMED-CT", "bundle_code": [b for b, _ in snomed]}),
            pd.DataFrame({"condition_code": [a[0] for a in ACUTE_DIAGNOSES], "condition_name": [a[1] for a in ACUTE_DIAGNOSES],
                          "code_system": "ICD-10-CM", "bundle_code": None}),
        ], ignore_index=True).drop_duplicates(["condition_code", "code_system"]).reset_index(drop=True)
        cond["condition_id"] = np.arange(1, len(cond) + 1)
        self.condition_lookup = cond
        self.tables["condition"] = cond.assign(
            description=None, active_ind="Y", effective_start_date=None, effective_end_date=None,
            created_date=self.created, updated_date=None)[
            ["condition_id", "condition_code", "condition_name", "code_system", "description", "active_ind",
             "effective_start_date", "effective_end_date", "created_date", "updated_date"]]
        cpt = sorted({c for v in cat.measures.evidence_cpt_codes for c in split_list(v)}
                     | {c for cs in ENCOUNTER_CPT.values() for c in cs})
        self.procedure_id = {c: i + 1 for i, c in enumerate(cpt)}
        self.tables["procedure"] = pd.DataFrame({
            "procedure_id": np.arange(1, len(cpt) + 1), "procedure_code": cpt,
            "procedure_desc": [self._code_name(("CPT", "HCPCS"), c) for c in cpt],
            "code_system": ["HCPCS" if c[0].isalpha() else "CPT" for c in cpt], "active_ind": "Y",
            "effective_start_date": None, "effective_end_date": None, "created_date": self.created, "updated_date": None,
        })
        rx = sorted({c for v in cat.measures.evidence_rxnorm_codes for c in split_list(v)}, key=int)
        self.medication_id = {c: i + 1 for i, c in enumerate(rx)}
        self.tables["medication"] = pd.DataFrame({
            "medication_id": np.arange(1, len(rx) + 1), "medication_code": rx,
            "medication_name": [self._code_name(("RXNORM",), c) for c in rx], "code_system": "RxNorm",
            "form": "Tablet", "strength": None, "active_ind": "Y", "effective_start_date": None,
            "effective_end_date": None, "created_date": self.created, "updated_date": None,
        })
        self.tables["code_crosswalk"] = pd.DataFrame({
            "crosswalk_id": np.arange(1, len(snomed) + 1), "source_code": [s for _, s in snomed],
            "source_code_system": "SNOMED-CT",
            "target_code": [split_list(bundles.set_index("bundle_code").icd10_codes[b])[0] for b, _ in snomed],
            "target_code_system": "ICD-10-CM", "valid_from": date(2020, 1, 1), "valid_to": None, "active_ind": "Y",
            "created_date": self.created, "updated_date": None,
        })

    def _code_name(self, systems: tuple[str, ...], code: str) -> str:
        for system in systems:
            name = self.cat.names.get((system, code))
            if name:
                return name[:255]
        return f"{systems[0]} {code}"

    # -- patients ------------------------------------------------------------------------
    def patients(self) -> None:
        rng, n, prof = self.rng, self.n, self.profile
        zips = self.cat.zip_codes
        zip_w = _num(zips.weight).to_numpy()
        pat_zip = zips.iloc[rng.choice(len(zips), n, p=zip_w / zip_w.sum())].reset_index(drop=True)
        first_address = self.n_fixed_addresses + self.lo
        self.tables["address"] = self._addresses(pat_zip, first_address)
        self.patient_address_ids = np.arange(first_address + 1, first_address + n + 1)
        self.patient_zip_type = pat_zip.region_type.to_numpy()
        bands = np.array([(lo, hi) for lo, hi, _ in prof.age_bands])
        share = np.array([s for *_, s in prof.age_bands])
        band = rng.choice(len(bands), n, p=share / share.sum())
        age = bands[band, 0] + np.floor(rng.random(n) * (bands[band, 1] - bands[band, 0] + 1)).astype(int)
        # the last birthday falls within the past year, so the age on as_of is exactly `age`
        anniversary = pd.to_datetime(pd.DataFrame({"year": self.as_of.year - age, "month": self.as_of.month,
                                                   "day": min(self.as_of.day, 28)})).to_numpy().astype("datetime64[D]")
        dob = anniversary - _days(rng.integers(0, 364, n))
        female = rng.random(n) < prof.female_share
        first = np.where(female, np.array(FIRST_F)[rng.integers(0, len(FIRST_F), n)],
                         np.array(FIRST_M)[rng.integers(0, len(FIRST_M), n)])
        last = np.array(LAST)[rng.integers(0, len(LAST), n)]
        race = _choice(rng, RACES, n)
        sdoh = rng.normal(0, 1, n) + np.where(self.patient_zip_type == "Urban", 0.35, 0.0) \
            + np.where(np.isin(race, ["Black or African American", "Other"]), 0.25, 0.0)
        self.age, self.female, self.sdoh = age, female, sdoh
        self.latent = {g: rng.normal(0, 1, n) for g in ("cardiometabolic", "behavioral", "respiratory")}
        self.latent["cardiometabolic"] += 0.15 * sdoh
        self.latent["behavioral"] += 0.3 * sdoh
        self.engagement = rng.normal(0, 1, n) - 0.3 * sdoh
        pcp_idx = rng.integers(0, len(self.pcp_ids), n)
        self.pcp = self.pcp_ids[pcp_idx]
        self.pcp_org_of_patient = self.pcp_org[pcp_idx]
        ids = np.arange(1, n + 1)
        gids = ids + self.lo  # the patients' ids in the whole EDW (block-local ids are shifted at the end)
        self.tables["patient"] = pd.DataFrame({
            "patient_id": ids, "mrn": [f"MRN{700000 + i:07d}" for i in gids],
            "ssn": [f"9{a:02d}-{b:02d}-{c:04d}" for a, b, c in zip(rng.integers(0, 100, n), rng.integers(1, 100, n),
                                                                     rng.integers(1, 10000, n))],
            "first_name": first, "middle_name": np.where(rng.random(n) < 0.4, np.array(list("ABCDEJKLMRST"))[
                rng.integers(0, 12, n)], None),
            "last_name": last, "date_of_birth": dob, "gender": np.where(female, "Female", "Male"), "race": race,
            "ethnicity": np.where(rng.random(n) < 0.05, "Hispanic or Latino", "Not Hispanic or Latino"),
            "marital_status": _choice(rng, MARITAL, n), "primary_language": _choice(rng, LANGUAGES, n),
            "address_id": self.patient_address_ids, "pcp_provider_id": self.pcp,
            "primary_phone": [f"412-{p:03d}-{q:04d}" for p, q in zip(rng.integers(200, 999, n), rng.integers(0, 10000, n))],
            "email": [f"{f.lower()}.{str(ln).lower().replace(chr(39), '')}{i}@mail.example" for f, ln, i in zip(first, last, gids)],
            "next_of_kin_name": None, "next_of_kin_phone": None, "active_ind": np.where(rng.random(n) < 0.985, "Y", "N"),
            "effective_start_date": None, "effective_end_date": None,
            "created_date": np.datetime64(self.as_of, "s") - _days(rng.integers(HISTORY_DAYS, 8 * 365, n)).astype("timedelta64[s]"),
            "updated_date": None,
        })
        self._attribution()
        self._coverage()

    def _attribution(self) -> None:
        rng, n = self.rng, self.n
        ids = np.arange(1, n + 1)
        start = np.datetime64(self.as_of, "D") - _days(rng.integers(60, 6 * 365, n))
        program = np.where(self.age >= 65, "MSSP ACO", "Commercial PCP Attribution")
        prior = rng.random(n) < 0.12
        p_ids = ids[prior]
        prior_pcp = self.pcp_ids[rng.integers(0, len(self.pcp_ids), prior.sum())]
        prior_start = start[prior] - _days(rng.integers(365, 4 * 365, prior.sum()))
        frame = pd.DataFrame({
            "patient_id": np.concatenate([ids, p_ids]),
            "provider_id": np.concatenate([self.pcp, prior_pcp]),
            "org_id": np.concatenate([self.pcp_org_of_patient, self.pcp_org[np.searchsorted(self.pcp_ids, prior_pcp)]]),
            "program_name": np.concatenate([program, program[prior]]),
            "attribution_start_date": np.concatenate([start, prior_start]),
            "attribution_end_date": np.concatenate([np.full(n, np.datetime64("NaT"), dtype="datetime64[D]"),
                                                    start[prior] - np.timedelta64(1, "D")]),
            "active_ind": np.concatenate([np.full(n, "Y"), np.full(prior.sum(), "N")]),
        })
        frame.insert(0, "attribution_id", np.arange(1, len(frame) + 1))
        frame["created_date"] = self.created
        frame["updated_date"] = None
        self.tables["patient_attribution"] = frame

    def _coverage(self) -> None:
        rng, n, prof = self.rng, self.n, self.profile
        payer = self.tables["payer"]
        by_type = {t: g.payer_id.to_numpy() for t, g in payer.groupby("payer_type")}
        senior = self.age >= 65
        ptype = np.where(senior, _choice(rng, prof.senior_payer_mix, n), _choice(rng, prof.payer_mix, n))
        # social risk pushes under-65s toward Medicaid
        medicaid_push = (~senior) & (self.sdoh > 1.2) & (rng.random(n) < 0.6)
        ptype = np.where(medicaid_push, "Medicaid", ptype)
        uninsured = rng.random(n) < prof.uninsured_share
        pid = np.array([by_type[t][0] if t in ("Medicare", "Medicaid") else 0 for t in ptype])
        ma_weights = np.array([0.50, 0.34, 0.16])
        for t, options in by_type.items():
            mask = (ptype == t) & (pid == 0)
            if t == "Medicare Advantage":
                pid[mask] = options[rng.choice(len(options), mask.sum(), p=ma_weights[: len(options)] / ma_weights[: len(options)].sum())]
            else:
                pid[mask] = options[rng.integers(0, len(options), mask.sum())]
        ids = np.arange(1, n + 1)
        start = np.datetime64(self.as_of, "D") - _days(rng.integers(30, 8 * 365, n))
        keep = ~uninsured
        rows = [pd.DataFrame({"patient_id": ids[keep], "payer_id": pid[keep], "coverage_start_date": start[keep],
                              "coverage_end_date": np.datetime64("NaT"), "primary_indicator": "Y", "active_ind": "Y"})]
        prior = keep & (rng.random(n) < 0.25)
        prior_payer = by_type["Commercial"][rng.integers(0, len(by_type["Commercial"]), prior.sum())]
        rows.append(pd.DataFrame({"patient_id": ids[prior], "payer_id": prior_payer,
                                  "coverage_start_date": start[prior] - _days(rng.integers(365, 5 * 365, prior.sum())),
                                  "coverage_end_date": start[prior] - np.timedelta64(1, "D"),
                                  "primary_indicator": "Y", "active_ind": "N"}))
        dual = keep & (ptype != "Medicaid") & senior & (self.sdoh > 1.0) & (rng.random(n) < 0.5)
        rows.append(pd.DataFrame({"patient_id": ids[dual], "payer_id": by_type["Medicaid"][0],
                                  "coverage_start_date": start[dual], "coverage_end_date": np.datetime64("NaT"),
                                  "primary_indicator": "N", "active_ind": "Y"}))
        frame = pd.concat(rows, ignore_index=True).sort_values(["patient_id", "coverage_start_date"], kind="stable")
        frame.insert(0, "coverage_id", np.arange(1, len(frame) + 1))
        frame.insert(3, "policy_number", [f"POL{x:09d}" for x in rng.integers(0, 10**9, len(frame))])
        frame["effective_start_date"] = None
        frame["effective_end_date"] = None
        frame["created_date"] = self.created
        frame["updated_date"] = None
        self.tables["patient_insurance_coverage"] = frame.reset_index(drop=True)

    # -- conditions ----------------------------------------------------------------------
    def conditions(self) -> None:
        rng, n, cat = self.rng, self.n, self.cat
        prev = cat.prevalence.set_index("bundle_code").loc[cat.bundles.bundle_code]
        base = _num(prev.prevalence_pct).to_numpy() / 100.0
        trend = prev.age_trend.to_numpy()
        female_factor = _num(prev.female_factor).to_numpy()
        group = prev.latent_group.to_numpy()
        age = self.age[:, None].astype(float)
        age_mult = np.where(trend == "older", np.exp(0.04 * (age - 55)),
                            np.where(trend == "younger", np.exp(-0.02 * (age - 45)), 1.0))
        sex_mult = np.where(self.female[:, None], 2 * female_factor / (1 + female_factor), 2 / (1 + female_factor))
        latent = np.zeros((n, len(base)))
        for g, z in self.latent.items():
            latent += np.where(group == g, 0.8 * z[:, None] - 0.32, 0.0)
        p = np.clip(base * age_mult * sex_mult * np.exp(latent), 0, 0.85)
        has = rng.random(p.shape) < p
        # every bundle gets patients, even the rare ones in a small population
        min_each = (3 if self.total >= 1000 else 1) if self.block_index == 0 else 0
        for j in range(has.shape[1]):
            short = min_each - has[:, j].sum()
            if short > 0:
                eligible = np.flatnonzero(~has[:, j] & (female_factor[j] > 0 or True) & (sex_mult[:, j] > 0))
                has[rng.choice(eligible, short, replace=False), j] = True
        codes = list(cat.bundles.bundle_code)
        if "DM1" in codes and "DM2" in codes:
            has[has[:, codes.index("DM1")], codes.index("DM2")] = False
        self.has = has
        self.bundle_list = codes
        pi, bj = np.nonzero(has)
        resolvable = (prev.resolvable.to_numpy() == "true")[bj]
        resolved = resolvable & (rng.random(len(pi)) < 0.25)
        inactive = rng.random(len(pi)) < 0.02
        age_at = self.age[pi]
        onset_back = np.minimum(rng.exponential(5 * 365, len(pi)).astype(int) + 30, (age_at - 16) * 365)
        onset = np.datetime64(self.as_of, "D") - _days(np.maximum(onset_back, 30))
        # code choice: SNOMED for ~6% where available, else an ICD-10-CM code of the bundle,
        # favouring unspecified / uncomplicated codes as recorded in primary care.
        lookup = self.condition_lookup
        icd = lookup[(lookup.code_system == "ICD-10-CM") & lookup.bundle_code.notna()].copy()
        common = icd.condition_name.str.contains("unspecified|without complication|Essential", case=False)
        icd["w"] = np.where(common, 8.0, 1.0)
        sno = lookup[lookup.code_system == "SNOMED-CT"]
        condition_id = np.empty(len(pi), dtype=np.int64)
        bundle_of_row = np.array(codes)[bj]
        use_snomed = rng.random(len(pi)) < 0.06
        for code in codes:
            rows = np.flatnonzero(bundle_of_row == code)
            if not len(rows):
                continue
            opts = icd[icd.bundle_code == code]
            w = opts.w.to_numpy()
            condition_id[rows] = opts.condition_id.to_numpy()[rng.choice(len(opts), len(rows), p=w / w.sum())]
            s_opts = sno[sno.bundle_code == code].condition_id.to_numpy()
            if len(s_opts):
                sn_rows = rows[use_snomed[rows]]
                condition_id[sn_rows] = s_opts[rng.integers(0, len(s_opts), len(sn_rows))]
        res_date = np.where(resolved, onset + _days(rng.integers(30, 700, len(pi))), np.datetime64("NaT"))
        res_date = np.where(res_date >= np.datetime64(self.as_of, "D"), np.datetime64(self.as_of, "D") - np.timedelta64(3, "D"), res_date)
        chronic = pd.DataFrame({
            "patient_id": pi + 1, "condition_id": condition_id, "bundle_code": bundle_of_row,
            "diagnosis_type": "Chronic", "onset_date": onset, "resolution_date": res_date,
            "diagnosis_status": np.where(resolved, "Resolved", "Active"),
            "primary_indicator": np.where(rng.random(len(pi)) < 0.3, "Y", "N"),
            "active_ind": np.where(inactive, "N", "Y"),
        })
        # acute, self-limited problems: mostly resolved, never bundle-qualifying
        acute_ids = lookup[lookup.bundle_code.isna()].condition_id.to_numpy()
        k = rng.poisson(1.2, n)
        ap = np.repeat(np.arange(1, n + 1), k)
        a_onset = np.datetime64(self.as_of, "D") - _days(rng.integers(5, HISTORY_DAYS, len(ap)))
        a_res = a_onset + _days(rng.integers(3, 30, len(ap)))
        a_res = np.where(a_res >= np.datetime64(self.as_of, "D"), np.datetime64("NaT"), a_res)
        acute = pd.DataFrame({
            "patient_id": ap, "condition_id": acute_ids[rng.integers(0, len(acute_ids), len(ap))], "bundle_code": None,
            "diagnosis_type": "Acute", "onset_date": a_onset, "resolution_date": a_res,
            "diagnosis_status": np.where(pd.isna(a_res), "Active", "Resolved"), "primary_indicator": "Y",
            "active_ind": "Y",
        })
        self.diagnoses = pd.concat([chronic, acute], ignore_index=True)
        qualified = chronic[(chronic.diagnosis_status == "Active") & (chronic.active_ind == "Y")]
        self.qualified = qualified[["patient_id", "bundle_code"]].drop_duplicates().reset_index(drop=True)
        self.n_chronic = np.bincount(qualified.patient_id.to_numpy(), minlength=n + 1)[1:]

    # -- encounters ----------------------------------------------------------------------
    def encounters(self) -> None:
        rng, n = self.rng, self.n
        years = HISTORY_DAYS / 365
        nc = self.n_chronic
        older = np.clip((self.age - 50) / 30, 0, None)
        sdoh = np.clip(self.sdoh, -2, 3)
        engaged = np.clip(self.engagement, -2, 2)
        # acute-care propensity the recorded features do not capture (mean 1): patients who used the ED
        # or hospital before keep doing so, so prior utilization predicts future utilization
        self.frailty = rng.gamma(2.0, 0.5, n)
        office_rate = (1.4 + 0.55 * nc + 0.6 * older + 0.15 * engaged) * years
        ed_rate = 0.12 * self.frailty * np.exp(0.22 * nc + 0.35 * sdoh + 0.3 * older - 0.15 * engaged) * years
        ip_rate = 0.035 * self.frailty * np.exp(0.3 * nc + 0.2 * sdoh + 0.6 * older) * years
        tele_rate = 0.35 * years * (1 + 0.2 * nc)
        kinds = []
        for label, rate in (("Office Visit", office_rate), ("Telehealth", tele_rate), ("Emergency", ed_rate),
                            ("Inpatient", ip_rate)):
            k = rng.poisson(rate)
            kinds.append(pd.DataFrame({"patient_id": np.repeat(np.arange(1, n + 1), k), "encounter_type": label}))
        # annual wellness visits for seniors, most years
        senior = np.flatnonzero(self.age >= 65)
        awv = []
        for year in range(3):
            took = senior[rng.random(len(senior)) < 0.55 + 0.1 * (self.engagement[senior] > 0)]
            awv.append(pd.DataFrame({"patient_id": took + 1, "encounter_type": "Annual Wellness", "year": year}))
        enc = pd.concat(kinds, ignore_index=True)
        days_back = rng.integers(1, HISTORY_DAYS, len(enc))
        # hospital stays (up to 8 days) and ED visits end before as_of
        days_back = np.where(enc.encounter_type.isin(["Emergency", "Inpatient"]).to_numpy(), np.maximum(days_back, 10),
                             days_back)
        aw = pd.concat(awv, ignore_index=True)
        aw_days = aw.year.to_numpy() * 365 + rng.integers(1, 365, len(aw))
        enc = pd.concat([enc.assign(days_back=days_back), aw.drop(columns="year").assign(days_back=aw_days)], ignore_index=True)
        enc["los_days"] = rng.integers(1, 8, len(enc))
        # unplanned readmission within 30 days of an inpatient discharge: likelier when older, with more
        # conditions (heart failure, COPD and CKD above all), social risk, low engagement and frailty
        ip = enc[enc.encounter_type == "Inpatient"]
        who = ip.patient_id.to_numpy() - 1
        logit = (-3.0 + 0.15 * np.minimum(nc[who], 8) + 0.45 * older[who] + 0.25 * sdoh[who] - 0.15 * engaged[who]
                 + 0.5 * np.log(self.frailty[who]))
        for code in ("HF", "COPD", "CKD"):
            if code in self.bundle_list:
                logit = logit + 0.35 * self.has[who, self.bundle_list.index(code)]
        readmit = ip[rng.random(len(ip)) < 1 / (1 + np.exp(-logit))]
        # admitted 2-29 days after the discharge day: always after the discharge, within 30 days of it
        gap = rng.integers(2, 30, len(readmit))
        readm = pd.DataFrame({"patient_id": readmit.patient_id.to_numpy(), "encounter_type": "Inpatient",
                              "days_back": readmit.days_back.to_numpy() - readmit.los_days.to_numpy() - gap,
                              "los_days": rng.integers(1, 8, len(readmit))})
        enc = pd.concat([enc, readm[readm.days_back >= 2]], ignore_index=True)
        enc = enc.sort_values(["patient_id", "days_back"], ascending=[True, False], kind="stable").reset_index(drop=True)
        m = len(enc)
        etype = enc.encounter_type.to_numpy()
        pid = enc.patient_id.to_numpy()
        is_ed, is_ip = etype == "Emergency", etype == "Inpatient"
        acute_site = is_ed | is_ip
        hours = np.where(acute_site, rng.integers(0, 24 * 60, m), rng.integers(8 * 60, 17 * 60, m))
        start = (np.datetime64(self.as_of, "s") - _days(enc.days_back.to_numpy()).astype("timedelta64[s]")
                 + hours.astype("timedelta64[m]"))
        los_h = np.where(is_ip, enc.los_days.to_numpy() * 24 + rng.integers(0, 24, m),
                         np.where(is_ed, rng.integers(2, 9, m), 0))
        discharge = np.where(acute_site, start + los_h.astype("timedelta64[h]"), np.datetime64("NaT"))
        # nobody is still in hospital in the past-only EDW: clip discharges to before as_of
        discharge = np.where(discharge >= np.datetime64(self.as_of, "s"), np.datetime64(self.as_of, "s") - np.timedelta64(1, "h"), discharge)
        spec_visit = (etype == "Office Visit") & (rng.random(m) < 0.25)
        provider = np.where(acute_site, self.hospitalist_ids[rng.integers(0, len(self.hospitalist_ids), m)],
                            np.where(spec_visit, self.specialist_ids[rng.integers(0, len(self.specialist_ids), m)],
                                     self.pcp[pid - 1]))
        org = np.where(acute_site, self.hospital_id, self.pcp_org_of_patient[pid - 1])
        dispo = np.where(is_ip, _choice(rng, (("Discharged home", 0.78), ("Skilled nursing facility", 0.12),
                                              ("Home health", 0.10)), m),
                         np.where(is_ed, _choice(rng, (("Discharged home", 0.85), ("Admitted", 0.15)), m), None))
        reasons = np.where(is_ed, "Emergency evaluation", np.where(is_ip, "Hospital admission",
                           np.where(etype == "Annual Wellness", "Annual wellness visit", "Follow-up visit")))
        ids = np.arange(1, m + 1)
        self.tables["encounter"] = pd.DataFrame({
            "encounter_id": ids, "patient_id": pid, "provider_id": provider, "org_id": org,
            "encounter_number": [f"E{i:09d}" for i in ids], "encounter_type": etype, "encounter_reason": reasons,
            "admission_datetime": np.where(acute_site, start, np.datetime64("NaT")),
            "discharge_datetime": discharge, "encounter_datetime": start, "disposition": dispo,
            "status": "Completed", "active_ind": "Y", "effective_start_date": None, "effective_end_date": None,
            "created_date": start + np.timedelta64(2, "h"), "updated_date": None,
        })
        self.enc = pd.DataFrame({"encounter_id": ids, "patient_id": pid, "encounter_type": etype, "start": start,
                                 "provider_id": provider})
        # E/M procedure per encounter
        em_codes = np.array([ENCOUNTER_CPT[t][i % len(ENCOUNTER_CPT[t])] for t, i in zip(etype, rng.integers(0, 4, m))])
        self.em = pd.DataFrame({"patient_id": pid, "encounter_id": ids, "provider_id": provider,
                                "procedure_id": [self.procedure_id[c] for c in em_codes], "procedure_datetime": start})
        # attach diagnoses to encounters where one exists near the onset (else no encounter)
        self._vitals()

    def _vitals(self) -> None:
        rng = self.rng
        office = self.enc[self.enc.encounter_type.isin(["Office Visit", "Annual Wellness"])]
        pid = office.patient_id.to_numpy()
        n = self.n
        idx = {b: self.bundle_list.index(b) for b in ("HTN", "DM2", "CKD", "OBESITY") if b in self.bundle_list}
        bp_risk = np.zeros(n, dtype=bool)
        for b in ("HTN", "DM2", "CKD"):
            if b in idx:
                bp_risk |= self.has[:, idx[b]]
        controlled = rng.random(n) < (0.55 + 0.1 * np.clip(self.engagement, -1.5, 1.5))
        sys_base = np.where(bp_risk, np.where(controlled, rng.normal(124, 6, n), rng.normal(146, 9, n)),
                            rng.normal(119, 10, n)) + 0.15 * (self.age - 50)
        dia_base = 0.45 * sys_base + rng.normal(20, 4, n)
        obese = self.has[:, idx["OBESITY"]] if "OBESITY" in idx else np.zeros(n, dtype=bool)
        bmi_base = np.where(obese, rng.normal(35.5, 4, n), rng.normal(26.5, 3.5, n))
        m = len(office)
        sys_v = np.round(sys_base[pid - 1] + rng.normal(0, 7, m))
        dia_v = np.round(dia_base[pid - 1] + rng.normal(0, 5, m))
        bmi_v = np.round(np.clip(bmi_base[pid - 1] + rng.normal(0, 0.6, m), 15, 70), 1)
        when = office.start.to_numpy() + np.timedelta64(10, "m")
        common = {"patient_id": pid, "encounter_id": office.encounter_id.to_numpy(),
                  "provider_id": office.provider_id.to_numpy(), "observation_datetime": when}
        self.vitals = pd.concat([
            pd.DataFrame({**common, "observation_code": VITAL_BP_SYS, "value_numeric": sys_v, "units": "mm[Hg]",
                          "observation_desc": "Systolic blood pressure"}),
            pd.DataFrame({**common, "observation_code": VITAL_BP_DIA, "value_numeric": dia_v, "units": "mm[Hg]",
                          "observation_desc": "Diastolic blood pressure"}),
            pd.DataFrame({**common, "observation_code": VITAL_BMI, "value_numeric": bmi_v, "units": "kg/m2",
                          "observation_desc": "Body mass index (BMI) [Ratio]"}),
        ], ignore_index=True)

    # -- measure evidence ----------------------------------------------------------------
    def evidence(self) -> None:
        rng, cat = self.rng, self.cat
        meas = cat.measures.copy()
        pm = (self.qualified.merge(cat.bundle_measures[["bundle_code", "measure_code"]], on="bundle_code")
              .merge(meas, on="measure_code"))
        pm["evidence_key"] = np.where(pm.dedup_domain != "", "D:" + pm.dedup_domain, "M:" + pm.measure_code)
        # one evidence stream per patient x (domain or measure): shared measures share events
        ev = pm.drop_duplicates(["patient_id", "evidence_key"]).reset_index(drop=True)
        ev = ev[ev.has_codified_evidence == "true"]
        vital_only = ev.measure_code.map(self.measure_vital_only).to_numpy(dtype=bool)
        ev = ev[~vital_only].reset_index(drop=True)
        m = len(ev)
        freq = _num(ev.frequency_days).to_numpy()
        window = np.where(np.isnan(freq), HISTORY_DAYS, np.where(freq == 0, 180, freq))
        p_met = 1 / (1 + np.exp(-(0.35 + 0.6 * self.engagement[ev.patient_id.to_numpy() - 1])))
        state = np.where(rng.random(m) < p_met, "met", np.where(rng.random(m) < 0.55, "stale", "none"))
        recent = np.maximum(1, (rng.random(m) * window * 0.95).astype(int))
        stale = (window * (1.1 + rng.random(m) * 1.4)).astype(int)
        days_back = np.where(state == "met", recent, stale)
        keep = (state != "none") & (days_back < HISTORY_DAYS)
        ev = ev[keep].assign(days_back=days_back[keep], state=state[keep]).reset_index(drop=True)
        # earlier repeats, for trends: up to two more events one window apart
        reps = [ev]
        for k in (1, 2):
            more = ev[(rng.random(len(ev)) < 0.5)].copy()
            w = window[keep][more.index.to_numpy()]
            more["days_back"] = more.days_back.to_numpy() + (k * w).astype(int)
            more["state"] = "history"
            reps.append(more[more.days_back < HISTORY_DAYS])
        ev = pd.concat(reps, ignore_index=True)
        m = len(ev)
        kind_codes = list(self.measure_kinds)
        kind_matrix = np.array([self.measure_kinds[c] for c in kind_codes], dtype=bool).reshape(len(kind_codes), 4)
        kinds = kind_matrix[pd.Index(kind_codes).get_indexer(ev.measure_code)]
        pick = np.argmax(kinds * rng.random(kinds.shape), axis=1)
        when = _ts(self.as_of, ev.days_back.to_numpy(), rng)
        pid = ev.patient_id.to_numpy()
        prov = self.pcp[pid - 1]
        obs = ev[pick == 0]
        self._lab_observations(obs, when[pick == 0], prov[pick == 0])
        procs = ev[pick == 1]
        codes = _pick_codes(rng, procs.evidence_cpt_codes)
        self.evidence_procs = pd.DataFrame({"patient_id": procs.patient_id.to_numpy(), "encounter_id": None,
                                            "provider_id": prov[pick == 1],
                                            "procedure_id": [self.procedure_id[c] for c in codes],
                                            "procedure_datetime": when[pick == 1]})
        meds = ev[pick == 2]
        codes = _pick_codes(rng, meds.evidence_rxnorm_codes)
        start = when[pick == 2]
        self.evidence_meds = pd.DataFrame({"patient_id": meds.patient_id.to_numpy(), "provider_id": prov[pick == 2],
                                           "medication_id": [self.medication_id[c] for c in codes],
                                           "start_datetime": start})
        vax = ev[pick == 3]
        self.evidence_vax = pd.DataFrame({"patient_id": vax.patient_id.to_numpy(), "provider_id": prov[pick == 3],
                                          "vaccine_code": _pick_codes(rng, vax.evidence_cvx_codes),
                                          "administration_datetime": when[pick == 3]})
        self.patient_measures = pm

    def _lab_observations(self, obs: pd.DataFrame, when: np.ndarray, prov: np.ndarray) -> None:
        rng = self.rng
        loinc = self.cat.loinc.set_index("loinc_code")
        codes = _pick_codes(rng, obs.evidence_loinc_codes)
        m = len(obs)
        known = np.isin(codes, loinc.index)
        ref = loinc.reindex(codes)
        mean = np.where(known, _num(ref["mean"]).to_numpy(), 50.0)
        sd = np.where(known, _num(ref["sd"]).to_numpy(), 10.0)
        lo = np.where(known, _num(ref["min_value"]).to_numpy(), 0.0)
        hi = np.where(known, _num(ref["max_value"]).to_numpy(), 1000.0)
        dec = np.where(known, _num(ref["decimals"]).fillna(1).to_numpy(), 1).astype(int)
        value = rng.normal(mean, sd)
        t_hi = _num(obs.target_value_high).to_numpy()
        t_lo = _num(obs.target_value_low).to_numpy()
        primary = codes == obs.loinc_code.to_numpy()
        has_target = primary & (~np.isnan(t_hi) | ~np.isnan(t_lo))
        met = obs.state.to_numpy() == "met"
        span = np.where(np.isnan(t_hi), np.abs(t_lo) * 0.3 + 1, np.abs(t_hi) * 0.3 + 1)
        inside = np.where(~np.isnan(t_hi), t_hi - rng.random(m) * span * 0.5 - 0.01 * np.abs(t_hi),
                          t_lo + rng.random(m) * span * 0.5 + 0.01 * np.abs(np.nan_to_num(t_lo)))
        outside = np.where(~np.isnan(t_hi), t_hi + rng.random(m) * span * 0.6 + 0.01 * np.abs(t_hi),
                           t_lo - rng.random(m) * span * 0.5 - 0.01 * np.abs(np.nan_to_num(t_lo)))
        # most recent in-window results meet the target ('met'); older ones are a coin toss
        in_target = np.where(met, True, rng.random(m) < 0.5)
        value = np.where(has_target, np.where(in_target, inside, outside), value)
        value = np.clip(value, lo, hi)
        value = np.array([round(v, d) for v, d in zip(value, dec)])
        units = np.where(known, ref["units"].to_numpy(), None)
        names = np.where(known, ref["name"].to_numpy(), None)
        self.labs = pd.DataFrame({"patient_id": obs.patient_id.to_numpy(), "encounter_id": None, "provider_id": prov,
                                  "observation_datetime": when, "observation_code": codes, "value_numeric": value,
                                  "units": units, "observation_desc": names})

    # -- other clinical tables -----------------------------------------------------------
    def clinical_rows(self) -> None:
        rng, n = self.rng, self.n
        # diagnoses: link chronic ones to the first encounter on/after onset when within 90 days
        dx = self.diagnoses
        enc = self.enc[["patient_id", "encounter_id", "start", "provider_id"]].copy()
        enc["day"] = enc.start.values.astype("datetime64[D]")
        dx = dx.sort_values("onset_date", kind="stable")
        enc_sorted = enc.sort_values("day", kind="stable")
        linked = pd.merge_asof(dx.assign(onset_date=pd.to_datetime(dx.onset_date)), enc_sorted.assign(day=pd.to_datetime(enc_sorted.day)),
                               left_on="onset_date", right_on="day", by="patient_id", direction="forward",
                               tolerance=pd.Timedelta(days=90))
        linked = linked.sort_values(["patient_id", "onset_date", "condition_id"], kind="stable").reset_index(drop=True)
        linked = linked.drop_duplicates(["patient_id", "condition_id", "onset_date", "encounter_id"])
        prov = linked.provider_id.fillna(pd.Series(self.pcp[linked.patient_id.to_numpy() - 1])).astype("Int64")
        dxf = pd.DataFrame({
            "patient_id": linked.patient_id.to_numpy(), "encounter_id": linked.encounter_id.astype("Int64").to_numpy(),
            "provider_id": prov.to_numpy(), "condition_id": linked.condition_id.to_numpy(),
            "diagnosis_type": linked.diagnosis_type.to_numpy(), "diagnosis_status": linked.diagnosis_status.to_numpy(),
            "onset_date": linked.onset_date.dt.date.to_numpy(), "resolution_date": linked.resolution_date.to_numpy(),
            "primary_indicator": linked.primary_indicator.to_numpy(), "active_ind": linked.active_ind.to_numpy(),
            "effective_start_date": None, "effective_end_date": None,
        })
        dxf.insert(0, "condition_diagnosis_id", np.arange(1, len(dxf) + 1))
        dxf["created_date"] = pd.to_datetime(dxf.onset_date) + pd.Timedelta(hours=18)
        dxf["updated_date"] = np.where(dxf.diagnosis_status == "Resolved", pd.to_datetime(dxf.resolution_date), pd.NaT)
        self.tables["condition_diagnosis"] = dxf

        proc = pd.concat([self.em, self.evidence_procs], ignore_index=True)
        proc = proc.drop_duplicates(["patient_id", "procedure_id", "procedure_datetime"]).reset_index(drop=True)
        proc.insert(0, "procedure_performed_id", np.arange(1, len(proc) + 1))
        proc["modifiers"] = None
        proc["comments"] = None
        proc["active_ind"] = "Y"
        proc["effective_start_date"] = None
        proc["effective_end_date"] = None
        proc["created_date"] = proc.procedure_datetime + np.timedelta64(1, "h")
        proc["updated_date"] = None
        proc["encounter_id"] = proc.encounter_id.astype("Int64")
        self.tables["procedure_performed"] = proc

        meds = self.evidence_meds.drop_duplicates(["patient_id", "medication_id", "start_datetime"]).reset_index(drop=True)
        k = len(meds)
        end = meds.start_datetime + _days(rng.integers(90, 366, k)).astype("timedelta64[s]")
        status = np.where(end < np.datetime64(self.as_of, "s"), "Completed", "Active")
        self.tables["medication_order"] = pd.DataFrame({
            "medication_order_id": np.arange(1, k + 1), "patient_id": meds.patient_id.to_numpy(), "encounter_id": None,
            "provider_id": meds.provider_id.to_numpy(), "medication_id": meds.medication_id.to_numpy(),
            "dosage": _choice(rng, (("1 tablet", 0.7), ("2 tablets", 0.2), ("0.5 tablet", 0.1)), k),
            "frequency": _choice(rng, (("Once daily", 0.65), ("Twice daily", 0.3), ("As needed", 0.05)), k),
            "route": "Oral", "start_datetime": meds.start_datetime.to_numpy(), "end_datetime": end.to_numpy(),
            "prescription_status": status, "refill_count": rng.integers(0, 6, k), "comments": None,
            "active_ind": "Y", "effective_start_date": None, "effective_end_date": None,
            "created_date": meds.start_datetime.to_numpy(), "updated_date": None,
        })

        obs = pd.concat([self.vitals, self.labs], ignore_index=True)
        obs = obs.drop_duplicates(["patient_id", "observation_code", "observation_datetime"]).reset_index(drop=True)
        k = len(obs)
        obs.insert(0, "observation_id", np.arange(1, k + 1))
        obs["encounter_id"] = obs.encounter_id.astype("Int64")
        obs["value_text"] = None
        obs["reference_range"] = None
        obs["abnormal_flag"] = None
        obs["status"] = "Final"
        obs["comments"] = None
        obs["active_ind"] = "Y"
        obs["effective_start_date"] = None
        obs["effective_end_date"] = None
        obs["created_date"] = obs.observation_datetime + np.timedelta64(30, "m")
        obs["updated_date"] = None
        self.tables["observation"] = obs

        # seasonal flu for part of the panel, plus measure-driven vaccines
        flu = []
        for season in range(3):
            got = np.flatnonzero(rng.random(n) < np.where(self.age >= 65, 0.68, 0.42))
            day = season * 365 + rng.integers(0, 120, len(got)) + 200
            flu.append(pd.DataFrame({"patient_id": got + 1, "provider_id": self.pcp[got],
                                     "vaccine_code": np.where(self.age[got] >= 65, "197", "158"),
                                     "administration_datetime": _ts(self.as_of, np.minimum(day, HISTORY_DAYS - 1), rng)}))
        vax = pd.concat([*flu, self.evidence_vax], ignore_index=True)
        vax["day"] = vax.administration_datetime.values.astype("datetime64[D]")
        vax = vax.drop_duplicates(["patient_id", "vaccine_code", "day"]).drop(columns="day").reset_index(drop=True)
        k = len(vax)
        names = {c: self._code_name(("CVX",), c) for c in vax.vaccine_code.unique()}
        self.tables["immunization"] = pd.DataFrame({
            "immunization_id": np.arange(1, k + 1), "patient_id": vax.patient_id.to_numpy(),
            "provider_id": vax.provider_id.to_numpy(), "vaccine_code": vax.vaccine_code.to_numpy(),
            "vaccine_name": vax.vaccine_code.map(names).to_numpy(),
            "administration_datetime": vax.administration_datetime.to_numpy(),
            "lot_number": [f"L{x:06d}" for x in rng.integers(0, 10**6, k)], "expiration_date": None,
            "administration_site": _choice(rng, (("Left deltoid", 0.6), ("Right deltoid", 0.4)), k),
            "reaction": None, "status": "Completed", "active_ind": "Y",
            "created_date": vax.administration_datetime.to_numpy(), "updated_date": None,
        })

        # allergies
        k = rng.poisson(0.45, n)
        ap = np.repeat(np.arange(1, n + 1), k)
        pa = pd.DataFrame({"patient_id": ap, "allergy_id": rng.integers(1, len(ALLERGIES) + 1, len(ap))})
        pa = pa.drop_duplicates().reset_index(drop=True)
        m = len(pa)
        pa.insert(0, "patient_allergy_id", np.arange(1, m + 1))
        pa["reaction"] = _choice(rng, (("Rash", 0.4), ("Hives", 0.25), ("Anaphylaxis", 0.05), ("GI upset", 0.2),
                                       ("Swelling", 0.1)), m)
        pa["severity"] = _choice(rng, (("Mild", 0.55), ("Moderate", 0.35), ("Severe", 0.10)), m)
        pa["onset_date"] = np.datetime64(self.as_of, "D") - _days(rng.integers(100, 20 * 365, m))
        pa["end_date"] = None
        pa["status"] = "Active"
        pa["active_ind"] = "Y"
        pa["effective_start_date"] = None
        pa["effective_end_date"] = None
        pa["created_date"] = self.created
        pa["updated_date"] = None
        self.tables["patient_allergy"] = pa

        # SDOH screening: most patients once or twice in the history window
        k = np.where(rng.random(n) < 0.72, rng.integers(1, 3, n), 0)
        sp = np.repeat(np.arange(1, n + 1), k)
        z = self.sdoh[sp - 1]
        m = len(sp)
        s_date = np.datetime64(self.as_of, "D") - _days(rng.integers(1, HISTORY_DAYS, m))
        housing = np.where(rng.random(m) < 1 / (1 + np.exp(-(z * 1.4 - 3.3))),
                           _choice(rng, (("Unstable housing", 0.75), ("Homeless", 0.25)), m), "Stable housing")
        sd = pd.DataFrame({
            "patient_id": sp, "assessment_date": s_date, "housing_status": housing,
            "food_insecurity_ind": np.where(rng.random(m) < 1 / (1 + np.exp(-(z * 1.3 - 2.4))), "Y", "N"),
            "transportation_ind": np.where(rng.random(m) < 1 / (1 + np.exp(-(z * 1.2 - 2.8))), "Y", "N"),
            "social_isolation_score": np.clip(np.round(rng.normal(3 + 1.2 * z + 0.03 * (self.age[sp - 1] - 50), 2)), 0, 10).astype(int),
        }).drop_duplicates(["patient_id", "assessment_date"]).sort_values(["patient_id", "assessment_date"], kind="stable")
        sd.insert(0, "sdoh_assessment_id", np.arange(1, len(sd) + 1))
        sd["comments"] = None
        sd["active_ind"] = "Y"
        sd["created_date"] = pd.to_datetime(sd.assessment_date) + pd.Timedelta(hours=12)
        sd["updated_date"] = None
        self.tables["sdoh_assessment"] = sd.reset_index(drop=True)

    def care_gaps(self) -> None:
        """EDW care_gap rows as the upstream gap engine records them: ~70% open, 25% closed, 5% excluded."""
        rng = self.rng
        pm = self.patient_measures
        m = len(pm)
        p_met = 1 / (1 + np.exp(-(0.35 + 0.6 * self.engagement[pm.patient_id.to_numpy() - 1])))
        met = rng.random(m) < p_met
        open_rows = np.flatnonzero(~met)
        closed_pool = np.flatnonzero(met)
        # exclusions come out of the open pool: open : closed : excluded = 70 : 25 : 5
        n_closed = min(len(closed_pool), int(round(len(open_rows) * 25 / 75)))
        closed_rows = rng.choice(closed_pool, n_closed, replace=False)
        n_excl = int(round(len(open_rows) * 5 / 75))
        excluded_rows = rng.choice(open_rows, min(n_excl, len(open_rows)), replace=False)
        status = np.full(m, None, dtype=object)
        status[open_rows] = "Open"
        status[closed_rows] = "Closed"
        status[excluded_rows] = "Excluded"
        keep = status != None  # noqa: E711
        g = pm[keep].reset_index(drop=True)
        st = status[keep]
        k = len(g)
        identified = _ts(self.as_of, rng.integers(30, 700, k), rng)
        resolved = np.where(st == "Closed", identified + _days(rng.integers(5, 25, k)).astype("timedelta64[s]"),
                            np.datetime64("NaT"))
        # use mixed-case and lower-case statuses the way real feeds do; staging normalises them
        shown = np.where(rng.random(k) < 0.3, np.char.lower(st.astype(str)), st.astype(str))
        self.tables["care_gap"] = pd.DataFrame({
            "care_gap_id": np.arange(1, k + 1), "patient_id": g.patient_id.to_numpy(),
            "measure_id": g.measure_code.map(self.measure_id).to_numpy(), "gap_status": shown,
            "identified_date": identified, "resolved_date": resolved,
            "comments": np.where(st == "Excluded", "Patient meets exclusion criteria", None), "active_ind": "Y",
            "created_date": identified, "updated_date": np.where(st == "Closed", resolved, np.datetime64("NaT")),
            "bundle_id": g.bundle_code.map(self.bundle_id).to_numpy(),
            "due_date": (identified + _days(np.full(k, 90)).astype("timedelta64[s]")).astype("datetime64[D]"),
            "gap_priority": _choice(rng, (("High", 0.25), ("Medium", 0.5), ("Low", 0.25)), k),
        })

    # -- blocks ------------------------------------------------------------------------------
    def block(self, index: int) -> dict[str, pd.DataFrame]:
        """The patient tables of block `index` (patients index * block_patients + 1 ..), with global ids.

        Each block draws from its own random stream, seeded by (seed, index): a block's rows depend on
        the seed, the population size (through the shared reference tables) and the block's index,
        never on which other blocks are generated with it. Ids are block-local (1..) while the block
        is generated, then made global from the block index alone (`globalize`).
        """
        self.block_index = index
        self.lo = index * self.block_patients
        self.n = min(self.block_patients, self.total - self.lo)
        self.rng = np.random.default_rng([self.seed, 1, index])
        self.tables = {"payer": self.ref_tables["payer"]}
        self.patients()
        self.conditions()
        self.encounters()
        self.evidence()
        self.clinical_rows()
        self.care_gaps()
        del self.tables["payer"]
        return self.tables

    def build_reference(self) -> dict[str, pd.DataFrame]:
        self.rng = np.random.default_rng([self.seed, 0])
        self.reference()
        self.tables["etl_log"] = pd.DataFrame({
            "etl_log_id": [1], "source_system": ["phm synthetic generator"],
            "load_start_timestamp": [self.created], "load_end_timestamp": [self.created],
            "rows_inserted": [0], "rows_updated": [0], "load_status": ["Success"], "error_message": [None],
            "created_date": [self.created],
        })
        self.ref_tables = self.tables
        return self.tables


# Rows per patient a block may hold at most, per table: a block's ids are strided, block b's rows of a
# table numbered from b * block_patients * cap + 1. Ids then follow from the block index alone, so
# blocks can be generated in any order, in parallel, and whatever the chunk size. The caps are 3-10x
# the means (observation ~32, procedure ~20, encounter ~12 per patient) and leave room for --defects.
ID_CAP_PER_PATIENT = {
    "patient_attribution": 4, "patient_insurance_coverage": 4, "encounter": 60, "condition_diagnosis": 30,
    "procedure_performed": 100, "medication_order": 30, "observation": 150, "immunization": 20,
    "patient_allergy": 10, "sdoh_assessment": 4, "care_gap": 60,
}
INT4_MAX = 2_147_483_647


def globalize(tables: dict[str, pd.DataFrame], index: int, lo: int, block_patients: int) -> None:
    """Block-local ids (1..) to EDW ids: patients follow their index, other rows their block's stride."""
    base = {name: index * block_patients * cap for name, cap in ID_CAP_PER_PATIENT.items()}
    for name, frame in tables.items():
        if name in base:
            frame[PRIMARY_KEYS[name]] = frame[PRIMARY_KEYS[name]].to_numpy() + base[name]
        if "patient_id" in frame.columns:
            frame["patient_id"] = frame["patient_id"].to_numpy() + lo
        if name != "encounter" and "encounter_id" in frame.columns:
            frame["encounter_id"] = frame["encounter_id"].astype("Int64") + base["encounter"]
    if "encounter" in tables:
        enc = tables["encounter"]
        enc["encounter_number"] = [f"E{i:09d}" for i in enc.encounter_id.to_numpy()]


def check_strides(tables: dict[str, pd.DataFrame], index: int, block_patients: int) -> None:
    for name, cap in ID_CAP_PER_PATIENT.items():
        frame = tables.get(name)
        if frame is None or not len(frame):
            continue
        local_max = int(frame[PRIMARY_KEYS[name]].max()) - index * block_patients * cap
        if local_max > block_patients * cap:
            raise PhmError(f"Block {index} has {local_max:,} {name} rows, more than its id range "
                           f"({cap} per patient); raise ID_CAP_PER_PATIENT['{name}'].")
        if (index + 1) * block_patients * cap > INT4_MAX:
            raise PhmError(f"Too many patients for phm_edw.{name}'s integer ids; generate fewer patients.")


# --------------------------------------------------------------------------- defects


def inject_defects(tables: dict[str, pd.DataFrame], rate: float, seed: int, as_of: date, block: int = 0,
                   orphan_base: int | None = None) -> dict[tuple[str, str], int]:
    """Append bad rows to leaf tables; returns the count per (table, rule) the staging layer must reject.

    Only rows nothing else references are touched, so each defect is rejected exactly once:
    blank and malformed codes, orphan patients, future dates and duplicate records.
    """
    rng = np.random.default_rng([seed + 7_777, block])
    made: dict[tuple[str, str], int] = {}
    # orphans point past the whole population, never at a patient of a later block
    max_patient = orphan_base if orphan_base is not None else int(tables["patient"].patient_id.max())
    future = np.datetime64(as_of, "s") + np.timedelta64(40, "D")

    clean_rows = {name: len(frame) for name, frame in tables.items()}

    def take(name: str, share: float) -> pd.DataFrame:
        """Copies of clean rows only, so that no row carries two defects."""
        n = clean_rows[name]
        k = max(1, int(round(n * rate * share)))
        return tables[name].iloc[rng.choice(n, k, replace=False)].copy()

    def append(name: str, rows: pd.DataFrame, rule: str) -> None:
        frame = tables[name]
        key = frame.columns[0]
        rows[key] = np.arange(int(frame[key].max()) + 1, int(frame[key].max()) + 1 + len(rows))
        tables[name] = pd.concat([frame, rows], ignore_index=True)
        made[(name, rule)] = made.get((name, rule), 0) + len(rows)

    obs = take("observation", 0.2)
    append("observation", obs.assign(observation_code=" "), "null_code")
    obs = take("observation", 0.2)
    append("observation", obs.assign(observation_code=obs.observation_code.str.replace("-", "", regex=False) + "X"),
           "malformed_code")
    obs = take("observation", 0.2)
    append("observation", obs.assign(patient_id=max_patient + 1 + np.arange(len(obs))), "orphan_fk")
    obs = take("observation", 0.2)
    append("observation", obs.assign(observation_datetime=future + _days(rng.integers(0, 300, len(obs))).astype("timedelta64[s]")),
           "out_of_range_date")
    obs = take("observation", 0.2)
    append("observation", obs, "duplicate_record")
    dx = take("condition_diagnosis", 0.3)
    append("condition_diagnosis", dx.assign(patient_id=max_patient + 1 + np.arange(len(dx))), "orphan_fk")
    dx = take("condition_diagnosis", 0.3)
    append("condition_diagnosis", dx, "duplicate_record")
    imm = take("immunization", 0.3)
    append("immunization", imm.assign(vaccine_code="CVX" + imm.vaccine_code), "malformed_code")
    mo = take("medication_order", 0.3)
    append("medication_order", mo.assign(start_datetime=future, end_datetime=future + np.timedelta64(90, "D")),
           "out_of_range_date")
    return made


# --------------------------------------------------------------------------- streaming


@dataclass
class Chunk:
    """One COPY unit: the reference tables (chunk 0), or the rows of a run of whole blocks."""
    patients: int
    tables: dict[str, pd.DataFrame]
    extra: dict[str, pd.DataFrame]  # what the hooks returned, concatenated over the chunk's blocks
    defects: dict[tuple[str, str], int]


def block_seed(seed: int, index: int) -> int:
    """The seed a hook receives for block `index`: chunk-independent, different per block."""
    return int(np.random.SeedSequence([seed, 2, index]).generate_state(1)[0])


@contextmanager
def _object_strings() -> Iterator[None]:
    """While generating, new pandas strings are numpy object arrays, not pandas 3's Arrow-backed `str`.

    Generation selects rows (`frame[mask]`, merges, takes) thousands of times per block, and on Arrow
    strings each selection is a pyarrow `take`: measured on a 2,500-patient block, 2.5-3.2 s against
    1.4-1.8 s with object strings, for the same rows and the same CSV bytes (test_generate.py compares the
    loaded EDW's checksum). `future.infer_string` is pandas 3's own switch; pandas 4 drops it, and then
    the generator simply runs on Arrow strings, slower.
    """
    option = "future.infer_string"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the switch is deprecated in pandas 3, announcing pandas 4
        try:
            before = pd.get_option(option)
        except (KeyError, pd.errors.OptionError):  # pandas 4: no switch
            before = None
        if before is not None:
            pd.set_option(option, False)
    try:
        yield
    finally:
        if before is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                pd.set_option(option, before)


def _generator(patients: int, seed: int, profile: str, as_of: date, block_patients: int = 0) -> Generator:
    if profile not in PROFILES:
        raise PhmError(f"Unknown profile {profile!r}; choose one of {', '.join(PROFILES)}.")
    with _object_strings():
        gen = Generator(load_catalog(), patients, seed, PROFILES[profile], as_of, block_patients=block_patients)
        gen.build_reference()
    return gen


def _blocks(gen: Generator, blocks: range, defects: float, hooks: Sequence[Hook]) -> Chunk:
    """Generate a run of blocks: core tables with EDW ids, what the hooks add, the injected defects."""
    with _object_strings():
        return _generate_blocks(gen, blocks, defects, hooks)


def _generate_blocks(gen: Generator, blocks: range, defects: float, hooks: Sequence[Hook]) -> Chunk:
    parts: list[dict[str, pd.DataFrame]] = []
    extras: list[dict[str, pd.DataFrame]] = []
    made: dict[tuple[str, str], int] = {}
    count = 0
    for index in blocks:
        tables = gen.block(index)
        count += gen.n
        globalize(tables, index, gen.lo, gen.block_patients)
        extra: dict[str, pd.DataFrame] = {}
        for hook in hooks:
            for name, frame in hook({**gen.ref_tables, **tables}, block_seed(gen.seed, index), gen.as_of).items():
                extra[name] = pd.concat([extra[name], frame], ignore_index=True) if name in extra else frame
        if defects > 0:
            for key, k in inject_defects(tables, defects, gen.seed, gen.as_of, block=index,
                                         orphan_base=gen.total).items():
                made[key] = made.get(key, 0) + k
            if generate_ops in hooks:
                with_ops = {**tables, **extra}
                for key, k in inject_ops_defects(with_ops, defects, block_seed(gen.seed, index), gen.as_of,
                                                 orphan_patient_base=gen.total).items():
                    made[key] = made.get(key, 0) + k
                extra = {name: with_ops[name] for name in extra}
        check_strides(tables, index, gen.block_patients)
        parts.append(tables)
        extras.append(extra)
    return Chunk(count, _concat(parts), _concat(extras), made)


def _reference_chunk(gen: Generator, hooks: Sequence[Hook], defects: float) -> Chunk:
    """The reference tables, first in every stream; with the generate_ops hook, also its reference tables."""
    with _object_strings():
        return _generate_reference_chunk(gen, hooks, defects)


def _generate_reference_chunk(gen: Generator, hooks: Sequence[Hook], defects: float) -> Chunk:
    if generate_ops not in hooks:
        return Chunk(0, dict(gen.ref_tables), {}, {})
    ops_reference = generate_ops_reference(gen.ref_tables, gen.seed, gen.as_of)
    made = inject_ops_defects(ops_reference, defects, gen.seed, gen.as_of, orphan_patient_base=gen.total) if defects > 0 else {}
    return Chunk(0, dict(gen.ref_tables), ops_reference, made)


def _chunk_ranges(patients: int, chunk_patients: int, block_patients: int) -> list[range]:
    per_chunk = max(1, -(-chunk_patients // block_patients))
    n_blocks = -(-patients // block_patients)
    return [range(first, min(first + per_chunk, n_blocks)) for first in range(0, n_blocks, per_chunk)]


def iter_chunks(patients: int, seed: int, profile: str, as_of: date, defects: float = 0.0,
                chunk_patients: int = DEFAULT_CHUNK_PATIENTS, hooks: Sequence[Hook] = (),
                block_patients: int = 0) -> Iterator[Chunk]:
    """The EDW as a stream of chunks, in this process: first the reference tables, then the patients.

    The chunk size is rounded up to whole blocks; it changes memory use and COPY batching only.
    """
    gen = _generator(patients, seed, profile, as_of, block_patients)
    yield _reference_chunk(gen, hooks, defects)
    for blocks in _chunk_ranges(patients, chunk_patients, gen.block_patients):
        yield _blocks(gen, blocks, defects, hooks)


def _concat(parts: list[dict[str, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
    names = list(dict.fromkeys(name for part in parts for name in part))
    return {name: pd.concat([p[name] for p in parts if name in p], ignore_index=True) if len(parts) > 1
            else parts[0][name] for name in names}


# --------------------------------------------------------------------------- loading


INT_COLUMNS = ("rows_inserted", "rows_updated", "refill_count", "bundle_size", "ordinal", "social_isolation_score")


def _refuse_unknown_columns(name: str, frame: pd.DataFrame, columns: list[str]) -> None:
    unknown = [c for c in frame.columns if c not in columns]
    if unknown:
        raise PhmError(f"phm_edw.{name} has no column {', '.join(unknown)} (generated by a hook or the generator).")


def _integer_column(name: str, values: pd.Series) -> bool:
    """A float column holding ids or counts (NaN made it float): written as integers."""
    return values.dtype.kind == "f" and (name.endswith("_id") or name in INT_COLUMNS)


def _csv(name: str, frame: pd.DataFrame, columns: list[str]) -> bytes:
    """The frame as CSV in the table's column order, for COPY: absent columns and empty strings NULL, float
    ids written as integers, timestamps to the second. Arrow's CSV writer; `_csv_pandas` is the reference."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    _refuse_unknown_columns(name, frame, columns)
    arrays = []
    for c in columns:
        if c not in frame.columns:
            arrays.append(pa.nulls(len(frame), pa.string()))
            continue
        values = frame[c]
        if _integer_column(c, values):
            values = values.astype("Int64")
        try:
            array = pa.array(values, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed Python objects: their text, NULL kept
            array = pa.array(values.map(lambda v: None if v is None or v is pd.NaT or v != v else str(v)), pa.string())
        if pa.types.is_timestamp(array.type):
            array = array.cast(pa.timestamp("s"), safe=False)
        elif pa.types.is_floating(array.type):  # as pandas writes them: 12.0, never 12
            array = pc.if_else(pc.is_nan(array), None, array)
        elif pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
            array = pc.if_else(pc.equal(array, ""), None, array)
        arrays.append(array)
    out = pa.BufferOutputStream()
    pacsv.write_csv(pa.Table.from_arrays(arrays, names=columns), out,
                    pacsv.WriteOptions(include_header=False, quoting_style="needed"))
    return out.getvalue().to_pybytes()


def _csv_pandas(name: str, frame: pd.DataFrame, columns: list[str]) -> bytes:
    """`_csv` by pandas' to_csv (about ten times slower): the reference the Arrow writer is tested against."""
    frame = frame.copy(deep=False)
    _refuse_unknown_columns(name, frame, columns)
    for c in columns:
        if c not in frame.columns:
            frame[c] = None
    frame = frame[columns]
    for c in columns:
        if _integer_column(c, frame[c]):
            frame[c] = frame[c].astype("Int64")
    return frame.to_csv(header=False, index=False, date_format="%Y-%m-%d %H:%M:%S").encode()


def _table_columns(pg) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    cols: dict[str, list[str]] = {}
    for table, column in pg.execute(
        "select table_name, column_name from information_schema.columns where table_schema = 'phm_edw' "
        "order by table_name, ordinal_position"
    ).fetchall():
        cols.setdefault(table, []).append(column)
    return cols


def _peak_rss_mb(children: bool = False) -> float:
    """Peak resident memory (ru_maxrss) of this process, or of the largest waited-for child, in MB."""
    import resource

    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return resource.getrusage(who).ru_maxrss / 1024  # kilobytes on Linux


# What a forked worker needs; set in the parent just before the pool forks (fork shares it for free).
_WORKER: dict[str, object] = {}


def _worker_chunk(blocks: range) -> tuple[int, list[tuple[str, bytes, bool]], dict[str, int], dict[tuple[str, str], int]]:
    """In a worker process: generate a run of blocks and format it as CSV, table by table."""
    gen = _WORKER["gen"]
    cols: dict[str, list[str]] = _WORKER["cols"]  # type: ignore[assignment]
    chunk = _blocks(gen, blocks, _WORKER["defects"], _WORKER["hooks"])  # type: ignore[arg-type]
    return _payload(chunk, cols)


def _payload(chunk: Chunk, cols: dict[str, list[str]]
             ) -> tuple[int, list[tuple[str, bytes, bool]], dict[str, int], dict[tuple[str, str], int]]:
    items = []
    rows = {}
    for name, frame in [*chunk.tables.items(), *chunk.extra.items()]:
        if name not in cols:
            raise PhmError(f"Table phm_edw.{name} does not exist (returned by a generator hook); "
                           f"add it to the EDW DDL first.")
        items.append((name, _csv(name, frame, cols[name]), name not in TABLE_ORDER))
        rows[name] = len(frame)
    return chunk.patients, items, rows, chunk.defects


def stream_to_edw(conn: Connection, patients: int, seed: int, profile: str, as_of: date, defects: float = 0.0,
                  chunk_patients: int = DEFAULT_CHUNK_PATIENTS, hooks: Sequence[Hook] = (), workers: int | None = None,
                  block_patients: int = 0, progress: bool = True) -> GenerateResult:
    """Replace phm_edw's rows with a generated population, in chunks, in bounded memory.

    `workers` processes (default: one per core, none for a single chunk) generate the chunks and
    format them as CSV; this process COPYs them in order, in one transaction, from a writer thread,
    so that at most `workers + 2` chunks exist at once. A failure leaves the previous EDW.
    """
    import multiprocessing
    from collections import deque

    from phm.edw.ddl import drop_derived

    result = GenerateResult(patients=patients, seed=seed, profile=profile, as_of=as_of)
    started = time.perf_counter()
    gen = _generator(patients, seed, profile, as_of, block_patients)
    ranges = _chunk_ranges(patients, chunk_patients, gen.block_patients)
    with conn.connect() as pg:
        cols = _table_columns(pg)
    workers = min(os.cpu_count() or 1, 2) if workers is None else workers
    workers = 0 if len(ranges) < 2 else workers
    pool = None
    if workers:
        _WORKER.update(gen=gen, cols=cols, defects=defects, hooks=list(hooks))
        pool = multiprocessing.get_context("fork").Pool(workers)  # before any thread or connection of the load

    def payloads() -> Iterator[tuple[int, list[tuple[str, bytes, bool]], dict[str, int], dict[tuple[str, str], int]]]:
        if pool is None:
            yield _payload(_reference_chunk(gen, hooks, defects), cols)
            for blocks in ranges:
                yield _payload(_blocks(gen, blocks, defects, hooks), cols)
            return
        # the workers start on the first chunks while this process makes the reference tables (loaded first)
        pending: deque = deque(pool.apply_async(_worker_chunk, (blocks,)) for blocks in ranges[:workers + 1])
        yield _payload(_reference_chunk(gen, hooks, defects), cols)
        for blocks in ranges[workers + 1:]:
            yield pending.popleft().get()
            pending.append(pool.apply_async(_worker_chunk, (blocks,)))
        while pending:
            yield pending.popleft().get()

    try:
        drop_derived(conn)
        _copy_in(conn, payloads(), patients, result, progress)
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
        _WORKER.clear()
    result.generate_seconds = time.perf_counter() - started
    result.peak_rss_mb = _peak_rss_mb()
    result.worker_peak_rss_mb = _peak_rss_mb(children=True) if workers else 0.0
    return result


def _copy_in(conn: Connection, payloads: Iterable[tuple[int, list[tuple[str, bytes, bool]], dict[str, int],
                                                            dict[tuple[str, str], int]]],
             patients: int, result: GenerateResult, progress: bool) -> None:
    import queue
    import threading

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    started = time.perf_counter()
    with conn.connect(autocommit=False) as pg:
        superuser = pg.execute("select rolsuper from pg_roles where rolname = current_user").fetchone()[0]  # type: ignore[index]
        with pg.cursor() as cur:
            if superuser:
                # Generated rows are consistent by construction (and --defects breaks them on purpose);
                # skipping per-row FK triggers makes the bulk load several times faster.
                cur.execute("set local session_replication_role = replica")
            cur.execute("truncate " + ", ".join(f"phm_edw.{t}" for t in TABLE_ORDER) + " cascade")
            work: queue.Queue[list[tuple[str, bytes, bool]] | None] = queue.Queue(maxsize=1)
            failure: list[BaseException] = []
            copy_seconds = [0.0]

            def writer() -> None:
                try:
                    while (item := work.get()) is not None:
                        t = time.perf_counter()
                        for name, payload, empty_first in item:
                            if empty_first:
                                cur.execute(f"truncate phm_edw.{name} cascade")
                            with cur.copy(f"copy phm_edw.{name} from stdin with (format csv)") as copy:
                                copy.write(payload)
                        copy_seconds[0] += time.perf_counter() - t
                except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
                    failure.append(exc)
                    while work.get() is not None:  # drain, so the producer never blocks
                        pass

            thread = threading.Thread(target=writer, name="edw-copy", daemon=True)
            thread.start()
            loaded: list[str] = []
            try:
                with Progress(TextColumn("[bold]phm_edw[/]"), BarColumn(), MofNCompleteColumn(), TextColumn("patients"),
                              TextColumn("{task.description}"), TimeElapsedColumn(), TextColumn("eta"),
                              TimeRemainingColumn(), disable=not progress, transient=True) as bar:
                    task = bar.add_task("", total=patients)
                    for count, produced, rows, made in payloads:
                        items = []
                        for name, payload, is_extra in produced:
                            # a hook's table is emptied (by the writer, in order) before its first rows
                            items.append((name, payload, is_extra and name not in loaded))
                            if name not in loaded:
                                loaded.append(name)
                        for name, k in rows.items():
                            result.rows[name] = result.rows.get(name, 0) + k
                        for key, k in made.items():
                            result.defects[key] = result.defects.get(key, 0) + k
                        if failure:
                            break
                        work.put(items)
                        elapsed = time.perf_counter() - started
                        bar.update(task, advance=count, description=f"{sum(result.rows.values()) / max(elapsed, 1e-9):,.0f} rows/s, "
                                   f"{_peak_rss_mb():,.0f} MB")
            finally:
                work.put(None)
                thread.join()
            if failure:
                raise failure[0]
            for name in loaded:
                key = PRIMARY_KEYS.get(name) or _primary_key(pg, name)
                if not key:
                    continue
                seq = pg.execute("select pg_get_serial_sequence(%s, %s)", (f"phm_edw.{name}", key)).fetchone()
                if seq and seq[0]:
                    cur.execute(f"select setval(%s, greatest((select max({key}) from phm_edw.{name}), 1))", (seq[0],))
        pg.commit()
    _analyze(conn, [(name, result.rows.get(name, 0)) for name in loaded])
    result.load_seconds = copy_seconds[0]


def _analyze(conn: Connection, tables: list[tuple[str, int]], sessions: int = 2) -> None:
    """ANALYZE the loaded tables (the nightly's plans need their statistics) over `sessions` connections at
    once, largest tables first, each to the least loaded session: about half the time of one ANALYZE."""
    from concurrent.futures import ThreadPoolExecutor

    shares: list[list[str]] = [[] for _ in range(sessions)]
    load = [0] * sessions
    for name, rows in sorted(tables, key=lambda item: -item[1]):
        least = load.index(min(load))
        shares[least].append(name)
        load[least] += max(rows, 1)

    def run(names: list[str]) -> None:
        with conn.connect() as pg:
            pg.execute("analyze " + ", ".join(f"phm_edw.{t}" for t in names))

    with ThreadPoolExecutor(sessions, thread_name_prefix="edw-analyze") as pool:
        list(pool.map(run, [names for names in shares if names]))  # list(): re-raises a session's error


def _primary_key(pg, name: str) -> str | None:  # type: ignore[no-untyped-def]
    row = pg.execute(
        "select a.attname from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey) "
        "where i.indrelid = %s::regclass and i.indisprimary", (f"phm_edw.{name}",)).fetchone()
    return row[0] if row else None


def load(conn: Connection, tables: dict[str, pd.DataFrame], progress: bool = True) -> None:
    """Replace phm_edw's rows with `tables` (all in memory; for small EDWs and tests)."""
    from phm.edw.ddl import drop_derived

    patients = len(tables.get("patient", ()))
    with conn.connect() as pg:
        cols = _table_columns(pg)
    core = {name: tables[name] for name in TABLE_ORDER if name in tables}
    extra = {name: frame for name, frame in tables.items() if name not in core}
    drop_derived(conn)
    _copy_in(conn, [_payload(Chunk(patients, core, extra, {}), cols)], patients,
             GenerateResult(patients=patients, seed=0, profile="", as_of=date.today()), progress)


def build_tables(patients: int, seed: int, profile: str, as_of: date, defects: float = 0.0,
                 hooks: Sequence[Hook] | None = None, chunk_patients: int | None = None, block_patients: int = 0
                 ) -> tuple[dict[str, pd.DataFrame], dict[tuple[str, str], int]]:
    """The whole EDW in memory (tests and small populations): the stream's chunks concatenated."""
    chunks = list(iter_chunks(patients, seed, profile, as_of, defects, chunk_patients=chunk_patients or patients,
                              hooks=DEFAULT_HOOKS if hooks is None else hooks, block_patients=block_patients))
    tables = _concat([c.tables for c in chunks])
    extra = _concat([c.extra for c in chunks if c.extra]) if any(c.extra for c in chunks) else {}
    made: dict[tuple[str, str], int] = {}
    for c in chunks:
        for key, k in c.defects.items():
            made[key] = made.get(key, 0) + k
    return {**{name: tables[name] for name in TABLE_ORDER if name in tables}, **extra}, made


def generate_and_load(conn: Connection, patients: int, seed: int = 42, profile: str = "ambulatory",
                      defects: float = 0.0, as_of: date | None = None, progress: bool = True,
                      chunk_patients: int = DEFAULT_CHUNK_PATIENTS, hooks: Sequence[Hook] | None = None,
                      workers: int | None = None, block_patients: int = 0) -> GenerateResult:
    """Generate and COPY the EDW in chunks of `chunk_patients` patients (bounded memory at any size)."""
    return stream_to_edw(conn, patients, seed, profile, as_of or date.today(), defects, chunk_patients,
                         DEFAULT_HOOKS if hooks is None else hooks, workers, block_patients, progress)


def edw_checksum(conn: Connection) -> str:
    """One md5 over every phm_edw table's rows in key order: equal EDWs give equal checksums."""
    digest = hashlib.md5()
    with conn.connect() as pg:
        for name in TABLE_ORDER:
            key = pg.execute(
                "select a.attname from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey) "
                "where i.indrelid = %s::regclass and i.indisprimary", (f"phm_edw.{name}",)).fetchone()[0]  # type: ignore[index]
            row = pg.execute(f"select md5(coalesce(string_agg(t::text, '|' order by {key}), '')) from phm_edw.{name} t").fetchone()
            digest.update(f"{name}:{row[0]}".encode())  # type: ignore[index]
    return digest.hexdigest()
