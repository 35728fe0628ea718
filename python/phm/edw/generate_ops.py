"""Claims-grade operational tables for the synthetic EDW (upstream migrations 010, 011 and 012).

Two entry points, both pure functions of their inputs:

- `generate_ops(tables, seed, as_of)` takes the core tables of a set of patients (patient, encounter,
  condition_diagnosis + condition, medication_order + medication, procedure_performed + procedure,
  patient_insurance_coverage, payer, provider, organization, sdoh_assessment) and returns the
  per-patient operational rows: billing_claim, billing_line_item, payment, appointment,
  patient_check_in, telehealth_session, insurance_eligibility, e_prescription, refill_request,
  drug_interaction_alert, prior_authorization, medication_reconciliation, encounter_diagnosis_code
  and problem_list.
- `generate_ops_reference(tables, seed, as_of)` returns the shared reference tables, made once:
  pharmacy, clinic_resource, quality_reporting_period, provider_schedule, quality_score and
  provider_incentive.

Chunk independence: every random draw is a hash of (seed, a per-purpose salt, the row's parent id,
a counter), never a position in a stream, and every new primary key is derived from its parent's
id (claim from encounter, line and payment from claim, appointment from encounter, fill from
medication order, ...). A patient's rows are therefore the same whatever other patients are in
the frames, which lets the generator run per chunk of patients.

Realism targets and their sources are listed with the constants below; the code sets they use
(CPT/HCPCS, CARC, NDC, RxNorm, ICD-10-CM, CMS-HCC) are data files under `data/ops_*.csv`, each
row with its source and year.
"""

from __future__ import annotations

import json
from datetime import date
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

# Load order of the 20 tables (foreign keys first); appended to generate.TABLE_ORDER.
OPS_TABLE_ORDER = [
    "pharmacy", "clinic_resource", "quality_reporting_period", "provider_schedule", "provider_incentive",
    "quality_score", "appointment", "patient_check_in", "telehealth_session", "insurance_eligibility",
    "problem_list", "encounter_diagnosis_code", "billing_claim", "billing_line_item", "payment",
    "e_prescription", "refill_request", "drug_interaction_alert", "prior_authorization",
    "medication_reconciliation",
]
REFERENCE_TABLES = OPS_TABLE_ORDER[:6]

# ----------------------------------------------------------------------------- realism targets
# Price ratios to Medicare (professional, facility):
# - Medicare Advantage pays close to traditional Medicare rates (MedPAC, Report to the Congress, 2024).
# - Medicaid pays ~72% of Medicare across services (KFF Medicaid-to-Medicare Fee Index, 2019).
# - Commercial insurers pay ~143% of Medicare for physician services (KFF literature review,
#   Lopez et al., 2020) and ~254% for hospital services (RAND Hospital Price Transparency Round 5, 2024).
# - Self-pay: the uninsured are billed list price less a typical uninsured discount (assumption: 40%).
PRICE_RATIO = {
    "Medicare": (1.00, 1.00), "Medicare Advantage": (1.00, 1.02), "Medicaid": (0.72, 0.78),
    "Commercial": (1.43, 2.54),
}
SELF_PAY_DISCOUNT = 0.40
# Chargemaster mark-up over Medicare rates (charges are list prices; hospital charge-to-cost ratios
# put facility charges at ~3-4x Medicare payment, physician charges ~2-2.5x).
CHARGE_MULTIPLE = {"professional": 2.3, "facility": 3.6}
# Initial denial rates by payer type: industry surveys put initial denials at 5-15% of claims
# (e.g. Change Healthcare Denials Index ~11%; MA and Medicaid above traditional Medicare).
DENIAL_RATE = {"Medicare": 0.07, "Medicare Advantage": 0.13, "Medicaid": 0.14, "Commercial": 0.11}
# Share of denied claims reworked and paid on appeal or resubmission (industry: ~50-65%).
APPEAL_SUCCESS = 0.60
# Days from submission to first remittance (electronic claims): Medicare pays no earlier than day 14;
# mean days by payer type (assumption from published payer turnaround surveys).
REMIT_DAYS = {"Medicare": (14, 6), "Medicare Advantage": (16, 14), "Medicaid": (18, 22), "Commercial": (15, 17)}
# No-shows: published rates mostly 5-30% in primary care (Dantas et al., Health Policy 2018, a
# systematic review); most consistent predictors are younger age, Medicaid or no insurance, and
# social disadvantage. Base rates below are for a 50-year-old commercially insured, no social risk.
NO_SHOW_BASE = 0.075
SAME_DAY_CANCEL_BASE = 0.035
LATE_CANCEL_BASE = 0.035
# Adherence: PQA PDC measures (statins, RAS antagonists, diabetes drugs); Part D plans report ~80-90%
# adherent (PDC >= 0.8). Primary non-adherence (never picking up a new e-prescription) ~10-15%
# (Fischer et al., J Gen Intern Med 2010).
PRIMARY_NONADHERENCE = 0.10
# Interaction alerts are overridden most of the time (49-96%; van der Sijs et al., JAMIA 2006).
ALERT_OVERRIDE = 0.85
# Prior authorization: ~6-7% of requests denied in Medicare Advantage (KFF, 2023 data); higher elsewhere.
PA_DENIAL = {"Medicare": 0.07, "Medicare Advantage": 0.07, "Medicaid": 0.13, "Commercial": 0.10, "Self-pay": 0.10}

N_PHARMACIES = (18, 3, 3)  # retail, mail order, specialty
PHARMACY_TYPES = ("retail", "mail_order", "specialty")

_SALTS: dict[str, int] = {}


# ----------------------------------------------------------------------------- hashing randomness

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLD = np.uint64(0x9E3779B97F4A7C15)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser, vectorised (wrapping uint64 arithmetic)."""
    with np.errstate(over="ignore"):
        x = x.astype(np.uint64)
        x = (x ^ (x >> np.uint64(30))) * _M1
        x = (x ^ (x >> np.uint64(27))) * _M2
        return x ^ (x >> np.uint64(31))


def _salt(name: str) -> int:
    if name not in _SALTS:
        _SALTS[name] = int.from_bytes(name.encode()[:8].ljust(8, b"\0"), "little") ^ (len(name) * 0x2545F491)
    return _SALTS[name]


def uniform(seed: int, purpose: str, ids: np.ndarray | pd.Series, k: int = 0) -> np.ndarray:
    """U(0,1) that depends only on (seed, purpose, id, k): the same for an id in any chunk."""
    ids = np.asarray(ids, dtype=np.int64).astype(np.uint64)
    with np.errstate(over="ignore"):
        key = _mix(np.array([(seed * 1_000_003 + _salt(purpose)) & 0xFFFFFFFFFFFFFFFF], dtype=np.uint64)
                   + np.uint64(k) * _GOLD)
        h = _mix(ids * _GOLD + key)
    return (h >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


def normal(seed: int, purpose: str, ids: np.ndarray | pd.Series, k: int = 0) -> np.ndarray:
    u1 = np.maximum(uniform(seed, purpose, ids, 2 * k), 1e-12)
    u2 = uniform(seed, purpose, ids, 2 * k + 1)
    return np.sqrt(-2 * np.log(u1)) * np.cos(2 * np.pi * u2)


def pick(u: np.ndarray, options: list | tuple | np.ndarray, weights: list | tuple | np.ndarray | None = None) -> np.ndarray:
    options = np.asarray(options, dtype=object)
    if weights is None:
        return options[np.minimum((u * len(options)).astype(int), len(options) - 1)]
    cw = np.cumsum(np.asarray(weights, dtype=float))
    return options[np.minimum(np.searchsorted(cw / cw[-1], u, side="right"), len(options) - 1)]


# ----------------------------------------------------------------------------- data files


def _data(name: str) -> pd.DataFrame:
    with resources.files("phm.edw").joinpath("data", name).open() as handle:
        return pd.read_csv(handle, dtype=str, keep_default_na=False)


@lru_cache(maxsize=None)
def fee_schedule() -> pd.DataFrame:
    fees = _data("ops_fee_schedule.csv")
    fees["medicare_rate"] = fees.medicare_rate.astype(float)
    return fees


@lru_cache(maxsize=None)
def carc_codes() -> pd.DataFrame:
    carc = _data("ops_carc.csv")
    carc["share"] = carc.share.astype(float)
    return carc


@lru_cache(maxsize=None)
def drug_facts() -> pd.DataFrame:
    return _data("ops_drugs.csv")


@lru_cache(maxsize=None)
def interactions() -> pd.DataFrame:
    return _data("ops_interactions.csv")


@lru_cache(maxsize=None)
def hcc_map() -> pd.DataFrame:
    return _data("ops_hcc.csv")


@lru_cache(maxsize=None)
def visit_diagnoses() -> pd.DataFrame:
    return _data("ops_visit_diagnoses.csv")


def drug_class_of() -> dict[str, str]:
    facts = drug_facts()
    return dict(zip(facts.rxnorm_ingredient, facts.drug_class))


def ndc11(ndc: str) -> str:
    """A hyphenated 10-digit NDC (4-4-2, 5-3-2 or 5-4-1) in its 11-digit 5-4-2 form, without hyphens."""
    a, b, c = ndc.split("-")
    return a.zfill(5) + b.zfill(4) + c.zfill(2)


def luhn_npi(body9: np.ndarray) -> np.ndarray:
    """10-digit NPIs from 9-digit bodies: Luhn check digit computed over the 80840 prefix."""
    out = []
    for body in body9:
        digits = [int(d) for d in "80840" + body]
        total = 0
        for i, d in enumerate(reversed(digits)):
            if i % 2 == 0:
                d *= 2
                d = d - 9 if d > 9 else d
            total += d
        out.append(body + str((10 - total % 10) % 10))
    return np.array(out, dtype=object)


def ncpdp_id(serials: np.ndarray) -> np.ndarray:
    """7-digit NCPDP provider ids: 2-digit state code (39 = Pennsylvania), 4-digit serial, check digit
    (NCPDP scheme: sum of digits 1, 3, 5 plus twice the sum of digits 2, 4, 6; last digit of the total)."""
    out = []
    for s in serials:
        body = f"39{int(s):04d}"
        d = [int(x) for x in body]
        total = d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])
        out.append(body + str(total % 10))
    return np.array(out, dtype=object)


# ----------------------------------------------------------------------------- helpers


def _finish(frame: pd.DataFrame, created: np.ndarray | pd.Series | np.datetime64) -> pd.DataFrame:
    if "active_ind" not in frame:
        frame["active_ind"] = "Y"
    frame["created_date"] = created
    if "updated_date" not in frame:
        frame["updated_date"] = pd.NaT
    return frame


def _ts(values: np.ndarray | pd.Series) -> np.ndarray:
    return np.asarray(values).astype("datetime64[s]")


def _minutes(m: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(m)).astype("int64").astype("timedelta64[m]").astype("timedelta64[s]")


def _days(d: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(d)).astype("int64").astype("timedelta64[D]")


def _age(patient: pd.DataFrame, on: np.ndarray, pid: np.ndarray) -> np.ndarray:
    dob = patient.set_index("patient_id").date_of_birth.reindex(pid).to_numpy().astype("datetime64[D]")
    return (np.asarray(on).astype("datetime64[D]") - dob).astype(int) / 365.25


def _social_risk(tables: dict[str, pd.DataFrame], pid: np.ndarray) -> np.ndarray:
    """0-4: the number of risk flags on the patient's latest SDOH screening (housing, food, transport, isolation)."""
    sd = tables.get("sdoh_assessment")
    if sd is None or not len(sd):
        return np.zeros(len(pid))
    last = sd.sort_values(["patient_id", "assessment_date"]).drop_duplicates("patient_id", keep="last")
    flags = ((last.housing_status.fillna("") != "Stable housing").astype(int) + (last.food_insecurity_ind == "Y").astype(int)
             + (last.transportation_ind == "Y").astype(int) + (pd.to_numeric(last.social_isolation_score) >= 6).astype(int))
    return pd.Series(flags.to_numpy(), index=last.patient_id.to_numpy()).reindex(pid).fillna(0).to_numpy()


