"""The Synthea loader fills the operational tables it has data for: appointments, claims, fills, claim lines
and payments (the last two only from claims_transactions.csv, written here by hand for two claims).

Expected values come from the CSV files read with plain pandas, or are worked out by hand.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from phm.db import Connection
from phm.edw import ddl
from phm.edw.synthea import load_synthea
from test_synthea import FIXTURE, csv

pytestmark = pytest.mark.skipif(not (FIXTURE / "patients.csv").is_file(), reason=f"Synthea fixture not found at {FIXTURE}")


def query(conn: Connection, sql: str) -> pd.DataFrame:
    with conn.connect() as pg:
        cur = pg.execute(sql)
        return pd.DataFrame(cur.fetchall(), columns=[d.name for d in cur.description])  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def loaded(test_db: Connection) -> Connection:
    ddl.init_schema(test_db, reset=True)
    load_synthea(test_db, FIXTURE)
    return test_db


def test_booked_encounters_become_completed_appointments(loaded: Connection) -> None:
    enc = csv("encounters")
    booked = enc[enc.ENCOUNTERCLASS.isin(["ambulatory", "wellness", "outpatient", "virtual"]) & (enc.PROVIDER != "")]
    appt = query(loaded, "select a.*, e.encounter_number from phm_edw.appointment a "
                         "join phm_edw.encounter e using (encounter_id)")
    assert len(appt) == len(booked) > 400
    assert set(appt.encounter_number) == set(booked.Id)
    assert (appt.status == "Completed").all()
    virtual = set(booked.Id[booked.ENCOUNTERCLASS == "virtual"])
    assert set(appt.encounter_number[appt.is_telehealth]) == virtual
    first = booked.iloc[0]
    row = appt.set_index("encounter_number").loc[first.Id]
    assert str(row.start_time) == first.START[11:19]  # UTC export, UTC load


def test_claims_csv_rows_become_claims_without_amounts(loaded: Connection) -> None:
    claims = csv("claims")
    got = query(loaded, "select c.*, e.encounter_number from phm_edw.billing_claim c "
                        "left join phm_edw.encounter e using (encounter_id)")
    assert len(got) == len(claims) == 1267
    assert set(got.claim_number) == set(claims.Id)
    by = got.set_index("claim_number")
    insured = claims[claims.PRIMARYPATIENTINSURANCEID != "0"]
    assert by.loc[insured.Id, "payer_id"].notna().all()
    assert (by.loc[claims.Id[claims.PRIMARYPATIENTINSURANCEID == "0"], "claim_status"] == "Self-Pay").all()
    billed = claims[(claims.STATUSP == "BILLED") & (claims.PRIMARYPATIENTINSURANCEID != "0")]
    assert (by.loc[billed.Id, "claim_status"] == "Submitted").all()
    assert (by.claim_type.loc[claims.Id[claims.HEALTHCARECLAIMTYPEID1 == "2"]] == "institutional").all()
    assert (by.encounter_number.loc[claims.Id] == claims.APPOINTMENTID.to_numpy()).all()
    # claims.csv (v3) holds no money: without claims_transactions.csv there are no lines, payments or amounts
    assert got.allowed_amount.isna().all() and (got.total_charges == 0).all()
    assert query(loaded, "select count(*) n from phm_edw.billing_line_item").n[0] == 0


def test_dispenses_become_fills_of_the_last_three_years(loaded: Connection) -> None:
    # lisinopril 10 MG for patient 5f8d3e13...: 2023-11-26 to 2024-01-21 (56 days), 56 dispenses -> 56 rows of 1 day
    fills = query(loaded, "select e.* from phm_edw.e_prescription e join phm_edw.medication_order o using (medication_order_id) "
                          "join phm_edw.patient p on p.patient_id = o.patient_id join phm_edw.medication m using (medication_id) "
                          "where p.mrn like '5f8d3e13%' and m.medication_code = '314076' "
                          "and o.start_datetime = '2023-11-26 06:01:15'")
    assert len(fills) == 56
    assert (fills.days_supply == 1).all() and (fills.transmission_status == "Filled").all()
    assert str(fills.filled_datetime.min()) == "2023-11-26 06:01:15"
    # daily refills are sent half a day before they are filled: refill 1 at 2023-11-26 18:01:15, never with the order
    assert fills.sent_datetime.is_unique
    assert str(sorted(fills.sent_datetime)[1]) == "2023-11-26 18:01:15"
    meds = csv("medications")
    orders = query(loaded, "select count(distinct medication_order_id) n from phm_edw.e_prescription")
    assert orders.n[0] == query(loaded, "select count(*) n from phm_edw.medication_order").n[0]
    assert len(meds) > orders.n[0]  # duplicates in medications.csv are loaded once


def test_claims_transactions_give_lines_payments_and_amounts(test_db: Connection, tmp_path: Path) -> None:
    export = tmp_path / "export"
    shutil.copytree(FIXTURE, export)
    claims = csv("claims")
    a, b = claims.Id.iloc[0], claims.Id.iloc[1]
    header = "ID,CLAIMID,CHARGEID,PATIENTID,TYPE,AMOUNT,METHOD,FROMDATE,TODATE,PROCEDURECODE,MODIFIER1,UNITS,TRANSFERTYPE"
    pa, pb = claims.PATIENTID.iloc[0], claims.PATIENTID.iloc[1]
    rows = [
        f"t1,{a},1,{pa},CHARGE,100.00,,2023-01-27T16:17:47Z,,401191002,,1,",
        f"t2,{a},1,{pa},PAYMENT,80.00,ECHECK,2023-02-20T00:00:00Z,,,,,1",
        f"t3,{a},1,{pa},PAYMENT,20.00,COPAY,2023-01-27T16:17:47Z,,,,,p",
        f"t4,{a},1,{pa},ADJUSTMENT,-10.00,,2023-02-20T00:00:00Z,,,,,",
        f"t5,{b},1,{pb},CHARGE,250.50,,2023-10-10T04:17:47Z,,999999999,,2,",
        f"t6,{b},1,{pb},TRANSFEROUT,250.50,,2023-10-20T00:00:00Z,,,,,1",
        f"t7,{b},1,{pb},PAYMENT,abc,CHECK,2023-10-30T00:00:00Z,,,,,1",
    ]
    (export / "claims_transactions.csv").write_text(header + "\n" + "\n".join(rows) + "\n")
    ddl.init_schema(test_db, reset=True)
    result = load_synthea(test_db, export)
    assert any(p.file == "claims_transactions.csv" and p.line == 8 and "AMOUNT" in p.reason for p in result.malformed)
    claim = query(test_db, "select * from phm_edw.billing_claim").set_index("claim_number")
    assert claim.loc[a, "total_charges"] == 100 and claim.loc[a, "paid_amount"] == 80
    assert claim.loc[a, "patient_responsibility"] == 20 and claim.loc[a, "allowed_amount"] == 90
    assert claim.loc[b, "total_charges"] == pytest.approx(250.5) and pd.isna(claim.loc[b, "paid_amount"])
    lines = query(test_db, "select l.*, c.claim_number from phm_edw.billing_line_item l join phm_edw.billing_claim c "
                           "using (claim_id) order by l.charge_amount")
    assert list(lines.cpt_code) == ["2028F", "999999999"]  # SNOMED 401191002 -> CPT II 2028F; unknown code kept
    assert list(lines.units) == [1, 2] and float(lines.paid_amount.iloc[0]) == 80
    pay = query(test_db, "select p.*, c.claim_number from phm_edw.payment p join phm_edw.billing_claim c using (claim_id) "
                         "order by payment_amount")
    assert list(pay.payment_type) == ["adjustment", "patient", "insurance"]
    assert list(pay.payment_amount.astype(float)) == [10.0, 20.0, 80.0]
    assert pay.payer_id.iloc[2] == claim.loc[a, "payer_id"] and pd.isna(pay.payer_id.iloc[1])
