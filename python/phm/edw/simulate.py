"""One simulated day of EDW activity, applied in place to an existing phm_edw.

`simulate_day(conn, day, fraction, seed)` writes what a real EDW records in a day, for about
`fraction` of the living patients:

- new encounters (office, telehealth, ED) with a diagnosis each, vitals and sometimes a lab
  (observations), the E/M procedure, and sometimes a prescription (medication_order);
- care gaps opened (a measure due again for a patient who had closed it) and closed (resolved today);
- a few patients moved to another PCP (patient.pcp_provider_id, the attribution ended and a new one
  started), renamed (last_name), or deceased (active_ind 'N', effective_end_date today, their
  coverage and attribution ended);
- corrections (an observation's value, an encounter's reason) with `updated_date` today;
- retractions (`active_ind = 'N'`, `updated_date` today) of observations, diagnoses and procedures;
- a few hard deletes: observations, encounters with every row that points at them, and patients
  with every row that points at them (found from the EDW's foreign keys and `patient_id` columns,
  so tables added later are covered), so the foreign keys still hold.

Deterministic: the random stream is seeded by (seed, day), and every candidate list is read in key
order, so the same EDW, day and seed give the same changes. New rows take ids after the table's
current maximum. Counts per kind of change are fixed by the number of living patients and the
fraction (`plan_counts`), so a test can state them in advance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from phm.db import Connection
from phm.edw.generate import LAST, _csv, _table_columns
from phm.errors import PhmError

SCHEMA = "phm_edw"


@dataclass
class DayResult:
    day: date
    seed: int
    fraction: float
    living_patients: int
    counts: dict[str, int] = field(default_factory=dict)  # kind of change -> how many
    inserted: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)

    @property
    def rows_changed(self) -> int:
        return sum(self.inserted.values()) + sum(self.updated.values()) + sum(self.deleted.values())

    def summary(self) -> str:
        lines = [f"Simulated {self.day} (seed {self.seed}, fraction {self.fraction:g} of "
                 f"{self.living_patients:,} living patients): {self.rows_changed:,} EDW rows changed.",
                 "  " + ", ".join(f"{kind} {n:,}" for kind, n in self.counts.items())]
        tables = sorted(set(self.inserted) | set(self.updated) | set(self.deleted))
        width = max((len(t) for t in tables), default=5)
        lines.append(f"  {'table':<{width}}  inserted  updated  deleted")
        for t in tables:
            lines.append(f"  {t:<{width}}  {self.inserted.get(t, 0):>8,}  {self.updated.get(t, 0):>7,}  "
                         f"{self.deleted.get(t, 0):>7,}")
        return "\n".join(lines)


def plan_counts(living: int, fraction: float) -> dict[str, int]:
    """How many of each kind of change a day brings, from the living patients and the fraction."""
    def share(f: float) -> int:
        return min(living, math.ceil(living * fraction * f)) if fraction > 0 else 0

    return {
        "visits": share(1.0), "gaps_opened": share(0.5), "gaps_closed": share(0.5), "pcp_moves": share(0.1),
        "renames": share(0.05), "deaths": share(0.05), "corrections": share(0.5), "retractions": share(0.1),
        "deleted_observations": share(0.05), "deleted_encounters": share(0.02), "deleted_patients": share(0.002),
    }


def default_day(conn: Connection) -> date:
    """The day after the latest activity in the EDW, so that successive calls simulate successive days."""
    with conn.connect() as pg:
        row = pg.execute(
            "select greatest((select max(greatest(created_date, coalesce(updated_date, created_date))) "
            "from phm_edw.encounter), (select max(greatest(created_date, coalesce(updated_date, created_date))) "
            "from phm_edw.patient))").fetchone()
    if not row or row[0] is None:
        raise PhmError("phm_edw is empty: generate or load an EDW first (phm edw generate).")
    return row[0].date() + timedelta(days=1)


class _Day:
    def __init__(self, pg, day: date, rng: np.random.Generator, result: DayResult) -> None:  # type: ignore[no-untyped-def]
        self.pg = pg
        self.day = day
        self.rng = rng
        self.result = result
        self.cols = _table_columns(pg)
        self.start = datetime.combine(day, datetime.min.time())

    # -- helpers -------------------------------------------------------------------------
    def times(self, k: int, lo_h: int = 8, hi_h: int = 16) -> np.ndarray:
        minutes = self.rng.integers(lo_h * 60, hi_h * 60, k)
        return np.datetime64(self.start, "s") + minutes.astype("timedelta64[m]").astype("timedelta64[s]")

    def ids(self, sql: str, params: tuple = ()) -> np.ndarray:  # type: ignore[type-arg]
        return np.array([r[0] for r in self.pg.execute(sql, params).fetchall()], dtype=np.int64)

    def pick(self, pool: np.ndarray, k: int) -> np.ndarray:
        if k <= 0 or not len(pool):
            return pool[:0]
        return np.sort(self.rng.choice(pool, min(k, len(pool)), replace=False))

    def next_ids(self, table: str, key: str, k: int) -> np.ndarray:
        top = self.pg.execute(f"select coalesce(max({key}), 0) from {SCHEMA}.{table}").fetchone()[0]
        return np.arange(top + 1, top + 1 + k, dtype=np.int64)

    def insert(self, table: str, frame: pd.DataFrame) -> None:
        if not len(frame):
            return
        payload = _csv(table, frame, self.cols[table])
        with self.pg.cursor() as cur, cur.copy(f"copy {SCHEMA}.{table} from stdin with (format csv)") as copy:
            copy.write(payload)
        self.result.inserted[table] = self.result.inserted.get(table, 0) + len(frame)

    def update(self, table: str, key: str, ids: np.ndarray, assignments: str, params: tuple = ()) -> None:  # type: ignore[type-arg]
        if not len(ids):
            return
        n = self.pg.execute(f"update {SCHEMA}.{table} set {assignments} where {key} = any(%s)",
                            (*params, ids.tolist())).rowcount
        self.result.updated[table] = self.result.updated.get(table, 0) + n

    # -- deletes, cascading along the foreign keys --------------------------------------
    def foreign_keys(self) -> list[tuple[str, str, str, str]]:
        """(child table, child column, parent table, parent column) of every single-column FK in phm_edw."""
        return [tuple(r) for r in self.pg.execute(  # type: ignore[misc]
            "select c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, pa.attname "
            "from pg_constraint c join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1] "
            "join pg_attribute pa on pa.attrelid = c.confrelid and pa.attnum = c.confkey[1] "
            "where c.contype = 'f' and c.connamespace = 'phm_edw'::regnamespace and array_length(c.conkey, 1) = 1"
        ).fetchall()]

    def primary_key(self, table: str) -> str | None:
        row = self.pg.execute(
            "select a.attname from pg_index i join pg_attribute a on a.attrelid = i.indrelid "
            "and a.attnum = any(i.indkey) where i.indrelid = %s::regclass and i.indisprimary", (table,)).fetchone()
        return row[0] if row else None

    def delete(self, table: str, column: str, ids: np.ndarray, seen: frozenset[str] = frozenset()) -> None:
        """Delete the rows of `table` whose `column` is in ids, after every row that references them."""
        if not len(ids) or table in seen:
            return
        qualified = table if "." in table else f"{SCHEMA}.{table}"
        key = self.primary_key(qualified)
        children = [(c, cc) for c, cc, p, pc in self.foreign_keys() if p == qualified and c != qualified]
        if column == "patient_id" and qualified.endswith(".patient"):
            # tables without a declared FK still hold the patient's rows
            declared = {(c, cc) for c, cc in children}
            for t, cols in self.cols.items():
                if "patient_id" in cols and t != "patient" and (f"{SCHEMA}.{t}", "patient_id") not in declared:
                    children.append((f"{SCHEMA}.{t}", "patient_id"))
        if key:
            keys = self.ids(f"select {key} from {qualified} where {column} = any(%s) order by 1", (ids.tolist(),))
            for child, child_column in children:
                self.delete(child, child_column, keys, seen | {qualified})
        n = self.pg.execute(f"delete from {qualified} where {column} = any(%s)", (ids.tolist(),)).rowcount
        name = qualified.split(".", 1)[1]
        if n:
            self.result.deleted[name] = self.result.deleted.get(name, 0) + n


def simulate_day(conn: Connection, day: date | None = None, fraction: float = 0.01, seed: int = 42) -> DayResult:
    """Apply one day of activity to phm_edw in one transaction; returns what changed, per table."""
    if not 0 < fraction <= 0.5:
        raise PhmError(f"--fraction must be in (0, 0.5], got {fraction}.")
    day = day or default_day(conn)
    rng = np.random.default_rng([seed, day.toordinal()])
    with conn.connect(autocommit=False) as pg:
        living = pg.execute("select patient_id from phm_edw.patient where active_ind = 'Y' order by 1").fetchall()
        alive = np.array([r[0] for r in living], dtype=np.int64)
        if not len(alive):
            raise PhmError("phm_edw has no living patient to simulate a day for.")
        result = DayResult(day, seed, fraction, len(alive))
        plan = plan_counts(len(alive), fraction)
        d = _Day(pg, day, rng, result)
        _visits(d, d.pick(alive, plan["visits"]))
        _care_gaps(d, alive, plan["gaps_opened"], plan["gaps_closed"])
        _pcp_moves(d, d.pick(alive, plan["pcp_moves"]))
        renamed = d.pick(alive, plan["renames"])
        if len(renamed):
            names = np.array(LAST, dtype=object)[rng.integers(0, len(LAST), len(renamed))]
            for pid, name in zip(renamed.tolist(), names.tolist()):
                pg.execute("update phm_edw.patient set last_name = case when last_name = %s then %s || '-' || last_name "
                           "else %s end, updated_date = %s where patient_id = %s",
                           (name, name, name, d.times(1)[0].item(), pid))
            result.updated["patient"] = result.updated.get("patient", 0) + len(renamed)
        _deaths(d, d.pick(np.setdiff1d(alive, renamed), plan["deaths"]))
        _corrections_and_retractions(d, alive, plan["corrections"], plan["retractions"])
        _hard_deletes(d, alive, plan)
        for table in sorted(result.inserted):
            key = d.primary_key(f"{SCHEMA}.{table}")
            seq = pg.execute("select pg_get_serial_sequence(%s, %s)", (f"{SCHEMA}.{table}", key)).fetchone()
            if seq and seq[0]:
                pg.execute(f"select setval(%s, greatest((select max({key}) from {SCHEMA}.{table}), 1))", (seq[0],))
        result.counts = {k: v for k, v in plan.items()}
        pg.commit()
    return result


def _visits(d: _Day, patients: np.ndarray) -> None:
    k = len(patients)
    if not k:
        return
    rng, pg = d.rng, d.pg
    pcp = dict(pg.execute("select patient_id, pcp_provider_id from phm_edw.patient where patient_id = any(%s)",
                          (patients.tolist(),)).fetchall())
    org = dict(pg.execute("select provider_id, org_id from phm_edw.provider").fetchall())
    hospital = pg.execute("select min(org_id) from phm_edw.organization where organization_type = 'Hospital'").fetchone()[0]
    hospitalists = d.ids("select provider_id from phm_edw.provider where specialty in "
                         "('Emergency Medicine', 'Hospital Medicine') order by 1")
    etype = np.array(["Office Visit", "Telehealth", "Emergency"], dtype=object)[
        rng.choice(3, k, p=[0.75, 0.15, 0.10])]
    ed = etype == "Emergency"
    start = d.times(k)
    provider = np.array([pcp.get(p) for p in patients.tolist()], dtype=object)
    if len(hospitalists):
        provider[ed] = hospitalists[rng.integers(0, len(hospitalists), int(ed.sum()))]
    enc_ids = d.next_ids("encounter", "encounter_id", k)
    d.insert("encounter", pd.DataFrame({
        "encounter_id": enc_ids, "patient_id": patients, "provider_id": provider,
        "org_id": [hospital if e else org.get(p) for e, p in zip(ed, provider)],
        "encounter_number": [f"E{i:09d}" for i in enc_ids], "encounter_type": etype,
        "encounter_reason": np.where(ed, "Emergency evaluation", "Follow-up visit"),
        "admission_datetime": np.where(ed, start, np.datetime64("NaT")),
        "discharge_datetime": np.where(ed, start + np.timedelta64(3, "h"), np.datetime64("NaT")),
        "encounter_datetime": start, "disposition": np.where(ed, "Discharged home", None), "status": "Completed",
        "active_ind": "Y", "created_date": start + np.timedelta64(60, "m"),
    }))
    conditions = d.ids("select condition_id from phm_edw.condition where active_ind = 'Y' order by 1")
    dx_ids = d.next_ids("condition_diagnosis", "condition_diagnosis_id", k)
    d.insert("condition_diagnosis", pd.DataFrame({
        "condition_diagnosis_id": dx_ids, "patient_id": patients, "encounter_id": enc_ids, "provider_id": provider,
        "condition_id": conditions[rng.integers(0, len(conditions), k)],
        "diagnosis_type": np.where(rng.random(k) < 0.5, "Chronic", "Acute"), "diagnosis_status": "Active",
        "onset_date": d.day, "primary_indicator": "Y", "active_ind": "Y",
        "created_date": start + np.timedelta64(90, "m"),
    }))
    # vitals at office visits, an A1c for about a third of the visits
    office = ~ed & (etype == "Office Visit")
    o_pid, o_enc, o_prov, o_ts = patients[office], enc_ids[office], provider[office], start[office]
    m = len(o_pid)
    lab = rng.random(k) < 0.3
    frames = []
    for code, desc, units, value in (
            ("8480-6", "Systolic blood pressure", "mm[Hg]", np.round(rng.normal(132, 14, m))),
            ("8462-4", "Diastolic blood pressure", "mm[Hg]", np.round(rng.normal(80, 9, m))),
            ("39156-5", "Body mass index (BMI) [Ratio]", "kg/m2", np.round(rng.normal(29, 5, m), 1))):
        frames.append(pd.DataFrame({"patient_id": o_pid, "encounter_id": o_enc, "provider_id": o_prov,
                                    "observation_datetime": o_ts + np.timedelta64(10, "m"), "observation_code": code,
                                    "observation_desc": desc, "units": units, "value_numeric": value}))
    frames.append(pd.DataFrame({"patient_id": patients[lab], "encounter_id": enc_ids[lab], "provider_id": provider[lab],
                                "observation_datetime": start[lab] + np.timedelta64(20, "m"), "observation_code": "4548-4",
                                "observation_desc": "Hemoglobin A1c/Hemoglobin.total in Blood", "units": "%",
                                "value_numeric": np.round(rng.normal(7.0, 1.2, int(lab.sum())), 1)}))
    obs = pd.concat(frames, ignore_index=True)
    obs.insert(0, "observation_id", d.next_ids("observation", "observation_id", len(obs)))
    obs["status"] = "Final"
    obs["active_ind"] = "Y"
    obs["created_date"] = obs.observation_datetime + np.timedelta64(30, "m")
    d.insert("observation", obs)
    procedures = dict(pg.execute("select procedure_code, procedure_id from phm_edw.procedure").fetchall())
    em = np.where(ed, "99284", np.where(etype == "Telehealth", "99213", "99214"))
    if all(c in procedures for c in set(em.tolist())):
        d.insert("procedure_performed", pd.DataFrame({
            "procedure_performed_id": d.next_ids("procedure_performed", "procedure_performed_id", k),
            "patient_id": patients, "encounter_id": enc_ids, "provider_id": provider,
            "procedure_id": [procedures[c] for c in em], "procedure_datetime": start, "active_ind": "Y",
            "created_date": start + np.timedelta64(60, "m")}))
    rx = rng.random(k) < 0.3
    meds = d.ids("select medication_id from phm_edw.medication where active_ind = 'Y' order by 1")
    r = int(rx.sum())
    if r and len(meds):
        d.insert("medication_order", pd.DataFrame({
            "medication_order_id": d.next_ids("medication_order", "medication_order_id", r),
            "patient_id": patients[rx], "encounter_id": enc_ids[rx], "provider_id": provider[rx],
            "medication_id": meds[rng.integers(0, len(meds), r)], "dosage": "1 tablet", "frequency": "Once daily",
            "route": "Oral", "start_datetime": start[rx], "end_datetime": start[rx] + np.timedelta64(90, "D"),
            "prescription_status": "Active", "refill_count": rng.integers(0, 6, r), "active_ind": "Y",
            "created_date": start[rx] + np.timedelta64(60, "m")}))


def _care_gaps(d: _Day, alive: np.ndarray, opened: int, closed: int) -> None:
    pg = d.pg
    done = pg.execute("select care_gap_id, patient_id, measure_id, bundle_id from phm_edw.care_gap "
                      "where lower(gap_status) = 'closed' and active_ind = 'Y' and patient_id = any(%s) "
                      "order by care_gap_id", (d.pick(alive, opened * 4).tolist(),)).fetchall()
    if done and opened:
        rows = [done[i] for i in sorted(d.rng.choice(len(done), min(opened, len(done)), replace=False))]
        when = d.times(len(rows))
        d.insert("care_gap", pd.DataFrame({
            "care_gap_id": d.next_ids("care_gap", "care_gap_id", len(rows)),
            "patient_id": [r[1] for r in rows], "measure_id": [r[2] for r in rows], "gap_status": "Open",
            "identified_date": when, "active_ind": "Y", "created_date": when, "bundle_id": [r[3] for r in rows],
            "due_date": d.day + timedelta(days=90), "gap_priority": "Medium"}))
    still_open = d.ids("select care_gap_id from phm_edw.care_gap where lower(gap_status) = 'open' "
                       "and active_ind = 'Y' and patient_id = any(%s) order by 1", (d.pick(alive, closed * 4).tolist(),))
    to_close = d.pick(still_open, closed)
    when = d.times(1)[0].item()
    d.update("care_gap", "care_gap_id", to_close, "gap_status = 'Closed', resolved_date = %s, updated_date = %s",
             (when, when))


def _pcp_moves(d: _Day, patients: np.ndarray) -> None:
    if not len(patients):
        return
    pg = d.pg
    pcps = d.ids("select distinct pcp_provider_id from phm_edw.patient where pcp_provider_id is not null order by 1")
    org = dict(pg.execute("select provider_id, org_id from phm_edw.provider").fetchall())
    current = dict(pg.execute("select patient_id, pcp_provider_id from phm_edw.patient where patient_id = any(%s)",
                              (patients.tolist(),)).fetchall())
    when = d.times(1)[0].item()
    new_pcp = []
    for pid in patients.tolist():
        options = pcps[pcps != (current.get(pid) or -1)]
        new_pcp.append(int(options[d.rng.integers(0, len(options))]) if len(options) else current.get(pid))
    for pid, pcp in zip(patients.tolist(), new_pcp):
        pg.execute("update phm_edw.patient set pcp_provider_id = %s, updated_date = %s where patient_id = %s",
                   (pcp, when, pid))
    d.result.updated["patient"] = d.result.updated.get("patient", 0) + len(patients)
    programs = dict(pg.execute("select patient_id, max(program_name) from phm_edw.patient_attribution "
                               "where patient_id = any(%s) group by 1", (patients.tolist(),)).fetchall())
    _end_attribution(d, patients, when)
    d.insert("patient_attribution", pd.DataFrame({
        "attribution_id": d.next_ids("patient_attribution", "attribution_id", len(patients)),
        "patient_id": patients, "provider_id": new_pcp, "org_id": [org.get(p) for p in new_pcp],
        "program_name": [programs.get(p, "Commercial PCP Attribution") for p in patients.tolist()],
        "attribution_start_date": d.day, "active_ind": "Y", "created_date": when}))


def _end_attribution(d: _Day, patients: np.ndarray, when: datetime) -> None:
    ids = d.ids("select attribution_id from phm_edw.patient_attribution where patient_id = any(%s) "
                "and active_ind = 'Y' and attribution_end_date is null order by 1", (patients.tolist(),))
    d.update("patient_attribution", "attribution_id", ids,
             "attribution_end_date = %s, active_ind = 'N', updated_date = %s", (d.day - timedelta(days=1), when))


def _deaths(d: _Day, patients: np.ndarray) -> None:
    if not len(patients):
        return
    when = d.times(1)[0].item()
    d.update("patient", "patient_id", patients, "active_ind = 'N', effective_end_date = %s, updated_date = %s",
             (d.day, when))
    _end_attribution(d, patients, when)
    cov = d.ids("select coverage_id from phm_edw.patient_insurance_coverage where patient_id = any(%s) "
                "and coverage_end_date is null order by 1", (patients.tolist(),))
    d.update("patient_insurance_coverage", "coverage_id", cov, "coverage_end_date = %s, updated_date = %s",
             (d.day, when))


def _corrections_and_retractions(d: _Day, alive: np.ndarray, corrections: int, retractions: int) -> None:
    when = d.times(1)[0].item()
    obs = d.ids("select observation_id from phm_edw.observation where patient_id = any(%s) and active_ind = 'Y' "
                "and value_numeric is not null order by 1", (d.pick(alive, corrections + retractions).tolist(),))
    chosen = d.pick(obs, corrections + retractions)
    corrected, retracted = chosen[:corrections], chosen[corrections:]
    d.update("observation", "observation_id", corrected,
             "value_numeric = round(value_numeric * 1.05, 1) + 1, updated_date = %s", (when,))
    d.update("observation", "observation_id", retracted, "active_ind = 'N', updated_date = %s", (when,))
    enc = d.ids("select encounter_id from phm_edw.encounter where patient_id = any(%s) order by 1",
                (d.pick(alive, max(1, corrections // 5)).tolist(),))
    d.update("encounter", "encounter_id", d.pick(enc, max(1, corrections // 5)),
             "encounter_reason = encounter_reason || ' (corrected)', updated_date = %s", (when,))
    for table, key in (("condition_diagnosis", "condition_diagnosis_id"), ("procedure_performed", "procedure_performed_id")):
        rows = d.ids(f"select {key} from phm_edw.{table} where patient_id = any(%s) and active_ind = 'Y' order by 1",
                     (d.pick(alive, retractions).tolist(),))
        d.update(table, key, d.pick(rows, retractions), "active_ind = 'N', updated_date = %s", (when,))


def _hard_deletes(d: _Day, alive: np.ndarray, plan: dict[str, int]) -> None:
    obs = d.ids("select observation_id from phm_edw.observation where patient_id = any(%s) order by 1",
                (d.pick(alive, plan["deleted_observations"]).tolist(),))
    d.delete("observation", "observation_id", d.pick(obs, plan["deleted_observations"]))
    enc = d.ids("select encounter_id from phm_edw.encounter where patient_id = any(%s) order by 1",
                (d.pick(alive, plan["deleted_encounters"]).tolist(),))
    d.delete("encounter", "encounter_id", d.pick(enc, plan["deleted_encounters"]))
    d.delete("patient", "patient_id", d.pick(alive, plan["deleted_patients"]))