def payer_at(tables: dict[str, pd.DataFrame], pid: np.ndarray, when: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(payer_id or 0, payer type or 'Self-pay') of each patient's primary coverage on each date."""
    cov = tables["patient_insurance_coverage"]
    cov = cov[cov.primary_indicator == "Y"][["patient_id", "payer_id", "coverage_start_date", "coverage_end_date"]]
    ptype = dict(zip(tables["payer"].payer_id, tables["payer"].payer_type))
    probe = pd.DataFrame({"row": np.arange(len(pid)), "patient_id": pid, "day": np.asarray(when).astype("datetime64[D]")})
    m = probe.merge(cov, on="patient_id", how="inner")
    start = pd.to_datetime(m.coverage_start_date).to_numpy().astype("datetime64[D]")
    end = pd.to_datetime(m.coverage_end_date).to_numpy().astype("datetime64[D]")
    day = m.day.to_numpy().astype("datetime64[D]")
    ok = (start <= day) & (np.isnat(end) | (day <= end))
    m = m[ok].sort_values(["row", "coverage_start_date"]).drop_duplicates("row", keep="last")
    payer = np.zeros(len(pid), dtype=np.int64)
    payer[m.row.to_numpy()] = m.payer_id.to_numpy().astype(np.int64)
    types = np.array([ptype.get(p, "Self-pay") if p else "Self-pay" for p in payer], dtype=object)
    return payer, types


def _money(x: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(x, dtype=float), 2)


# ============================================================================= reference tables


def generate_ops_reference(tables: dict[str, pd.DataFrame], seed: int, as_of: date) -> dict[str, pd.DataFrame]:
    """pharmacy, clinic_resource, quality_reporting_period, provider_schedule, quality_score, provider_incentive."""
    created = np.datetime64(as_of, "s") - np.timedelta64(1, "D")
    orgs = tables["organization"]
    providers = tables["provider"]
    out: dict[str, pd.DataFrame] = {}

    # pharmacies: retail, mail order and specialty, with NCPDP ids and NPIs (Luhn check digit)
    kinds = np.repeat(np.array(PHARMACY_TYPES, dtype=object), N_PHARMACIES)
    n = len(kinds)
    ids = np.arange(1, n + 1)
    zips = _data("zip_codes.csv")
    zi = (uniform(seed, "pharmacy.zip", ids) * len(zips)).astype(int)
    names = []
    for i, kind in zip(ids, kinds):
        if kind == "retail":
            names.append(f"{('Three Rivers', 'Allegheny', 'Steel City', 'Ohio Valley')[i % 4]} Pharmacy #{100 + i}")
        elif kind == "mail_order":
            names.append(f"Keystone Mail Service Pharmacy {i}")
        else:
            names.append(f"Allegheny Specialty Pharmacy {i}")
    out["pharmacy"] = _finish(pd.DataFrame({
        "pharmacy_id": ids, "pharmacy_name": names, "ncpdp_id": ncpdp_id(ids * 37 + 1000),
        "address": [f"{100 + 17 * i} {('Liberty Ave', 'Penn Ave', 'Forbes Ave', 'Smithfield St')[i % 4]}" for i in ids],
        "city": zips.city.to_numpy()[zi], "state": "PA", "zip": zips.zip.to_numpy()[zi],
        "phone": [f"412-555-{3000 + i:04d}" for i in ids], "fax": [f"412-555-{4000 + i:04d}" for i in ids],
        "pharmacy_type": kinds, "accepts_erx": uniform(seed, "pharmacy.erx", ids) < 0.97,
    }), created)

    # clinic resources: per practice 6 exam rooms, a procedure room, a lab draw station, a virtual room
    practices = orgs[orgs.organization_type != "ACO"]
    rows = []
    for org_id, otype in zip(practices.org_id, practices.organization_type):
        spec = (("Exam Room", "exam_room", 6), ("Procedure Room", "procedure_room", 1), ("Lab Draw Station", "lab", 1),
                ("Virtual Visit Room", "virtual", 1))
        if otype == "Hospital":
            spec = (("ED Treatment Bay", "ed_bay", 8), ("Infusion Chair", "infusion_chair", 4), ("Clinic Exam Room", "exam_room", 4))
        k = 0
        for label, rtype, count in spec:
            for j in range(count):
                rows.append((int(org_id) * 100 + k, int(org_id), f"{label} {j + 1}", rtype, 1))
                k += 1
    out["clinic_resource"] = _finish(pd.DataFrame(rows, columns=["resource_id", "org_id", "resource_name", "resource_type",
                                                                 "capacity"]).assign(notes=None), created)

    # reporting periods: MIPS calendar years and their quarters covering the 3-year history
    periods = []
    first_year = as_of.year - 3
    pid = 1
    for year in range(first_year, as_of.year + 1):
        periods.append((pid, f"MIPS {year}", "annual", date(year, 1, 1), date(year, 12, 31), year, None))
        pid += 1
        for q in range(4):
            start = date(year, 3 * q + 1, 1)
            end = (pd.Timestamp(start) + pd.offsets.QuarterEnd(0)).date()
            periods.append((pid, f"MIPS {year} Q{q + 1}", "quarterly", start, end, year, q + 1))
            pid += 1
    qrp = pd.DataFrame(periods, columns=["period_id", "period_name", "period_type", "start_date", "end_date",
                                         "reporting_year", "reporting_quarter"])
    qrp["program"] = "MIPS"
    qrp["reporting_quarter"] = qrp.reporting_quarter.astype("Int64")
    out["quality_reporting_period"] = _finish(qrp, created)

    # schedule templates: PCPs 8 half-day sessions, specialists 6, 20- or 30-minute slots
    sched_rows = []
    clinicians = providers[~providers.specialty.isin(["Emergency Medicine", "Hospital Medicine"])]
    for prov, spec, org in zip(clinicians.provider_id, clinicians.specialty, clinicians.org_id):
        pcp = spec in ("Family Medicine", "Internal Medicine")
        slot = 20 if pcp else 30
        off = int(uniform(seed, "schedule.off", np.array([prov]))[0] * 5) + 1  # one weekday with a half day off
        k = 0
        for dow in range(1, 6):
            for start, end in (("08:00", "12:00"), ("13:00", "17:00")):
                if (not pcp and dow == off) or (pcp and dow == off and start == "13:00"):
                    continue
                sched_rows.append((int(prov) * 16 + k, int(prov), int(org), dow, start, end, slot,
                                   "clinic" if k % 5 else "clinic", date(as_of.year - 3, 1, 1)))
                k += 1
        sched_rows.append((int(prov) * 16 + 15, int(prov), int(org), 3, "17:00", "19:00", slot, "telehealth",
                           date(as_of.year - 1, 1, 1)))
    out["provider_schedule"] = _finish(pd.DataFrame(sched_rows, columns=[
        "schedule_id", "provider_id", "org_id", "day_of_week", "start_time", "end_time", "slot_duration_min",
        "schedule_type", "effective_date"]).assign(end_date=None, notes=None), created)

    # quality scores: PCPs x quarterly periods x the eCQM-style measures of the catalogue
    md = tables.get("measure_definition")
    pcps = providers[providers.specialty.isin(["Family Medicine", "Internal Medicine"])].provider_id.to_numpy()
    qs = qrp[(qrp.period_type == "quarterly") & (qrp.end_date < as_of)]
    if md is not None and len(md) and len(pcps):
        measures = md.measure_id.to_numpy()[: min(8, len(md))]
        grid = pd.MultiIndex.from_product([pcps, qs.period_id.to_numpy(), measures],
                                          names=["provider_id", "period_id", "measure_id"]).to_frame(index=False)
        key = grid.provider_id.to_numpy() * 100_000 + grid.period_id.to_numpy() * 1_000 + grid.measure_id.to_numpy()
        skill = normal(seed, "quality.skill", grid.provider_id.to_numpy())
        denom = np.maximum(5, np.round(60 + 25 * normal(seed, "quality.denom", key))).astype(int)
        rate = np.clip(0.62 + 0.08 * skill + 0.07 * normal(seed, "quality.rate", key), 0.05, 0.99)
        num = np.minimum(denom, np.round(denom * rate)).astype(int)
        perf = num / denom
        grid["numerator_count"] = num
        grid["denominator_count"] = denom
        grid["performance_rate"] = np.round(perf, 3)
        grid["benchmark_percentile"] = np.clip(np.round(perf * 100 - 10 + 8 * normal(seed, "quality.pct", key)), 1, 99).astype(int)
        grid["performance_score"] = np.round(grid.benchmark_percentile / 10.0, 2)
        grid["mips_points_earned"] = np.round(np.clip(grid.benchmark_percentile / 10.0, 3, 10), 2)
        grid["bundle_id"] = pd.array([None] * len(grid), dtype="Int64")
        grid.insert(0, "score_id", np.arange(1, len(grid) + 1))
        out["quality_score"] = _finish(grid, created)
        # incentives: per PCP and closed annual period; base pay near MGMA family-medicine medians
        years = qrp[(qrp.period_type == "annual") & (qrp.end_date < as_of)]
        inc = pd.MultiIndex.from_product([pcps, years.period_id.to_numpy()], names=["provider_id", "period_id"]).to_frame(index=False)
        perf_by = grid.groupby(["provider_id"]).performance_rate.mean()
        ikey = inc.provider_id.to_numpy() * 1000 + inc.period_id.to_numpy()
        base = np.round(255_000 + 30_000 * normal(seed, "incentive.base", inc.provider_id.to_numpy()), -2)
        potential = np.round(base * 0.08, 2)
        prate = np.clip(perf_by.reindex(inc.provider_id).to_numpy() + 0.03 * normal(seed, "incentive.perf", ikey), 0, 1)
        earned = np.round(potential * np.clip((prate - 0.5) / 0.35, 0, 1), 2)
        period_end = years.set_index("period_id").end_date.reindex(inc.period_id).to_numpy()
        inc["incentive_type"] = "quality_bonus"
        inc["base_compensation"] = base
        inc["incentive_potential"] = potential
        inc["incentive_earned"] = earned
        inc["performance_rate"] = np.round(prate, 3)
        inc["metrics_summary"] = [json.dumps({"measures": int(len(measures)), "mean_performance": round(float(p), 3)})
                                  for p in prate]
        inc["payment_date"] = [pd.Timestamp(d) + pd.Timedelta(days=75) for d in period_end]
        inc["payment_date"] = inc.payment_date.dt.date
        inc["notes"] = None
        inc.insert(0, "incentive_id", np.arange(1, len(inc) + 1))
        out["provider_incentive"] = _finish(inc, created)
    else:
        out["quality_score"] = pd.DataFrame(columns=["score_id"])
        out["provider_incentive"] = pd.DataFrame(columns=["incentive_id"])
    return out


# ============================================================================= per-patient tables


def generate_ops(tables: dict[str, pd.DataFrame], seed: int, as_of: date) -> dict[str, pd.DataFrame]:
    """The per-patient operational tables for the patients in `tables` (see the module docstring)."""
    ctx = _Context(tables, seed, as_of)
    out: dict[str, pd.DataFrame] = {}
    out.update(ctx.appointments())
    out.update(ctx.diagnosis_codes())
    out.update(ctx.claims())
    out.update(ctx.prescriptions())
    return out


class _Context:
    def __init__(self, tables: dict[str, pd.DataFrame], seed: int, as_of: date) -> None:
        self.t, self.seed, self.as_of = tables, seed, as_of
        self.now = np.datetime64(as_of, "s")
        self.today = np.datetime64(as_of, "D")
        self.created = self.now - np.timedelta64(1, "D")
        enc = tables["encounter"].sort_values("encounter_id", kind="stable")
        self.enc = enc
        self.eid = enc.encounter_id.to_numpy().astype(np.int64)
        self.pid = enc.patient_id.to_numpy().astype(np.int64)
        self.etype = enc.encounter_type.to_numpy().astype(object)
        self.start = _ts(enc.encounter_datetime)
        disch = pd.to_datetime(enc.discharge_datetime).to_numpy().astype("datetime64[s]")
        self.end = np.where(np.isnat(disch), self.start, disch)
        self.payer, self.ptype = payer_at(tables, self.pid, self.start)
        self.age = _age(tables["patient"], self.start, self.pid)
        self.risk = _social_risk(tables, self.pid)
        prov = tables["provider"].set_index("provider_id")
        self.spec = prov.specialty.reindex(enc.provider_id.to_numpy()).to_numpy().astype(object)
        self.pcp_visit = np.isin(self.spec, ["Family Medicine", "Internal Medicine"])
        orgs = tables["organization"].set_index("org_id")
        self.org = enc.org_id.to_numpy().astype(np.int64)
        self.org_type = orgs.organization_type.reindex(self.org).to_numpy().astype(object)
        # E/M code per encounter, from the core procedure rows linked to it
        pp = tables["procedure_performed"]
        pp = pp[pp.encounter_id.notna()].merge(tables["procedure"][["procedure_id", "procedure_code"]], on="procedure_id")
        em = pp.drop_duplicates("encounter_id").set_index("encounter_id").procedure_code
        self.em = em.reindex(self.eid).to_numpy().astype(object)
        # an encounter whose E/M row the core de-duplicated away gets the usual code for its type
        usual = {"Office Visit": "99213", "Telehealth": "99213", "Emergency": "99284", "Inpatient": "99222",
                 "Annual Wellness": "G0439"}
        missing = pd.isna(self.em)
        self.em[missing] = [usual.get(t, "99213") for t in self.etype[missing]]
        # specialist office visits in hospital-based clinics bill a facility fee too (provider-based billing)
        self.hopd = (self.etype == "Office Visit") & ~self.pcp_visit & (uniform(seed, "enc.hopd", self.eid) < 0.30)

    def u(self, purpose: str, ids: np.ndarray, k: int = 0) -> np.ndarray:
        return uniform(self.seed, purpose, ids, k)

    def n(self, purpose: str, ids: np.ndarray, k: int = 0) -> np.ndarray:
        return normal(self.seed, purpose, ids, k)

    # ------------------------------------------------------------------ scheduling
    def appointments(self) -> dict[str, pd.DataFrame]:
        visit = np.isin(self.etype, ["Office Visit", "Telehealth", "Annual Wellness"])
        eid, pid = self.eid[visit], self.pid[visit]
        etype, start = self.etype[visit], self.start[visit]
        prov = self.enc.provider_id.to_numpy()[visit]
        org = self.org[visit]
        hospital = self.org_type[visit] == "Hospital"
        tele = etype == "Telehealth"
        pcp = self.pcp_visit[visit]
        slot = np.where(etype == "Annual Wellness", 40, np.where(pcp | tele, 20, 30))
        appt_type = np.where(etype == "Annual Wellness", "annual_wellness",
                             np.where(tele, "telehealth", np.where(pcp, "office_visit", "specialist_visit")))
        sched = start.astype("datetime64[m]")
        sched = (sched - (sched.astype(np.int64) % 10).astype("timedelta64[m]")).astype("datetime64[s]")
        arrive = -15 + 9 * self.n("appt.arrive", eid)
        check_in = sched + _minutes(arrive)
        rooming = np.maximum(check_in, sched - _minutes(np.full(len(eid), 10))) + _minutes(-9 * np.log(np.maximum(self.u("appt.room", eid), 1e-9)))
        visit_start = rooming + _minutes(-7 * np.log(np.maximum(self.u("appt.wait", eid), 1e-9)) + 1)
        visit_end = visit_start + _minutes(slot * (0.8 + 0.5 * self.u("appt.len", eid)))
        room = np.where(tele, org * 100 + 8, np.where(hospital, org * 100 + 12 + (self.u("appt.res", eid) * 4).astype(int),
                                                      org * 100 + (self.u("appt.res", eid) * 6).astype(int)))
        reason = np.where(etype == "Annual Wellness", "Annual wellness visit",
                          np.where(tele, "Virtual follow-up", np.where(pcp, "Chronic care follow-up", "Specialist consultation")))
        url = np.where(tele, pd.Series(eid).map(lambda e: f"https://telehealth.threerivershealth.example/v/{e:010x}").to_numpy(), None)
        done = pd.DataFrame({
            "appointment_id": eid * 4, "patient_id": pid, "provider_id": prov, "org_id": org, "encounter_id": eid,
            "resource_id": room, "appointment_date": sched.astype("datetime64[D]"),
            "start_time": pd.to_datetime(sched).strftime("%H:%M:%S"),
            "end_time": pd.to_datetime(sched + _minutes(slot)).strftime("%H:%M:%S"),
            "appointment_type": appt_type, "chief_complaint": None, "visit_reason": reason, "status": "Completed",
            "check_in_time": np.where(tele, np.datetime64("NaT"), check_in), "rooming_time": np.where(tele, np.datetime64("NaT"), rooming),
            "visit_start_time": visit_start, "visit_end_time": visit_end, "is_telehealth": tele, "telehealth_url": url,
            "notes": None,
        })
        done["created"] = sched - _days(7 + 40 * self.u("appt.lead", eid))

        # a failed booking before the visit: no-show, same-day, late (<24 h) or advance cancellation,
        # likelier when younger, on Medicaid or uninsured, and with social risk
        ptype = self.ptype[visit]
        age = self.age[visit]
        risk = self.risk[visit]
        mult = (np.where(age < 30, 1.8, np.where(age < 50, 1.3, np.where(age >= 65, 0.75, 1.0)))
                * np.select([ptype == "Medicaid", ptype == "Self-pay", np.isin(ptype, ["Medicare", "Medicare Advantage"])],
                            [1.9, 2.1, 0.9], 1.0)
                * (1 + 0.45 * risk) * np.where(tele, 0.7, 1.0) * np.where(etype == "Annual Wellness", 0.8, 1.0))
        p_ns, p_sd, p_late = NO_SHOW_BASE * mult, SAME_DAY_CANCEL_BASE * mult, LATE_CANCEL_BASE * mult
        draw = self.u("appt.fail", eid)
        kind = np.select([draw < p_ns, draw < p_ns + p_sd, draw < p_ns + p_sd + p_late, draw < p_ns + p_sd + p_late + 0.06],
                         ["No Show", "same-day", "late", "advance"], "")
        f = kind != ""
        back = _days(7 + 21 * self.u("appt.rebook", eid[f]))
        fdate = sched[f] - back.astype("timedelta64[s]")
        failed = done[f].copy()
        failed["appointment_id"] = eid[f] * 4 + 1
        failed["encounter_id"] = None
        failed["appointment_date"] = fdate.astype("datetime64[D]")
        failed["status"] = np.where(kind[f] == "No Show", "No Show", "Cancelled")
        failed["notes"] = pd.Series(kind[f]).map({"No Show": "Patient did not arrive; rebooked",
                                                  "same-day": "Same-day cancellation",
                                                  "late": "Late cancellation (less than 24 hours notice)",
                                                  "advance": "Cancelled more than 24 hours ahead; rescheduled"}).to_numpy()
        for col in ("check_in_time", "rooming_time", "visit_start_time", "visit_end_time"):
            failed[col] = np.datetime64("NaT")
        failed["created"] = fdate - _days(7 + 30 * self.u("appt.flead", eid[f])).astype("timedelta64[s]")

        # the next follow-up after a patient's last visit, when it falls within the next 120 days
        last = done.assign(s=sched).sort_values(["patient_id", "s"]).drop_duplicates("patient_id", keep="last")
        lid = last.encounter_id.to_numpy().astype(np.int64)
        nxt = last.s.to_numpy().astype("datetime64[s]") + _days(60 + 120 * self.u("appt.next", lid)).astype("timedelta64[s]")
        keep = (nxt > self.now) & (nxt <= self.now + np.timedelta64(120, "D"))
        upcoming = last[keep].drop(columns="s").copy()
        upcoming["appointment_id"] = lid[keep] * 4 + 2
        upcoming["encounter_id"] = None
        upcoming["appointment_date"] = nxt[keep].astype("datetime64[D]")
        upcoming["appointment_type"] = np.where(upcoming.appointment_type == "annual_wellness", "office_visit", upcoming.appointment_type)
        upcoming["status"] = "Scheduled"
        upcoming["notes"] = None
        for col in ("check_in_time", "rooming_time", "visit_start_time", "visit_end_time"):
            upcoming[col] = np.datetime64("NaT")
        upcoming["created"] = last.s.to_numpy()[keep]
        appt = pd.concat([done, failed, upcoming], ignore_index=True).sort_values("appointment_id", kind="stable")
        appt["encounter_id"] = appt.encounter_id.astype("Int64")
        appt = _finish(appt.drop(columns="created"), appt.created.to_numpy())
        aid = appt.appointment_id.to_numpy().astype(np.int64)
        a_pid = appt.patient_id.to_numpy().astype(np.int64)
        a_day = appt.appointment_date.to_numpy().astype("datetime64[D]")
        a_payer, a_ptype = payer_at(self.t, a_pid, a_day)

        # check-in for completed in-person and virtual visits
        comp = appt[appt.status == "Completed"]
        cid = comp.appointment_id.to_numpy().astype(np.int64)
        ctype = pd.Series(a_ptype, index=aid).reindex(cid).to_numpy()
        spec_visit = comp.appointment_type.to_numpy() == "specialist_visit"
        copay = np.select([comp.appointment_type.to_numpy() == "annual_wellness", ctype == "Commercial",
                           ctype == "Medicare Advantage", ctype == "Medicaid", ctype == "Self-pay"],
                          [0.0, np.where(spec_visit, 50.0, 25.0), np.where(spec_visit, 40.0, 10.0), 1.0, 75.0], 0.0)
        crisk = pd.Series(self.risk[visit], index=eid * 4).reindex(cid).fillna(0).to_numpy()
        is_tele = comp.is_telehealth.to_numpy().astype(bool)
        check = pd.DataFrame({
            "check_in_id": cid, "appointment_id": cid, "patient_id": comp.patient_id.to_numpy(),
            "check_in_timestamp": np.where(is_tele, comp.visit_start_time.to_numpy().astype("datetime64[s]") - _minutes(np.full(len(cid), 3)),
                                           comp.check_in_time.to_numpy().astype("datetime64[s]")),
            "check_in_method": np.where(is_tele, "virtual", pick(self.u("ci.method", cid), ["front_desk", "kiosk", "mobile"], [0.6, 0.25, 0.15])),
            "copay_amount": np.where(copay > 0, copay, np.nan),
            "copay_collected": (copay > 0) & (self.u("ci.copay", cid) < 0.88 - 0.08 * crisk),
            "insurance_verified": self.u("ci.ins", cid) < 0.96, "id_verified": self.u("ci.id", cid) < np.where(is_tele, 0.8, 0.93),
            "notes": None,
        })
        check = _finish(check, check.check_in_timestamp.to_numpy())

        # telehealth sessions for virtual appointments (completed and missed)
        tv = appt[appt.is_telehealth.astype(bool) & appt.status.isin(["Completed", "No Show"])]
        tid = tv.appointment_id.to_numpy().astype(np.int64)
        sched_start = (pd.to_datetime(tv.appointment_date.astype(str) + " " + tv.start_time)).to_numpy().astype("datetime64[s]")
        actual = tv.visit_start_time.to_numpy().astype("datetime64[s]")
        actual_end = tv.visit_end_time.to_numpy().astype("datetime64[s]")
        completed = tv.status.to_numpy() == "Completed"
        duration = np.where(completed, (actual_end - actual).astype("timedelta64[m]").astype(int), np.nan)
        tele_df = pd.DataFrame({
            "session_id": tid, "appointment_id": tid, "patient_id": tv.patient_id.to_numpy(), "provider_id": tv.provider_id.to_numpy(),
            "session_url": tv.telehealth_url.to_numpy(), "platform": "Medgnosis Telehealth", "session_token": pd.Series(_mix(tid.astype(np.uint64))).map("{:016x}".format).to_numpy(),
            "scheduled_start": sched_start, "actual_start": np.where(completed, actual, np.datetime64("NaT")),
            "actual_end": np.where(completed, actual_end, np.datetime64("NaT")),
            "duration_min": pd.array(np.where(completed, duration, np.nan), dtype="Float64").astype("Int64"),
            "status": np.where(completed, "Completed", "No Show"), "recording_url": None,
            "patient_device": pick(self.u("tele.device", tid), ["smartphone", "laptop", "tablet", "desktop"], [0.55, 0.25, 0.12, 0.08]),
            "connection_quality": np.where(completed, pick(self.u("tele.quality", tid), ["Good", "Fair", "Poor"], [0.75, 0.18, 0.07]), None),
            "notes": None,
        })
        tele_df = _finish(tele_df, sched_start - np.timedelta64(1, "D"))

        # eligibility check (X12 270/271) one to three days before each appointment
        checked = a_day.astype("datetime64[s]") - _days(1 + 2 * self.u("elig.lead", aid)).astype("timedelta64[s]") + np.timedelta64(6, "h")
        err = self.u("elig.err", aid) < 0.02
        active = a_payer > 0
        cov = self.t["patient_insurance_coverage"]
        cov = cov[cov.primary_indicator == "Y"].drop_duplicates(["patient_id", "payer_id"], keep="last").set_index(["patient_id", "payer_id"])
        idx = pd.MultiIndex.from_arrays([a_pid, a_payer])
        cstart = pd.to_datetime(cov.coverage_start_date.reindex(idx)).to_numpy().astype("datetime64[D]")
        cend = pd.to_datetime(cov.coverage_end_date.reindex(idx)).to_numpy().astype("datetime64[D]")
        month = (a_day.astype("datetime64[M]").astype(int) % 12)
        deductible = np.select([a_ptype == "Commercial", a_ptype == "Medicare"],
                               [np.maximum(0, 2000 * (1 - month / 9) * self.u("elig.ded", aid)), np.where(month < 3, 240.0, 0.0)], np.nan)
        elig = pd.DataFrame({
            "eligibility_id": aid, "patient_id": a_pid, "payer_id": pd.array(np.where(active, a_payer, 0), dtype="Int64"),
            "checked_datetime": checked, "appointment_id": aid,
            "eligibility_status": np.where(err, "Error", np.where(active, "Active", "Inactive")),
            "coverage_start": np.where(active & ~err, cstart, np.datetime64("NaT")),
            "coverage_end": np.where(active & ~err, cend, np.datetime64("NaT")),
            "copay_amount": np.select([a_ptype == "Commercial", a_ptype == "Medicare Advantage", a_ptype == "Medicaid"], [25.0, 10.0, 1.0], np.nan),
            "deductible_remaining": np.round(deductible, 2),
            "out_of_pocket_max": np.select([a_ptype == "Commercial", a_ptype == "Medicare Advantage"], [8000.0, 5000.0], np.nan),
            "response_code": np.where(err, "AAA-42", np.where(active, "1", "6")),
            "response_message": np.where(err, "Unable to respond at current time", np.where(active, "Active coverage", "Inactive")),
        })
        elig.loc[elig.payer_id == 0, "payer_id"] = pd.NA
        elig = _finish(elig, checked)[checked <= self.now]  # upcoming appointments are checked nearer the day
        self.appt = appt
        return {"appointment": appt, "patient_check_in": check, "telehealth_session": tele_df, "insurance_eligibility": elig}

    # ------------------------------------------------------------------ diagnoses
    def diagnosis_codes(self) -> dict[str, pd.DataFrame]:
        cd = self.t["condition_diagnosis"].merge(self.t["condition"][["condition_id", "condition_code", "condition_name", "code_system"]],
                                                 on="condition_id")
        # problem list: every chronic diagnosis, and about a third of the acute ones
        cdid = cd.condition_diagnosis_id.to_numpy().astype(np.int64)
        keep = (cd.diagnosis_type == "Chronic").to_numpy() | (self.u("problem.acute", cdid) < 0.33)
        pl = cd[keep]
        pid_ = cdid[keep]
        status = np.where(pl.active_ind == "N", "Inactive", np.where(pl.diagnosis_status == "Resolved", "Resolved", "Active"))
        problem = pd.DataFrame({
            "problem_id": pid_, "patient_id": pl.patient_id.to_numpy(), "condition_id": pl.condition_id.to_numpy(),
            "problem_name": pl.condition_name.str.slice(0, 255).to_numpy(),
            "icd10_code": np.where(pl.code_system.str.startswith("ICD"), pl.condition_code, None),
            "onset_date": pl.onset_date.to_numpy(), "resolved_date": pl.resolution_date.to_numpy(),
            "problem_status": status, "problem_type": pl.diagnosis_type.to_numpy(),
            "severity": np.where(pl.diagnosis_type == "Chronic", pick(self.u("problem.sev", pid_), ["Mild", "Moderate", "Severe"], [0.5, 0.38, 0.12]), None),
            "provider_id": pl.provider_id.to_numpy(), "notes": None,
        })
        problem = _finish(problem, pd.to_datetime(pl.created_date).to_numpy())
        # one row per patient, problem and onset (the same diagnosis recorded twice is one problem)
        problem = problem.drop_duplicates(["patient_id", "problem_name", "icd10_code", "onset_date"])

        # encounter diagnoses: linked diagnoses first, then ICD-10 chronic conditions active on the day; up to 4
        icd = cd[cd.code_system.str.startswith("ICD")]
        enc = pd.DataFrame({"encounter_id": self.eid, "patient_id": self.pid, "day": self.start.astype("datetime64[D]")})
        m = enc.merge(icd[["patient_id", "encounter_id", "condition_code", "condition_name", "onset_date", "resolution_date",
                           "diagnosis_type", "condition_diagnosis_id"]].rename(columns={"encounter_id": "linked"}), on="patient_id")
        day = m.day.to_numpy().astype("datetime64[D]")
        onset = pd.to_datetime(m.onset_date).to_numpy().astype("datetime64[D]")
        res = pd.to_datetime(m.resolution_date).to_numpy().astype("datetime64[D]")
        linked = m.linked.to_numpy(dtype=float) == m.encounter_id.to_numpy()
        active = (m.diagnosis_type.to_numpy() == "Chronic") & (onset <= day) & (np.isnat(res) | (res >= day))
        m = m[linked | active].copy()
        m["rank"] = np.where(m.linked.to_numpy(dtype=float) == m.encounter_id.to_numpy(), 0.0, 1.0) + uniform(
            self.seed, "edc.order", m.encounter_id.to_numpy() * 4096 + m.condition_diagnosis_id.to_numpy() % 4096)
        m = m.sort_values(["encounter_id", "rank"]).drop_duplicates(["encounter_id", "condition_code"])
        m["pointer"] = m.groupby("encounter_id").cumcount() + 1
        m = m[m.pointer <= 4]
        # visits with nothing on file get the visit-type code (Z00.00 wellness, Z09 follow-up, ED/inpatient reasons)
        have = np.isin(self.eid, m.encounter_id.to_numpy())
        vd = visit_diagnoses()
        fb_eid, fb_type = self.eid[~have], self.etype[~have]
        fb_u = uniform(self.seed, "edc.fallback", fb_eid)
        fb_codes = np.full(len(fb_eid), "Z09", dtype=object)
        for et, grp in vd.groupby("encounter_type"):
            hit = fb_type == et
            fb_codes[hit] = pick(fb_u[hit], grp.icd10_code.to_numpy())
        fb = pd.DataFrame({"encounter_id": self.eid[~have], "patient_id": self.pid[~have], "condition_code": fb_codes, "pointer": 1})
        fb["condition_name"] = fb.condition_code.map(dict(zip(vd.icd10_code, vd.description)))
        dx = pd.concat([m[["encounter_id", "patient_id", "condition_code", "condition_name", "pointer"]], fb], ignore_index=True)
        dx = dx.sort_values(["encounter_id", "pointer"], kind="stable").reset_index(drop=True)
        hcc = hcc_map()
        code = dx.condition_code.to_numpy().astype(str)
        hcc_code = np.full(len(dx), None, dtype=object)
        hcc_desc = np.full(len(dx), None, dtype=object)
        hcc_w = np.full(len(dx), np.nan)
        for row in hcc.sort_values("icd10_prefix", key=lambda s: s.str.len()).itertuples():
            hit = np.char.startswith(code, row.icd10_prefix)
            hcc_code[hit], hcc_desc[hit], hcc_w[hit] = row.hcc_code, row.hcc_description, float(row.hcc_weight)
        em = pd.Series(self.em, index=self.eid)
        edc = pd.DataFrame({
            "code_id": dx.encounter_id.to_numpy() * 8 + dx.pointer.to_numpy(), "encounter_id": dx.encounter_id.to_numpy(),
            "patient_id": dx.patient_id.to_numpy(), "icd10_code": code, "icd10_description": dx.condition_name.str.slice(0, 500).to_numpy(),
            "diagnosis_pointer": dx.pointer.to_numpy(), "hcc_code": hcc_code, "hcc_description": hcc_desc, "hcc_weight": hcc_w,
            "cpt_code": em.reindex(dx.encounter_id.to_numpy()).to_numpy(),
            "modifier": np.where(pd.Series(self.etype, index=self.eid).reindex(dx.encounter_id.to_numpy()).to_numpy() == "Telehealth", "95", None),
            "is_billable": True,
        })
        when = pd.Series(self.end, index=self.eid).reindex(edc.encounter_id.to_numpy()).to_numpy() + np.timedelta64(1, "h")
        edc = _finish(edc, when)
        self.dx1 = dx[dx.pointer == 1].set_index("encounter_id").condition_code
        self.dx_codes = dx
        return {"encounter_diagnosis_code": edc, "problem_list": problem}

    # ------------------------------------------------------------------ claims, lines and payments
    def claims(self) -> dict[str, pd.DataFrame]:
        fees = fee_schedule()
        rate = {(r.code, r.claim_kind): r.medicare_rate for r in fees.itertuples()}
        desc = {r.code: r.description for r in fees.itertuples()}
        et = self.etype
        is_ed, is_ip = et == "Emergency", et == "Inpatient"
        los = np.maximum(1, np.round((self.end - self.start).astype("timedelta64[h]").astype(int) / 24)).astype(int)
        diabetic = set(self.dx_codes.patient_id[self.dx_codes.condition_code.str.startswith("E11")])
        is_dm = np.isin(self.pid, list(diabetic))
        lines: list[pd.DataFrame] = []

        def add(mask: np.ndarray, facility: bool, code: np.ndarray | str, units: np.ndarray | int, k: int,
                modifier: np.ndarray | None = None) -> None:
            if not mask.any():
                return
            eid = self.eid[mask]
            codes = np.broadcast_to(np.asarray(code, dtype=object), mask.shape)[mask] if np.ndim(code) else np.full(mask.sum(), code, dtype=object)
            u_ = np.broadcast_to(np.asarray(units), mask.shape)[mask] if np.ndim(units) else np.full(mask.sum(), units)
            mod = modifier[mask] if modifier is not None else np.full(mask.sum(), None, dtype=object)
            lines.append(pd.DataFrame({"encounter_id": eid, "facility": facility, "k": k, "cpt_code": codes, "units": u_, "modifier": mod}))

        # professional claims: the E/M line, plus in-office services
        tele_mod = np.where(et == "Telehealth", "95", None).astype(object)
        ip_em = np.where(self.u("claim.ipem", self.eid) < 0.6, "99223", "99222")
        add(~is_ip & pd.notna(self.em), False, self.em, 1, 0, tele_mod)
        add(is_ip, False, ip_em, 1, 0)
        add(is_ip & (los > 2), False, "99232", np.maximum(los - 2, 1), 1)
        add(is_ip, False, "99238", 1, 2)
        office = np.isin(et, ["Office Visit", "Annual Wellness"])
        for k, (code, p) in enumerate((("36415", 0.35), ("80053", 0.18), ("80061", 0.15), ("85025", 0.12), ("93000", 0.06),
                                       ("99406", 0.04)), start=3):
            add(office & (self.u(f"claim.anc.{code}", self.eid) < p), False, code, 1, k)
        add(office & (self.u("claim.anc.83036", self.eid) < np.where(is_dm, 0.45, 0.02)), False, "83036", 1, 9)
        add((et == "Annual Wellness") & (self.u("claim.anc.G0444", self.eid) < 0.6), False, "G0444", 1, 10)
        # facility claims: ED level and ancillaries; inpatient per-day services; hospital clinic fee
        add(is_ed, True, self.em, 1, 0)
        for k, (code, p) in enumerate((("80053", 0.5), ("85025", 0.6), ("71046", 0.35), ("93005", 0.3)), start=1):
            add(is_ed & (self.u(f"claim.ed.{code}", self.eid) < p), True, code, 1, k)
        for k, code in enumerate(("80053", "85025"), start=1):
            add(is_ip, True, code, los, k)
        add(is_ip, True, "71046", 1, 3)
        add(is_ip, True, "93005", 1, 4)
        add(self.hopd, True, "G0463", 1, 0)
        li = pd.concat(lines, ignore_index=True)
        li["claim_id"] = li.encounter_id * 2 + li.facility.astype(int)
        li["line_item_id"] = li.claim_id * 16 + li.k
        li = li.sort_values("line_item_id").reset_index(drop=True)
        kind = np.where(li.facility, "facility", "professional")
        combos = {(c, f): rate.get((c, "facility" if f else "professional"), rate.get((c, "any"), np.nan))
                  for c, f in set(zip(li.cpt_code, li.facility))}
        keys = pd.MultiIndex.from_arrays([li.cpt_code.to_numpy(), li.facility.to_numpy()])
        lookup = pd.Series(list(combos.values()), index=pd.MultiIndex.from_tuples(list(combos.keys()))).reindex(keys).to_numpy()
        base = np.asarray(lookup, dtype=float) * li.units.to_numpy()
        lid = li.line_item_id.to_numpy().astype(np.int64)
        epos = pd.Series(np.arange(len(self.eid)), index=self.eid).reindex(li.encounter_id.to_numpy()).to_numpy()
        ptype = self.ptype[epos]
        payer = self.payer[epos]
        # inpatient facility claims are paid per case (DRG-like): Medicare's average inpatient payment per
        # stay is ~$15,000 (MedPAC 2024); the case amount is spread over the lines by their fee-schedule weight
        ip_fac = li.facility.to_numpy() & is_ip[epos]
        if ip_fac.any():
            case = (6500 + 1900 * los[epos]) * np.exp(0.3 * self.n("claim.case", li.encounter_id.to_numpy()))
            share = base / pd.Series(base).groupby(li.claim_id.to_numpy()).transform("sum").to_numpy()
            base = np.where(ip_fac, case * share, base)
        charge = _money(base * np.where(kind == "facility", CHARGE_MULTIPLE["facility"], CHARGE_MULTIPLE["professional"])
                        * np.exp(0.08 * normal(self.seed, "line.charge", lid)))
        prof_ratio = np.array([PRICE_RATIO.get(t, (np.nan, np.nan))[0] for t in ptype])
        fac_ratio = np.array([PRICE_RATIO.get(t, (np.nan, np.nan))[1] for t in ptype])
        contract = 1 + np.where(ptype == "Commercial", 0.12, 0.02) * normal(self.seed, "payer.contract", payer)
        allowed = np.where(ptype == "Self-pay", charge * (1 - SELF_PAY_DISCOUNT),
                           base * np.where(kind == "facility", fac_ratio, prof_ratio) * contract)
        allowed = _money(np.minimum(allowed, charge))
        bundled = (li.k.to_numpy() >= 3) & ~li.facility.to_numpy() & (self.u("line.bundle", lid) < 0.03) & (ptype != "Self-pay")
        li["charge_amount"] = charge
        li["allowed_full"] = np.where(bundled, 0.0, allowed)
        li["bundled"] = bundled

        # claim header
        ch = li.groupby("claim_id", sort=True).agg(encounter_id=("encounter_id", "first"), facility=("facility", "first"),
                                                    total_charges=("charge_amount", "sum"), allowed=("allowed_full", "sum"),
                                                    any_bundled=("bundled", "any")).reset_index()
        cid = ch.claim_id.to_numpy().astype(np.int64)
        pos = pd.Series(np.arange(len(self.eid)), index=self.eid).reindex(ch.encounter_id.to_numpy()).to_numpy()
        ctype, cpayer = self.ptype[pos], self.payer[pos]
        fac = ch.facility.to_numpy()
        service = self.start[pos].astype("datetime64[D]")
        through = self.end[pos].astype("datetime64[D]")
        cet = self.etype[pos]
        self_pay = ctype == "Self-pay"
        lag = np.where(fac, 3 - 4 * np.log(np.maximum(self.u("claim.lag", cid), 1e-9)), 1 - 2.5 * np.log(np.maximum(self.u("claim.lag", cid), 1e-9)))
        submitted = through + _days(lag)
        mean_min = np.array([REMIT_DAYS.get(t, (0, 0))[0] for t in ctype])
        mean_extra = np.array([REMIT_DAYS.get(t, (0, 0))[1] for t in ctype])
        remit_days = mean_min + mean_extra * -np.log(np.maximum(self.u("claim.remit", cid), 1e-9))
        pended = self.u("claim.pend", cid) < 0.05
        remit_days = remit_days + np.where(pended, 30 + 120 * self.u("claim.pendlen", cid), 0)
        first_remit = submitted + _days(remit_days)
        p_deny = np.array([DENIAL_RATE.get(t, 0.0) for t in ctype]) * np.where(cet == "Inpatient", 1.3, 1.0)
        denied = ~self_pay & (self.u("claim.deny", cid) < p_deny)
        carc = carc_codes()
        cpick = pick(self.u("claim.carc", cid), np.arange(len(carc)), carc.share.to_numpy()).astype(int)
        appeal_ok = self.u("claim.appeal", cid) < APPEAL_SUCCESS
        second_remit = first_remit + _days(25 + 70 * self.u("claim.appeal_days", cid))
        adjudicated = ~self_pay & (first_remit <= self.today)
        paid_now = adjudicated & (~denied | (appeal_ok & (second_remit <= self.today)))
        remit = np.where(paid_now & denied, second_remit, np.where(adjudicated, first_remit, np.datetime64("NaT")))
        written_off = adjudicated & denied & ~appeal_ok & (first_remit + np.timedelta64(90, "D") <= self.today)
        status = np.select([self_pay, ~adjudicated, paid_now & ch.any_bundled.to_numpy(), paid_now,
                            denied & appeal_ok, written_off], ["Self-Pay", "Submitted", "Partially Paid", "Paid", "Appealed", "Written Off"],
                           "Denied")
        # patient cost sharing on the allowed amount
        allowed_c = ch.allowed.to_numpy()
        pcp = self.pcp_visit[pos]
        awv = cet == "Annual Wellness"
        deductible_phase = self.u("claim.deductible", cid) < 0.30
        comm = np.where(deductible_phase, np.minimum(allowed_c, 1500 * self.u("claim.ded_left", cid)) + 0.2 * np.maximum(allowed_c - 1500 * self.u("claim.ded_left", cid), 0),
                        np.select([cet == "Emergency", cet == "Inpatient", cet == "Telehealth"], [np.where(fac, 250.0, 0.0), np.where(fac, np.minimum(0.2 * allowed_c, 3000), 0.0), 15.0],
                                  np.where(fac, 0.0, np.where(pcp, 25.0, 50.0))))
        ma = np.select([cet == "Emergency", cet == "Inpatient", cet == "Telehealth"], [np.where(fac, 90.0, 0.0), np.where(fac, 300.0 * np.minimum(los[pos], 5), 0.0), 0.0],
                       np.where(fac, 40.0 * self.hopd[pos], np.where(pcp, 10.0, 40.0)))
        mcare = np.where(fac & (cet == "Inpatient"), 1632.0, 0.2 * allowed_c)
        mcaid = np.where(cet == "Emergency", 3.0, np.where(cet == "Inpatient", 3.0, 1.0))
        resp = np.select([self_pay, ctype == "Commercial", ctype == "Medicare Advantage", ctype == "Medicare", ctype == "Medicaid"],
                         [allowed_c, comm, ma, mcare, mcaid], 0.0)
        resp = _money(np.minimum(np.where(awv & ~self_pay, 0.0, resp), allowed_c))
        has_amounts = paid_now | self_pay
        claim = pd.DataFrame({
            "claim_id": cid, "patient_id": self.pid[pos], "encounter_id": ch.encounter_id.to_numpy(),
            "payer_id": pd.array(np.where(self_pay, 0, cpayer), dtype="Int64"),
            "provider_id": self.enc.provider_id.to_numpy()[pos], "claim_number": [f"{'F' if f else 'P'}{c:011d}" for c, f in zip(cid, fac)],
            "claim_type": np.where(fac, np.where(cet == "Inpatient", "institutional_inpatient", "institutional_outpatient"), "professional"),
            "service_date": service, "submission_date": np.where(submitted <= self.today, submitted, np.datetime64("NaT")),
            "claim_status": status, "total_charges": _money(ch.total_charges.to_numpy()),
            "allowed_amount": np.where(has_amounts, _money(allowed_c), np.nan),
            "paid_amount": np.where(paid_now, _money(allowed_c - resp), np.where(adjudicated & denied, 0.0, np.nan)),
            "patient_responsibility": np.where(has_amounts, resp, np.nan),
            "denial_reason": np.where(denied & adjudicated, carc.reason.to_numpy()[cpick], None),
            "denial_code": np.where(denied & adjudicated, ("CO-" + carc.carc_code).to_numpy()[cpick], None),
            "remittance_date": remit,
        })
        claim.loc[self_pay, "payer_id"] = pd.NA
        not_yet = submitted > self.today  # services days ago, not yet billed: still Pending
        claim.loc[not_yet & ~self_pay, "claim_status"] = "Pending"
        claim = _finish(claim, np.maximum(self.end[pos], service.astype("datetime64[s]")) + np.timedelta64(2, "h"))
        claim["updated_date"] = np.where(np.isnat(remit), np.datetime64("NaT"), remit.astype("datetime64[s]"))

        # lines with their adjudication
        cstat = pd.Series(claim.claim_status.to_numpy(), index=cid)
        lstat_claim = cstat.reindex(li.claim_id.to_numpy()).to_numpy()
        l_paid = np.isin(lstat_claim, ["Paid", "Partially Paid"])
        l_selfpay = lstat_claim == "Self-Pay"
        share = li.allowed_full.to_numpy() / np.maximum(pd.Series(li.allowed_full.to_numpy()).groupby(li.claim_id.to_numpy()).transform("sum").to_numpy(), 0.01)
        paid_claim = pd.Series(claim.paid_amount.to_numpy(), index=cid).reindex(li.claim_id.to_numpy()).to_numpy()
        line = pd.DataFrame({
            "line_item_id": li.line_item_id.to_numpy(), "claim_id": li.claim_id.to_numpy(), "cpt_code": li.cpt_code.to_numpy(),
            "cpt_description": li.cpt_code.map(desc).to_numpy(), "modifier": li.modifier.to_numpy(),
            "icd10_pointer_1": self.dx1.reindex(li.encounter_id.to_numpy()).to_numpy(), "units": li.units.astype(int).to_numpy(),
            "charge_amount": li.charge_amount.to_numpy(),
            "allowed_amount": np.where(l_paid | l_selfpay, li.allowed_full.to_numpy(), np.nan),
            "paid_amount": np.where(l_paid, _money(paid_claim * share), np.where(np.isin(lstat_claim, ["Denied", "Appealed", "Written Off"]), 0.0, np.nan)),
            "line_status": np.select([l_paid & li.bundled.to_numpy(), l_paid, l_selfpay, np.isin(lstat_claim, ["Denied", "Appealed", "Written Off"])],
                                     ["Denied", "Paid", "Self-Pay", "Denied"], np.where(lstat_claim == "Submitted", "Submitted", "Pending")),
        })
        line = _finish(line, claim.set_index("claim_id").created_date.reindex(line.claim_id.to_numpy()).to_numpy())
        payments = self._payments(claim, cid, cpayer, ctype, service, remit, written_off, first_remit)
        self.claim = claim
        return {"billing_claim": claim, "billing_line_item": line, "payment": payments}

    def _payments(self, claim: pd.DataFrame, cid: np.ndarray, cpayer: np.ndarray, ctype: np.ndarray, service: np.ndarray,
                  remit: np.ndarray, written_off: np.ndarray, first_remit: np.ndarray) -> pd.DataFrame:
        rows = []
        status = claim.claim_status.to_numpy()
        paid = claim.paid_amount.to_numpy()
        allowed = claim.allowed_amount.to_numpy()
        charges = claim.total_charges.to_numpy()
        resp = claim.patient_responsibility.to_numpy()
        pid = claim.patient_id.to_numpy()
        settled = np.isin(status, ["Paid", "Partially Paid"])
        eft = self.u("pay.method", cid) < 0.9
        base = {"claim_id": cid, "patient_id": pid}
        ins = settled & (paid > 0)
        rows.append(pd.DataFrame({**base, "k": 0, "payer_id": cpayer, "payment_date": remit, "payment_type": "insurance",
                                  "payment_method": np.where(eft, "EFT", "check"), "payment_amount": paid,
                                  "check_number": np.where(eft, None, [f"CHK{c % 10**8:08d}" for c in cid]),
                                  "eob_number": [f"ERA{c:012d}" for c in cid], "notes": None})[ins])
        self_pay = status == "Self-Pay"
        statement = np.where(self_pay, service + np.timedelta64(7, "D"), remit + np.timedelta64(7, "D"))
        adj = ((settled | self_pay) & (charges - np.nan_to_num(allowed) > 0.005)
               & (np.where(self_pay, statement, remit) <= self.today))
        rows.append(pd.DataFrame({**base, "k": 1, "payer_id": np.where(self_pay, 0, cpayer),
                                  "payment_date": np.where(self_pay, statement, remit), "payment_type": "adjustment",
                                  "payment_method": None, "payment_amount": _money(charges - np.nan_to_num(allowed)),
                                  "check_number": None, "eob_number": None,
                                  "notes": np.where(self_pay, "Uninsured discount", "CO-45 contractual adjustment: charge exceeds fee schedule")})[adj])
        wo_date = first_remit + np.timedelta64(90, "D")
        rows.append(pd.DataFrame({**base, "k": 2, "payer_id": cpayer, "payment_date": wo_date, "payment_type": "adjustment",
                                  "payment_method": None, "payment_amount": charges, "check_number": None, "eob_number": None,
                                  "notes": "Denial write-off (" + claim.denial_code.fillna("").to_numpy().astype(str) + ")"})[written_off])
        # patient payments: part of the balance at the visit (copay), the rest after the statement, sometimes in
        # instalments; social risk and self-pay lower the share collected; unpaid balances go to bad debt at 120 days
        bal = np.where(settled | self_pay, np.nan_to_num(resp), 0.0)
        epos = pd.Series(np.arange(len(self.eid)), index=self.eid).reindex(claim.encounter_id.to_numpy()).to_numpy()
        risk = self.risk[epos]
        p_pay = np.clip(np.where(self_pay, 0.25, 0.82) - 0.1 * risk - np.where(bal > 500, 0.15, 0.0), 0.05, 0.95)
        pays = self.u("pay.patient", cid) < p_pay
        n_inst = np.where(bal > 200, 1 + (self.u("pay.inst", cid) * 3).astype(int), 1)
        frac_paid = np.where(pays, 1.0, np.where(self.u("pay.partial", cid) < 0.35, 0.5, 0.0))
        for j in range(3):
            amt = _money(np.where(j < n_inst, bal * frac_paid / n_inst, 0.0))
            when = statement + _days(10 + 25 * -np.log(np.maximum(self.u("pay.when", cid, j), 1e-9)) + 30 * j)
            ok = (amt > 0) & (when <= self.today)
            rows.append(pd.DataFrame({**base, "k": 3 + j, "payer_id": 0, "payment_date": when, "payment_type": "patient",
                                      "payment_method": pick(self.u("pay.pmethod", cid, j), ["card", "cash", "check", "portal"], [0.45, 0.1, 0.15, 0.3]),
                                      "payment_amount": amt, "check_number": None, "eob_number": None,
                                      "notes": np.where(n_inst > 1, f"Instalment {j + 1}", None)})[ok])
        unpaid = _money(bal * (1 - frac_paid))
        bad = (unpaid > 0) & (statement + np.timedelta64(120, "D") <= self.today)
        rows.append(pd.DataFrame({**base, "k": 6, "payer_id": 0, "payment_date": statement + np.timedelta64(120, "D"),
                                  "payment_type": "adjustment", "payment_method": None, "payment_amount": unpaid,
                                  "check_number": None, "eob_number": None, "notes": "Bad debt write-off of patient balance"})[bad])
        pay = pd.concat(rows, ignore_index=True)
        pay.insert(0, "payment_id", pay.claim_id * 8 + pay.k)
        pay["payer_id"] = pd.array(pay.payer_id.to_numpy(dtype=float), dtype="Float64").astype("Int64")
        pay.loc[pay.payer_id == 0, "payer_id"] = pd.NA
        pay["payment_date"] = pay.payment_date.to_numpy().astype("datetime64[D]")
        pay = pay.drop(columns="k").sort_values("payment_id").reset_index(drop=True)
        return _finish(pay, pay.payment_date.to_numpy().astype("datetime64[s]") + np.timedelta64(9, "h"))

    # ------------------------------------------------------------------ e-prescribing and fills
    def prescriptions(self) -> dict[str, pd.DataFrame]:
        mo = self.t["medication_order"].merge(self.t["medication"][["medication_id", "medication_code", "medication_name"]], on="medication_id")
        mo = mo.sort_values("medication_order_id", kind="stable").reset_index(drop=True)
        oid = mo.medication_order_id.to_numpy().astype(np.int64)
        opid = mo.patient_id.to_numpy().astype(np.int64)
        facts = drug_facts()
        klass = mo.medication_code.map(dict(zip(facts.rxnorm_ingredient, facts.drug_class))).fillna("other").to_numpy()
        dea = mo.medication_code.map(dict(zip(facts.rxnorm_ingredient, facts.dea_schedule))).fillna("").to_numpy()
        pa_drug = mo.medication_code.map(dict(zip(facts.rxnorm_ingredient, facts.prior_auth))).fillna("").to_numpy() == "Y"
        with_ndc = facts[facts.ndc != ""]
        start = _ts(mo.start_datetime)
        end = _ts(mo.end_datetime)
        controlled = dea != ""
        ds = np.where(controlled, 30, np.where(self.u("rx.ds", oid) < 0.4, 90, 30))
        age = _age(self.t["patient"], start, opid)
        o_payer, o_ptype = payer_at(self.t, opid, start)
        risk = _social_risk(self.t, opid)
        # pharmacy: a patient's usual retail store; 90-day supplies often by mail; PA drugs at a specialty pharmacy
        n_retail, n_mail, n_spec = N_PHARMACIES
        retail = 1 + (uniform(self.seed, "rx.pharmacy", opid) * n_retail).astype(int)
        mail = n_retail + 1 + (uniform(self.seed, "rx.mail", opid) * n_mail).astype(int)
        spec = n_retail + n_mail + 1 + (uniform(self.seed, "rx.spec", opid) * n_spec).astype(int)
        pharmacy = np.where(pa_drug & (self.u("rx.specpick", oid) < 0.7), spec, np.where((ds == 90) & (self.u("rx.mailpick", oid) < 0.5), mail, retail))
        # adherence: a latent propensity per patient and drug class (older: better; Medicaid, self-pay and social risk: worse)
        cls_idx = pd.Series(klass).map({"statin": 1, "ras_antagonist": 2, "diabetes_noninsulin": 3}).fillna(0).astype(int).to_numpy()
        z = normal(self.seed, "rx.adherence", opid * 8 + cls_idx)
        logit = (1.8 + 0.35 * (age >= 65) - 0.45 * (o_ptype == "Medicaid") - 0.6 * (o_ptype == "Self-pay") - 0.3 * risk
                 - 0.15 * (klass == "statin") + 1.1 * z)
        good = self.u("rx.type", opid * 8 + cls_idx) < 1 / (1 + np.exp(-logit))
        late_mean = np.where(good, 0.05, 1.4)
        stop_hazard = np.where(good, 0.01, 0.12)
        # the PA outcome gates the first fill
        pa_status = np.where(pa_drug, pick(self.u("pa.outcome", oid), ["Approved", "Denied", "Withdrawn"],
                                           [1 - np.mean(list(PA_DENIAL.values())) - 0.03, np.mean(list(PA_DENIAL.values())), 0.03]), "")
        pa_denied = pa_drug & (pa_status != "Approved")
        pa_days = np.where(pa_drug, 1 + 4 * self.u("pa.days", oid), 0)
        never = (self.u("rx.primary", oid) < PRIMARY_NONADHERENCE) | pa_denied
        refills_auth = mo.refill_count.fillna(0).astype(int).to_numpy()
        refills_auth = np.where(controlled & (dea == "CII"), 0, refills_auth)

        fills = []
        renewals = []
        fill_date = start + _days(pa_days + np.where(self.u("rx.first", oid) < 0.8, 0, 1 + 3 * self.u("rx.firstlag", oid))).astype("timedelta64[s]") \
            + _minutes(60 * 4 + 60 * 6 * self.u("rx.hour", oid))
        alive = ~never & (fill_date <= self.now)
        remaining = refills_auth.copy()
        for k in range(32):
            if k == 0:
                fills.append(pd.DataFrame({"medication_order_id": oid, "k": 0, "filled": np.where(alive, fill_date, np.datetime64("NaT")),
                                           "sent": start, "renewal": False}))
                continue
            late = -late_mean * np.log(np.maximum(self.u("rx.late", oid, k), 1e-9))
            early = np.where(good & (self.u("rx.early", oid, k) < 0.25), -0.1 * self.u("rx.earlyby", oid, k), 0.0)
            nxt = fill_date + _days(ds * (1 + late + early)).astype("timedelta64[s]")
            stop = self.u("rx.stop", oid, k) < stop_hazard
            # a renewal request when the authorised refills run out: mostly approved (a few days' delay)
            rr_status = pick(self.u("rr.status", oid, k), ["Approved", "Denied"], [0.9, 0.1])
            rr_at = nxt - np.timedelta64(2, "D")
            need_renewal = alive & (remaining <= 0) & (nxt < end) & ~stop & (rr_at <= self.now)
            if need_renewal.any():
                renewals.append(pd.DataFrame({"medication_order_id": oid[need_renewal], "k": k, "requested": rr_at[need_renewal],
                                              "status": np.where(rr_at[need_renewal] + np.timedelta64(2, "D") > self.now, "Pending",
                                                                 rr_status[need_renewal])}))
            renewed = need_renewal & (rr_status == "Approved")
            nxt = np.where(renewed, nxt + _days(2 + 3 * self.u("rr.delay", oid, k)).astype("timedelta64[s]"), nxt)
            remaining = np.where(renewed, np.maximum(refills_auth, 3), remaining)
            alive = alive & ~stop & (nxt < end) & (nxt <= self.now) & (~need_renewal | renewed)
            remaining = remaining - alive
            fill_date = np.where(alive, nxt, fill_date)
            if not alive.any():
                break
            fills.append(pd.DataFrame({"medication_order_id": oid[alive], "k": k, "filled": fill_date[alive],
                                       "sent": fill_date[alive] - np.timedelta64(1, "D"), "renewal": renewed[alive]}))
        f = pd.concat(fills, ignore_index=True).sort_values(["medication_order_id", "k"], kind="stable")
        opos = pd.Series(np.arange(len(oid)), index=oid).reindex(f.medication_order_id.to_numpy()).to_numpy()
        fk = f.k.to_numpy()
        ingredient = mo.medication_code.to_numpy()[opos]
        # NDC where the product is in the data file: 11-digit form mostly, the labelled 10-digit form sometimes
        ndc_opts = with_ndc.groupby("rxnorm_ingredient")
        ndc = np.full(len(f), None, dtype=object)
        strength = np.full(len(f), "", dtype=object)
        eo = oid[opos]
        for ing, grp in ndc_opts:
            hit = ingredient == ing
            if hit.any():
                j = (uniform(self.seed, "rx.ndc", eo[hit]) * len(grp)).astype(int)
                raw = grp.ndc.to_numpy()[j]
                eleven = uniform(self.seed, "rx.ndcform", eo[hit]) < 0.8
                ndc[hit] = np.where(eleven, [ndc11(x) for x in raw], raw)
                strength[hit] = grp.strength.to_numpy()[j]
        name = mo.medication_name.to_numpy()[opos]
        drug_name = np.where(strength != "", name + " " + strength, name)
        per_day = np.where(mo.dosage.to_numpy()[opos] == "2 tablets", 2, 1) * np.where(mo.frequency.to_numpy()[opos] == "Twice daily", 2, 1)
        ds_f = ds[opos]
        filled = f.filled.to_numpy().astype("datetime64[s]")
        sig = ("Take " + mo.dosage.fillna("1 tablet").to_numpy()[opos].astype(str) + " by mouth " +
               mo.frequency.fillna("Once daily").str.lower().to_numpy()[opos].astype(str))
        status = np.where(~np.isnat(filled), "Filled", np.where(self.u("rx.err", eo) < 0.01, "Error", "Sent"))
        erx = pd.DataFrame({
            "erx_id": eo * 32 + fk, "medication_order_id": eo, "patient_id": opid[opos],
            "prescriber_id": mo.provider_id.to_numpy()[opos], "pharmacy_id": pharmacy[opos], "drug_name": drug_name,
            "ndc_code": ndc, "sig": sig, "quantity": (ds_f * per_day).astype(str), "days_supply": ds_f,
            "refills_authorized": refills_auth[opos], "is_controlled": controlled[opos], "dea_schedule": np.where(dea[opos] != "", dea[opos], None),
            "transmission_status": status, "sent_datetime": f.sent.to_numpy().astype("datetime64[s]"), "filled_datetime": filled,
            "prior_auth_required": pa_drug[opos],
            "notes": np.where(fk == 0, np.where(pa_denied[opos], "New prescription; prior authorization not approved", "New prescription"),
                              np.where(f.renewal.to_numpy(), "Refill after renewal", "Refill " + fk.astype(str))),
        })
        erx = _finish(erx, erx.sent_datetime.to_numpy())

        # renewal requests (pharmacy-initiated) and patient portal requests
        rr = pd.concat(renewals, ignore_index=True) if renewals else pd.DataFrame(columns=["medication_order_id", "k", "requested", "status"])
        rpos = pd.Series(np.arange(len(oid)), index=oid).reindex(rr.medication_order_id.to_numpy()).to_numpy()
        rid = rr.medication_order_id.to_numpy().astype(np.int64) * 32 + rr.k.to_numpy().astype(np.int64)
        requested = rr.requested.to_numpy().astype("datetime64[s]")
        rstatus = rr.status.to_numpy()
        refill = pd.DataFrame({
            "refill_id": rid, "patient_id": opid[rpos], "medication_order_id": oid[rpos], "pharmacy_id": pharmacy[rpos],
            "drug_name": mo.medication_name.to_numpy()[rpos], "requested_datetime": requested,
            "request_source": pick(uniform(self.seed, "rr.source", rid), ["pharmacy", "portal", "phone"], [0.6, 0.3, 0.1]),
            "request_status": rstatus, "provider_id": mo.provider_id.to_numpy()[rpos],
            "reviewed_datetime": np.where(rstatus == "Pending", np.datetime64("NaT"), requested + _days(1 + uniform(self.seed, "rr.review", rid) * 2).astype("timedelta64[s]")),
            "denial_reason": np.where(rstatus == "Denied", pick(uniform(self.seed, "rr.reason", rid),
                                                                ["Office visit required before further refills", "Medication discontinued by prescriber",
                                                                 "Laboratory monitoring due before renewal"]), None),
            "notes": None,
        })
        refill = _finish(refill, requested)

        # prior authorizations for the drugs that need one
        pa = mo[pa_drug]
        paid_ = oid[pa_drug]
        pstat = pa_status[pa_drug]
        req = start[pa_drug]
        pending = req + np.timedelta64(3, "D") > self.now
        pstat = np.where(pending, "Pending", pstat)
        approved = pstat == "Approved"
        prior = pd.DataFrame({
            "auth_id": paid_, "patient_id": opid[pa_drug], "payer_id": pd.array(np.where(o_payer[pa_drug] > 0, o_payer[pa_drug], 0), dtype="Int64"),
            "order_id": pd.array([None] * len(pa), dtype="Int64"), "referral_id": pd.array([None] * len(pa), dtype="Int64"),
            "service_type": "pharmacy", "service_description": pa.medication_name.to_numpy(),
            "cpt_code": None, "icd10_code": None, "requested_datetime": req, "auth_status": pstat,
            "auth_number": np.where(approved, [f"PA{o:010d}" for o in paid_], None),
            "approved_units": pd.array(np.where(approved, 12, 0), dtype="Int64"),
            "approved_from": np.where(approved, req.astype("datetime64[D]"), np.datetime64("NaT")),
            "approved_to": np.where(approved, req.astype("datetime64[D]") + np.timedelta64(365, "D"), np.datetime64("NaT")),
            "denial_reason": np.where(pstat == "Denied", pick(uniform(self.seed, "pa.reason", paid_),
                                                              ["Step therapy required: formulary first-line agent not tried",
                                                               "Clinical criteria not met", "Non-formulary; preferred alternative available"]), None),
            "submitted_by": mo.provider_id.to_numpy()[pa_drug],
        })
        prior.loc[~approved, "approved_units"] = pd.NA
        prior.loc[prior.payer_id == 0, "payer_id"] = pd.NA
        prior = _finish(prior, req)

        # interaction alerts: a patient with both drugs of a listed pair on overlapping orders
        pairs = interactions()
        alerts = []
        if len(mo):
            span = pd.DataFrame({"patient_id": opid, "order": oid, "code": mo.medication_code.to_numpy(), "s": start, "e": end,
                                 "prov": mo.provider_id.to_numpy(), "name": mo.medication_name.to_numpy()})
            for j, pr in enumerate(pairs.itertuples()):
                a = span[span.code == pr.rxnorm_1]
                b = span[span.code == pr.rxnorm_2]
                if not len(a) or not len(b):
                    continue
                ab = a.merge(b, on="patient_id", suffixes=("_a", "_b"))
                ab = ab[(ab.s_a <= ab.e_b) & (ab.s_b <= ab.e_a)]
                if not len(ab):
                    continue
                later_b = ab.s_b >= ab.s_a
                alerts.append(pd.DataFrame({
                    "alert_id": np.where(later_b, ab.order_b, ab.order_a).astype(np.int64) * 16 + j, "patient_id": ab.patient_id.to_numpy(),
                    "drug_1_name": ab.name_a.to_numpy(), "drug_2_name": ab.name_b.to_numpy(), "interaction_type": pr.interaction_type,
                    "description": f"{pr.clinical_significance}", "clinical_significance": pr.clinical_significance.split(":")[0],
                    "management": pr.management, "triggered_datetime": np.where(later_b, ab.s_b, ab.s_a),
                    "acknowledged_by": np.where(later_b, ab.prov_b, ab.prov_a),
                }))
            # therapeutic duplication: two different drugs of one adherence class on overlapping orders
            dup = span.assign(cls=klass)
            dup = dup[dup.cls != "other"]
            pairs_same = dup.merge(dup, on=["patient_id", "cls"], suffixes=("_a", "_b"))
            pairs_same = pairs_same[(pairs_same.code_a < pairs_same.code_b) & (pairs_same.s_a <= pairs_same.e_b)
                                    & (pairs_same.s_b <= pairs_same.e_a)]
            if len(pairs_same):
                later_b = pairs_same.s_b >= pairs_same.s_a
                label = pairs_same.cls.map({"statin": "statins", "ras_antagonist": "renin-angiotensin antagonists",
                                            "diabetes_noninsulin": "non-insulin diabetes drugs"})
                alerts.append(pd.DataFrame({
                    "alert_id": np.where(later_b, pairs_same.order_b, pairs_same.order_a).astype(np.int64) * 16 + 15,
                    "patient_id": pairs_same.patient_id.to_numpy(), "drug_1_name": pairs_same.name_a.to_numpy(),
                    "drug_2_name": pairs_same.name_b.to_numpy(), "interaction_type": "duplicate-therapy",
                    "description": ("Moderate: two " + label + " prescribed at the same time").to_numpy(),
                    "clinical_significance": "Moderate", "management": "Confirm a switch and stop the earlier drug",
                    "triggered_datetime": np.where(later_b, pairs_same.s_b, pairs_same.s_a),
                    "acknowledged_by": np.where(later_b, pairs_same.prov_b, pairs_same.prov_a),
                }))
        if alerts:
            al = pd.concat(alerts, ignore_index=True).drop_duplicates("alert_id").sort_values("alert_id")
            aid = al.alert_id.to_numpy()
            al["acknowledged_datetime"] = al.triggered_datetime.to_numpy().astype("datetime64[s]") + _minutes(1 + 3 * uniform(self.seed, "alert.ack", aid))
            overridden = uniform(self.seed, "alert.override", aid) < ALERT_OVERRIDE
            al["override_reason"] = np.where(overridden, pick(uniform(self.seed, "alert.reason", aid),
                                                              ["Benefit outweighs risk; will monitor", "Patient has tolerated this combination",
                                                               "Dose adjusted", "Short course only"]), None)
            alert = _finish(al, al.triggered_datetime.to_numpy())
        else:
            alert = pd.DataFrame(columns=["alert_id"])

        # medication reconciliation: at discharge, at the first visit within 30 days after it, and at wellness visits
        ip = self.etype == "Inpatient"
        disc = self.end
        rec_rows = [pd.DataFrame({"encounter_id": self.eid[ip], "patient_id": self.pid[ip], "when": disc[ip],
                                  "by": self.enc.provider_id.to_numpy()[ip], "source": "discharge"})]
        aw = self.etype == "Annual Wellness"
        rec_rows.append(pd.DataFrame({"encounter_id": self.eid[aw], "patient_id": self.pid[aw], "when": self.start[aw] + np.timedelta64(15, "m"),
                                      "by": self.enc.provider_id.to_numpy()[aw], "source": "annual_wellness"}))
        ipd = pd.DataFrame({"patient_id": self.pid[ip], "d": disc[ip]}).sort_values("d")
        ov = pd.DataFrame({"encounter_id": self.eid, "patient_id": self.pid, "s": self.start, "t": self.etype,
                           "by": self.enc.provider_id.to_numpy()})
        ov = ov[np.isin(self.etype, ["Office Visit", "Telehealth"])].sort_values("s")
        if len(ipd) and len(ov):
            tcm = pd.merge_asof(ov, ipd, left_on="s", right_on="d", by="patient_id", direction="backward", tolerance=pd.Timedelta(days=30))
            tcm = tcm[tcm.d.notna()].drop_duplicates(["patient_id", "d"])
            rec_rows.append(pd.DataFrame({"encounter_id": tcm.encounter_id.to_numpy(), "patient_id": tcm.patient_id.to_numpy(),
                                          "when": tcm.s.to_numpy().astype("datetime64[s]") + np.timedelta64(10, "m"), "by": tcm.by.to_numpy(),
                                          "source": "transition_of_care"}))
        rec = pd.concat(rec_rows, ignore_index=True).drop_duplicates("encounter_id")
        meds = pd.DataFrame({"patient_id": opid, "name": mo.medication_name.to_numpy(), "s": start, "e": end})
        mm = rec[["encounter_id", "patient_id", "when"]].merge(meds, on="patient_id")
        w = mm.when.to_numpy().astype("datetime64[s]")
        ms, me = mm.s.to_numpy().astype("datetime64[s]"), mm.e.to_numpy().astype("datetime64[s]")
        added = (ms <= w) & (ms >= w - np.timedelta64(7, "D"))
        stopped = (me <= w) & (me >= w - np.timedelta64(30, "D"))
        changed = (ms < w - np.timedelta64(7, "D")) & (me > w) & (uniform(self.seed, "medrec.change", mm.encounter_id.to_numpy()) < 0.15)

        def lists(mask: np.ndarray) -> pd.Series:
            return mm[mask].groupby("encounter_id").name.agg(lambda s: json.dumps(sorted(set(s))))

        rid2 = rec.encounter_id.to_numpy()
        medrec = pd.DataFrame({
            "reconciliation_id": rid2, "patient_id": rec.patient_id.to_numpy(), "referral_id": pd.array([None] * len(rec), dtype="Int64"),
            "encounter_id": rid2, "reconciled_by": rec.by.to_numpy(), "reconciled_datetime": rec.when.to_numpy().astype("datetime64[s]"),
            "source": rec.source.to_numpy(),
            "medications_added": lists(added).reindex(rid2).fillna("[]").to_numpy(),
            "medications_changed": lists(changed).reindex(rid2).fillna("[]").to_numpy(),
            "medications_stopped": lists(stopped).reindex(rid2).fillna("[]").to_numpy(),
            "reconciliation_notes": None,
        }).sort_values("reconciliation_id")
        medrec = _finish(medrec, medrec.reconciled_datetime.to_numpy())
        return {"e_prescription": erx, "refill_request": refill, "prior_authorization": prior,
                "drug_interaction_alert": alert, "medication_reconciliation": medrec}


def add_ops_tables(tables: dict[str, pd.DataFrame], seed: int, as_of: date) -> None:
    """Add the 20 operational tables to a whole generated EDW (reference tables once, then per patient)."""
    tables.update(generate_ops_reference(tables, seed, as_of))
    tables.update(generate_ops(tables, seed, as_of))


def inject_ops_defects(tables: dict[str, pd.DataFrame], rate: float, seed: int, as_of: date,
                       orphan_patient_base: int | None = None) -> dict[tuple[str, str], int]:
    """Append bad rows to the operational tables; returns the count per (table, rule) staging must reject.

    Each bad row is a copy of a clean row with a new key that nothing references, carrying one defect:
    malformed CPT/HCPCS, NDC, ICD-10 and NCPDP codes, a negative charge, orphan patients and claims,
    a service date after as_of, and a zero days supply. The (table, rule) names are those of the
    staging models' rules.
    """
    rng = np.random.default_rng([seed, 15_015])
    made: dict[tuple[str, str], int] = {}
    clean = {name: len(tables[name]) for name in OPS_TABLE_ORDER if name in tables}
    # orphans point past every patient of the whole EDW (orphan_patient_base when generating in blocks)
    max_patient = orphan_patient_base if orphan_patient_base is not None else int(tables["patient"].patient_id.max())
    future = pd.Timestamp(as_of) + pd.Timedelta(days=45)

    def take(name: str, share: float) -> pd.DataFrame:
        n = clean[name]
        k = max(1, int(round(n * rate * share)))
        return tables[name].iloc[rng.choice(n, min(k, n), replace=False)].copy()

    def append(name: str, rows: pd.DataFrame, rule: str) -> None:
        frame = tables[name]
        key = frame.columns[0]
        top = int(frame[key].max())
        rows[key] = np.arange(top + 1, top + 1 + len(rows))
        tables[name] = pd.concat([frame, rows], ignore_index=True)
        made[(name, rule)] = made.get((name, rule), 0) + len(rows)

    def orphan_patients(rows: pd.DataFrame) -> pd.DataFrame:
        return rows.assign(patient_id=max_patient + 1 + np.arange(len(rows)))

    # (table, share of the rate, the defect, the rule staging rejects it by), in a fixed order
    defects = [
        ("billing_line_item", 0.2, lambda r: r.assign(cpt_code=r.cpt_code.str.slice(0, 4) + "X9"), "malformed_code"),
        ("billing_line_item", 0.2, lambda r: r.assign(charge_amount=-r.charge_amount), "negative_amount"),
        ("billing_claim", 0.1, orphan_patients, "orphan_fk"),
        ("billing_claim", 0.1, lambda r: r.assign(service_date=future.date(), claim_number=r.claim_number + "-D"),
         "out_of_range_date"),
        ("payment", 0.1, lambda r: r.assign(
            claim_id=int(tables["billing_claim"].claim_id.max()) + 1000 + np.arange(len(r))), "orphan_fk"),
        ("e_prescription", 0.2, lambda r: r.assign(ndc_code="1234-56"), "malformed_code"),
        ("e_prescription", 0.1, lambda r: r.assign(days_supply=0), "out_of_range_value"),
        ("encounter_diagnosis_code", 0.2, lambda r: r.assign(icd10_code="9" + r.icd10_code.astype(str)), "malformed_code"),
        ("appointment", 0.1, orphan_patients, "orphan_fk"),
        ("pharmacy", 1.0 / max(rate * clean.get("pharmacy", 0), 1), lambda r: r.assign(ncpdp_id=r.ncpdp_id.str.slice(0, 6)),
         "malformed_code"),
    ]
    for name, share, defect, rule in defects:
        # generated in blocks, a block has no reference tables and the reference chunk no patients
        if name in clean:
            append(name, defect(take(name, share)), rule)
    return made
