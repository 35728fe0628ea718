"""Staging of the 20 tables of EDW migrations 010-012, on hand-made rows.

One EDW is built twice through the staging layer (`dbt build --select path:models/staging/phm_edw`,
every data and unit test included): first with the 20 tables empty, as on an older EDW, then with
a few rows per table written below, each bad row with the rule and column it must be rejected for
(worked out by hand from the declaration in its base model). A row expected `None` is kept.
Also checks the code-shape macros (CPT/HCPCS, NDC, NCPDP, NPI, pointers) on hand-picked codes.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from typing import Any

import pytest
from psycopg.types.json import Jsonb

from phm import db
from phm.db import Connection
from phm.edw.ddl import init_schema
from phm.orchestrate import _environ, dbt_environment, run_dbt
from phm.paths import project_root

# Two staging builds (~100 s on 2 shared cores): slow.
pytestmark = pytest.mark.slow

RUN_DATE = "2026-06-30"
VARS = ["--vars", f"{{run_date: '{RUN_DATE}'}}"]
NEW_TABLES = [
    "appointment", "clinic_resource", "patient_check_in", "problem_list", "provider_schedule", "telehealth_session",
    "billing_claim", "billing_line_item", "drug_interaction_alert", "e_prescription", "encounter_diagnosis_code",
    "insurance_eligibility", "medication_reconciliation", "payment", "pharmacy", "prior_authorization",
    "refill_request", "provider_incentive", "quality_reporting_period", "quality_score",
]
KEYS = {
    "appointment": "appointment_id", "clinic_resource": "resource_id", "patient_check_in": "check_in_id",
    "problem_list": "problem_id", "provider_schedule": "schedule_id", "telehealth_session": "session_id",
    "billing_claim": "claim_id", "billing_line_item": "line_item_id", "drug_interaction_alert": "alert_id",
    "e_prescription": "erx_id", "encounter_diagnosis_code": "code_id", "insurance_eligibility": "eligibility_id",
    "medication_reconciliation": "reconciliation_id", "payment": "payment_id", "pharmacy": "pharmacy_id",
    "prior_authorization": "auth_id", "refill_request": "refill_id", "provider_incentive": "incentive_id",
    "quality_reporting_period": "period_id", "quality_score": "score_id",
}

# Parents in the core tables: one of each, all clean.
PARENTS = [
    "insert into phm_edw.organization (org_id, organization_name) values (1, 'Clinic')",
    "insert into phm_edw.provider (provider_id, first_name, last_name, org_id) values (1, 'Ann', 'Lee', 1)",
    "insert into phm_edw.patient (patient_id, first_name, last_name, date_of_birth) values (1, 'Bo', 'Ray', '1960-01-01')",
    "insert into phm_edw.encounter (encounter_id, patient_id, provider_id, org_id, encounter_datetime) "
    "values (1, 1, 1, 1, '2026-06-01 09:00')",
    "insert into phm_edw.payer (payer_id, payer_name, payer_type) values (1, 'Medicare', 'Medicare')",
    "insert into phm_edw.medication (medication_id, medication_code, medication_name, code_system) "
    "values (1, '617310', 'atorvastatin 20 MG Oral Tablet', 'RXNORM')",
    "insert into phm_edw.medication_order (medication_order_id, patient_id, medication_id, provider_id, start_datetime) "
    "values (1, 1, 1, 1, '2026-06-01 09:30')",
    "insert into phm_edw.measure_definition (measure_id, measure_code, measure_name) values (1, 'DM-01', 'HbA1c')",
    "insert into phm_edw.condition_bundle (bundle_id, bundle_code, condition_name, icd10_pattern) "
    "values (1, 'DM2', 'Diabetes', 'E11%')",
    "insert into phm_edw.condition (condition_id, condition_code, condition_name, code_system) "
    "values (1, 'E11.9', 'Type 2 diabetes', 'ICD-10-CM')",
]

Row = tuple[dict[str, Any], tuple[str, str] | None]
C = "created_date"

# table -> rows in insert order, each with the (reject_rule, reject_column) expected, None when kept.
ROWS: dict[str, list[Row]] = {
    "clinic_resource": [
        ({"resource_id": 1, "org_id": 1, "resource_name": "Exam 1", "resource_type": "exam_room", "capacity": 1}, None),
        ({"resource_id": 2, "org_id": 1, "resource_name": "Exam 2", "resource_type": "exam_room", "capacity": 0},
         ("out_of_range_value", "capacity")),
        ({"resource_id": 3, "org_id": 99, "resource_name": "Exam 3", "resource_type": "exam_room"}, ("orphan_fk", "org_id")),
    ],
    "appointment": [
        ({"appointment_id": 1, "patient_id": 1, "provider_id": 1, "org_id": 1, "encounter_id": 1, "resource_id": 1,
          "appointment_date": "2026-06-01", "start_time": "09:00", "end_time": "09:30", "status": " completed "}, None),
        ({"appointment_id": 2, "patient_id": 1, "provider_id": 1, "appointment_date": "2026-06-02",
          "start_time": "09:00", "end_time": "08:30"}, ("invalid_period", "end_time")),
        # 2029-01-01 is past the 730-day horizon (2028-06-29); 2026-12-01 is a booked future date, kept
        ({"appointment_id": 3, "patient_id": 1, "provider_id": 1, "appointment_date": "2029-01-01",
          "start_time": "09:00", "end_time": "09:30"}, ("out_of_range_date", "appointment_date")),
        ({"appointment_id": 4, "patient_id": 1, "provider_id": 1, "resource_id": 2, "appointment_date": "2026-06-03",
          "start_time": "09:00", "end_time": "09:30"}, ("orphan_fk", "resource_id")),  # its resource was rejected
        ({"appointment_id": 5, "patient_id": 1, "provider_id": 1, "appointment_date": "2026-12-01",
          "start_time": "09:00", "end_time": "09:30", "is_telehealth": True}, None),
        ({"appointment_id": 6, "patient_id": 1, "provider_id": 1, "appointment_date": "2026-06-04",
          "start_time": "09:00", "end_time": "09:30", "visit_start_time": "2026-06-04 09:10",
          "visit_end_time": "2026-06-04 09:05"}, ("invalid_period", "visit_end_time")),
    ],
    "patient_check_in": [
        # rows 1 and 2 are one check-in loaded twice: the later-created row 2 is kept
        ({"check_in_id": 1, "appointment_id": 1, "patient_id": 1, "check_in_timestamp": "2026-06-01 08:55",
          "copay_amount": 25, C: "2026-06-01 09:00"}, ("duplicate_record", "appointment_id")),
        ({"check_in_id": 2, "appointment_id": 1, "patient_id": 1, "check_in_timestamp": "2026-06-01 08:55",
          "copay_amount": 25, C: "2026-06-01 09:05"}, None),
        ({"check_in_id": 3, "appointment_id": 5, "patient_id": 1, "check_in_timestamp": "2026-06-01 08:55",
          "copay_amount": -5}, ("negative_amount", "copay_amount")),
        ({"check_in_id": 4, "appointment_id": 2, "patient_id": 1, "check_in_timestamp": "2026-06-02 08:55"},
         ("orphan_fk", "appointment_id")),
    ],
    "problem_list": [
        ({"problem_id": 1, "patient_id": 1, "condition_id": 1, "problem_name": "Type 2 diabetes", "icd10_code": " e11.9 "},
         None),
        ({"problem_id": 2, "patient_id": 1, "problem_name": "Broken", "icd10_code": "E11.9X!"},
         ("malformed_code", "icd10_code")),
        ({"problem_id": 3, "patient_id": 1, "problem_name": "Asthma", "icd10_code": "J45.909", "onset_date": "2020-01-01",
          "resolved_date": "2019-01-01"}, ("invalid_period", "resolved_date")),
        # the same problem_id twice (the test drops the primary key): the later update is kept
        ({"problem_id": 4, "patient_id": 1, "problem_name": "HTN old", "icd10_code": "I10",
          "updated_date": "2026-05-01"}, ("duplicate_key", "problem_id")),
        ({"problem_id": 4, "patient_id": 1, "problem_name": "HTN new", "icd10_code": "I10",
          "updated_date": "2026-05-02"}, None),
    ],
    "provider_schedule": [
        ({"schedule_id": 1, "provider_id": 1, "org_id": 1, "day_of_week": 1, "start_time": "08:00", "end_time": "12:00",
          "effective_date": "2026-01-01"}, None),
        ({"schedule_id": 2, "provider_id": 1, "day_of_week": 7, "start_time": "08:00", "end_time": "12:00",
          "effective_date": "2026-01-01"}, ("out_of_range_value", "day_of_week")),
        ({"schedule_id": 3, "provider_id": 1, "day_of_week": 2, "start_time": "08:00", "end_time": "08:00",
          "effective_date": "2026-01-01"}, ("invalid_period", "end_time")),
        ({"schedule_id": 4, "provider_id": 1, "day_of_week": 3, "start_time": "08:00", "end_time": "12:00",
          "effective_date": "2026-01-01", "end_date": "2025-12-31"}, ("invalid_period", "end_date")),
        ({"schedule_id": 5, "provider_id": 1, "day_of_week": 4, "start_time": "08:00", "end_time": "12:00",
          "slot_duration_min": 0, "effective_date": "2026-01-01"}, ("out_of_range_value", "slot_duration_min")),
    ],
    "telehealth_session": [
        ({"session_id": 1, "appointment_id": 5, "patient_id": 1, "provider_id": 1, "actual_start": "2026-06-02 10:00",
          "actual_end": "2026-06-02 10:20", "duration_min": 20, "session_token": "secret"}, None),
        ({"session_id": 2, "patient_id": 1, "provider_id": 1, "actual_start": "2026-06-02 10:00",
          "actual_end": "2026-06-02 09:50"}, ("invalid_period", "actual_end")),
        ({"session_id": 3, "patient_id": 1, "provider_id": 1, "duration_min": -1}, ("out_of_range_value", "duration_min")),
        ({"session_id": 4, "patient_id": 1, "provider_id": 1, "actual_start": "2026-08-01 10:00"},
         ("out_of_range_date", "actual_start")),
    ],
    "billing_claim": [
        ({"claim_id": 1, "patient_id": 1, "encounter_id": 1, "payer_id": 1, "provider_id": 1, "claim_number": "CLM-1",
          "service_date": "2026-06-01", "submission_date": "2026-06-03", "remittance_date": "2026-06-20",
          "total_charges": 150, "allowed_amount": 100, "paid_amount": 80, "patient_responsibility": 20,
          C: "2026-06-03 10:00"}, None),
        # the same claim number (after cleaning), loaded earlier: the duplicate
        ({"claim_id": 2, "patient_id": 1, "claim_number": " clm-1", "service_date": "2026-06-01", "total_charges": 150,
          C: "2026-06-02 10:00"}, ("duplicate_record", "claim_number")),
        ({"claim_id": 3, "patient_id": 1, "service_date": "2026-06-01", "total_charges": -10},
         ("negative_amount", "total_charges")),
        ({"claim_id": 4, "patient_id": 1, "service_date": "2026-06-01", "submission_date": "2026-05-01"},
         ("invalid_period", "submission_date")),
        # no claim number: never a duplicate record of one another
        ({"claim_id": 5, "patient_id": 1, "service_date": "2026-06-01"}, None),
        ({"claim_id": 6, "patient_id": 1, "service_date": "2026-06-01"}, None),
        ({"claim_id": 7, "patient_id": 1, "service_date": "2026-06-01", "paid_amount": -1},
         ("negative_amount", "paid_amount")),
        ({"claim_id": 8, "patient_id": 1, "payer_id": 99, "service_date": "2026-06-01"}, ("orphan_fk", "payer_id")),
        ({"claim_id": 9, "patient_id": 1, "service_date": "2026-06-01", "remittance_date": "2026-07-05"},
         ("out_of_range_date", "remittance_date")),
    ],
    "billing_line_item": [
        ({"line_item_id": 1, "claim_id": 1, "cpt_code": "99213", "modifier": "25", "icd10_pointer_1": "1",
          "charge_amount": 150, "allowed_amount": 100, "paid_amount": 80}, None),
        ({"line_item_id": 2, "claim_id": 1, "cpt_code": "3046f", "icd10_pointer_1": "A", "charge_amount": 0}, None),
        ({"line_item_id": 3, "claim_id": 1, "cpt_code": "0042T", "charge_amount": 10}, None),
        ({"line_item_id": 4, "claim_id": 1, "cpt_code": "G0439", "modifier": "gt", "charge_amount": 10}, None),
        ({"line_item_id": 5, "claim_id": 1, "cpt_code": "D0120", "icd10_pointer_1": "E11.9", "charge_amount": 10}, None),
        ({"line_item_id": 6, "claim_id": 1, "cpt_code": "9921", "charge_amount": 10}, ("malformed_code", "cpt_code")),
        ({"line_item_id": 7, "claim_id": 1, "cpt_code": "W1234", "charge_amount": 10}, ("malformed_code", "cpt_code")),
        ({"line_item_id": 8, "claim_id": 1, "cpt_code": "0001X", "charge_amount": 10}, ("malformed_code", "cpt_code")),
        ({"line_item_id": 9, "claim_id": 1, "cpt_code": " ", "charge_amount": 10}, ("null_code", "cpt_code")),
        ({"line_item_id": 10, "claim_id": 1, "cpt_code": "99213", "modifier": "255", "charge_amount": 10},
         ("malformed_code", "modifier")),
        ({"line_item_id": 11, "claim_id": 1, "cpt_code": "99213", "icd10_pointer_1": "13", "charge_amount": 10},
         ("malformed_code", "icd10_pointer_1")),
        ({"line_item_id": 12, "claim_id": 1, "cpt_code": "99213", "icd10_pointer_1": "M", "charge_amount": 10},
         ("malformed_code", "icd10_pointer_1")),
        ({"line_item_id": 13, "claim_id": 1, "cpt_code": "99213", "units": 0, "charge_amount": 10},
         ("out_of_range_value", "units")),
        ({"line_item_id": 14, "claim_id": 1, "cpt_code": "99213", "charge_amount": -1}, ("negative_amount", "charge_amount")),
        ({"line_item_id": 15, "claim_id": 1, "cpt_code": "99213", "charge_amount": 10, "allowed_amount": -1},
         ("negative_amount", "allowed_amount")),
        ({"line_item_id": 16, "claim_id": 3, "cpt_code": "99213", "charge_amount": 10}, ("orphan_fk", "claim_id")),
    ],
    "drug_interaction_alert": [
        ({"alert_id": 1, "patient_id": 1, "drug_1_name": "lisinopril", "drug_2_name": "spironolactone",
          "interaction_type": "major", "description": "hyperkalemia", "triggered_datetime": "2026-06-01 10:00",
          "acknowledged_by": 1, "acknowledged_datetime": "2026-06-01 10:05"}, None),
        ({"alert_id": 2, "patient_id": 1, "drug_1_name": "a", "drug_2_name": "b", "interaction_type": "minor",
          "description": "x", "triggered_datetime": "2026-06-01 10:00", "acknowledged_datetime": "2026-06-01 09:00"},
         ("invalid_period", "acknowledged_datetime")),
        ({"alert_id": 3, "patient_id": 1, "drug_1_name": "a", "drug_2_name": "b", "interaction_type": "minor",
          "description": "x", "triggered_datetime": "2026-06-01 10:00", "acknowledged_by": 99},
         ("orphan_fk", "acknowledged_by")),
    ],
    "pharmacy": [
        # 0999017: 0 + 9 + 0 + 2 x (9 + 9 + 1) = 47, check digit 7
        ({"pharmacy_id": 1, "pharmacy_name": "Main St", "ncpdp_id": "0999017", C: "2026-01-02"}, None),
        ({"pharmacy_id": 2, "pharmacy_name": "Six", "ncpdp_id": "123456"}, ("malformed_code", "ncpdp_id")),
        ({"pharmacy_id": 3, "pharmacy_name": "Eight", "ncpdp_id": "12345678"}, ("malformed_code", "ncpdp_id")),
        ({"pharmacy_id": 4, "pharmacy_name": "No id 1"}, None),
        ({"pharmacy_id": 5, "pharmacy_name": "No id 2"}, None),
        ({"pharmacy_id": 6, "pharmacy_name": "Main St again", "ncpdp_id": "0999017", C: "2026-01-01"},
         ("duplicate_record", "ncpdp_id")),
        ({"pharmacy_id": 7, "pharmacy_name": "Padded", "ncpdp_id": " 0999029 "}, None),
        ({"pharmacy_id": 8, "pharmacy_name": "Wrong check digit", "ncpdp_id": "0999018"}, ("malformed_code", "ncpdp_id")),
    ],
    "e_prescription": [
        ({"erx_id": 1, "medication_order_id": 1, "patient_id": 1, "prescriber_id": 1, "pharmacy_id": 1,
          "drug_name": "atorvastatin", "ndc_code": "00071-0155-23", "sig": "1 daily", "quantity": "30",
          "days_supply": 30, "sent_datetime": "2026-06-01 10:00", "filled_datetime": "2026-06-01 15:00"}, None),
        ({"erx_id": 2, "patient_id": 1, "prescriber_id": 1, "drug_name": "d", "ndc_code": "0071-0155-23", "sig": "s",
          "quantity": "1"}, None),
        ({"erx_id": 3, "patient_id": 1, "prescriber_id": 1, "drug_name": "d", "ndc_code": "12345-678-90", "sig": "s",
          "quantity": "1"}, None),
        ({"erx_id": 4, "patient_id": 1, "prescriber_id": 1, "drug_name": "d", "ndc_code": "12345-6789-1", "sig": "s",
          "quantity": "1"}, None),
        ({"erx_id": 5, "patient_id": 1, "prescriber_id": 1, "drug_name": "d", "ndc_code": "00071015523", "sig": "s",
          "quantity": "1"}, None),
        ({"erx_id": 6, "patient_id": 1, "prescriber_id": 1, "drug_name": "d", "ndc_code": "0071015523", "sig": "s",
          "quantity": "1"}, ("malformed_code", "ndc_code")),
        ({"erx_id": 7, "patient_id": 1, "prescriber_id": 1, "drug_name": "d", "ndc_code": "12345-67-890", "sig": "s",
          "quantity": "1"}, ("malformed_code", "ndc_code")),
        ({"erx_id": 8, "patient_id": 1, "prescriber_id": 1, "drug_name": "d", "sig": "s", "quantity": "1",
          "days_supply": 0}, ("out_of_range_value", "days_supply")),
        ({"erx_id": 9, "patient_id": 1, "prescriber_id": 1, "drug_name": "d", "sig": "s", "quantity": "1",
          "refills_authorized": -1}, ("out_of_range_value", "refills_authorized")),
        ({"erx_id": 10, "patient_id": 1, "prescriber_id": 1, "drug_name": "d", "sig": "s", "quantity": "1",
          "sent_datetime": "2026-06-02 10:00", "filled_datetime": "2026-06-01 10:00"},
         ("invalid_period", "filled_datetime")),
        ({"erx_id": 11, "patient_id": 1, "prescriber_id": 1, "pharmacy_id": 2, "drug_name": "d", "sig": "s",
          "quantity": "1"}, ("orphan_fk", "pharmacy_id")),
        ({"erx_id": 12, "patient_id": 1, "prescriber_id": 99, "drug_name": "d", "sig": "s", "quantity": "1"},
         ("orphan_fk", "prescriber_id")),
        # erx 1 sent again under another id, loaded earlier: the same prescription
        ({"erx_id": 13, "patient_id": 1, "prescriber_id": 1, "drug_name": "atorvastatin", "sig": "1 daily",
          "quantity": "30", "sent_datetime": "2026-06-01 10:00", C: "2026-06-01 09:00"},
         ("duplicate_record", "patient_id")),
    ],
    "encounter_diagnosis_code": [
        ({"code_id": 1, "encounter_id": 1, "patient_id": 1, "icd10_code": "E11.9", "icd10_description": "T2DM",
          "cpt_code": "99213", C: "2026-06-02"}, None),
        ({"code_id": 2, "encounter_id": 1, "patient_id": 1, "icd10_code": "I10", "icd10_description": "HTN",
          "diagnosis_pointer": 2}, None),
        # E119 is E11.9 once normalised: the same diagnosis of the same encounter, loaded earlier
        ({"code_id": 3, "encounter_id": 1, "patient_id": 1, "icd10_code": "e119", "icd10_description": "T2DM",
          C: "2026-06-01"}, ("duplicate_record", "encounter_id")),
        ({"code_id": 4, "encounter_id": 1, "patient_id": 1, "icd10_code": "J45.909", "icd10_description": "x",
          "diagnosis_pointer": 13}, ("out_of_range_value", "diagnosis_pointer")),
        ({"code_id": 5, "encounter_id": 1, "patient_id": 1, "icd10_code": "123", "icd10_description": "x"},
         ("malformed_code", "icd10_code")),
        ({"code_id": 6, "encounter_id": 1, "patient_id": 1, "icd10_code": " ", "icd10_description": "x"},
         ("null_code", "icd10_code")),
        ({"code_id": 7, "encounter_id": 1, "patient_id": 1, "icd10_code": "E78.5", "icd10_description": "x",
          "cpt_code": "ABCDE"}, ("malformed_code", "cpt_code")),
        ({"code_id": 8, "encounter_id": 1, "patient_id": 1, "icd10_code": "E66.9", "icd10_description": "x",
          "hcc_weight": -0.1}, ("out_of_range_value", "hcc_weight")),
    ],
    "insurance_eligibility": [
        ({"eligibility_id": 1, "patient_id": 1, "payer_id": 1, "checked_datetime": "2026-06-01 08:00", "appointment_id": 1,
          "eligibility_status": "active", "coverage_start": "2026-01-01", "coverage_end": "2026-12-31",
          "copay_amount": 25, "deductible_remaining": 500, "out_of_pocket_max": 3000}, None),
        ({"eligibility_id": 2, "patient_id": 1, "checked_datetime": "2026-06-01 08:00", "eligibility_status": "active",
          "coverage_start": "2026-01-01", "coverage_end": "2025-12-31"}, ("invalid_period", "coverage_end")),
        ({"eligibility_id": 3, "patient_id": 1, "checked_datetime": "2026-06-01 08:00", "eligibility_status": "active",
          "deductible_remaining": -1}, ("negative_amount", "deductible_remaining")),
        ({"eligibility_id": 4, "patient_id": 1, "checked_datetime": "2026-09-01 08:00", "eligibility_status": "active"},
         ("out_of_range_date", "checked_datetime")),
    ],
    "medication_reconciliation": [
        ({"reconciliation_id": 1, "patient_id": 1, "referral_id": 555, "encounter_id": 1, "reconciled_by": 1,
          "reconciled_datetime": "2026-06-01 10:00", "source": "visit", "medications_added": Jsonb([])}, None),
        ({"reconciliation_id": 2, "patient_id": 1, "reconciled_datetime": "1850-01-01"},
         ("out_of_range_date", "reconciled_datetime")),
        ({"reconciliation_id": 3, "patient_id": 1, "encounter_id": 99, "reconciled_datetime": "2026-06-01"},
         ("orphan_fk", "encounter_id")),
    ],
    "payment": [
        ({"payment_id": 1, "claim_id": 1, "patient_id": 1, "payer_id": 1, "payment_date": "2026-06-20",
          "payment_type": "insurance", "payment_method": "EFT", "payment_amount": 80}, None),
        ({"payment_id": 2, "claim_id": 1, "patient_id": 1, "payment_date": "2026-06-25", "payment_type": "patient",
          "payment_amount": 20}, None),
        # documented adjustments may be negative
        ({"payment_id": 3, "claim_id": 1, "patient_id": 1, "payment_date": "2026-06-20", "payment_type": "adjustment",
          "payment_amount": -50}, None),
        ({"payment_id": 4, "claim_id": 1, "patient_id": 1, "payment_date": "2026-06-26", "payment_type": " Refund",
          "payment_amount": -20}, None),
        ({"payment_id": 5, "claim_id": 1, "patient_id": 1, "payment_date": "2026-06-20", "payment_type": "insurance",
          "payment_amount": -80}, ("negative_amount", "payment_amount")),
        ({"payment_id": 6, "claim_id": 3, "patient_id": 1, "payment_date": "2026-06-20", "payment_amount": 5},
         ("orphan_fk", "claim_id")),
        ({"payment_id": 7, "claim_id": 1, "patient_id": 1, "payment_date": "2026-07-15", "payment_amount": 5},
         ("out_of_range_date", "payment_date")),
    ],
    "prior_authorization": [
        ({"auth_id": 1, "patient_id": 1, "payer_id": 1, "order_id": 77, "service_type": "imaging",
          "service_description": "MRI lumbar spine", "cpt_code": "72148", "icd10_code": "M54.5",
          "requested_datetime": "2026-06-01 10:00", "auth_status": "Approved", "approved_units": 1,
          "approved_from": "2026-06-05", "approved_to": "2026-09-05", "submitted_by": 1}, None),
        ({"auth_id": 2, "patient_id": 1, "service_type": "imaging", "service_description": "x", "cpt_code": "7214", "requested_datetime": "2026-06-01"},
         ("malformed_code", "cpt_code")),
        ({"auth_id": 3, "patient_id": 1, "service_type": "imaging", "service_description": "x", "icd10_code": "M5", "requested_datetime": "2026-06-01"},
         ("malformed_code", "icd10_code")),
        ({"auth_id": 4, "patient_id": 1, "service_type": "imaging", "service_description": "x",
          "approved_from": "2026-06-05", "approved_to": "2026-06-01", "requested_datetime": "2026-06-01"}, ("invalid_period", "approved_to")),
        ({"auth_id": 5, "patient_id": 1, "service_type": "imaging", "service_description": "x", "approved_units": -1, "requested_datetime": "2026-06-01"},
         ("out_of_range_value", "approved_units")),
        ({"auth_id": 6, "patient_id": 1, "service_type": "imaging", "service_description": "x", "submitted_by": 99, "requested_datetime": "2026-06-01"},
         ("orphan_fk", "submitted_by")),
    ],
    "refill_request": [
        ({"refill_id": 1, "patient_id": 1, "medication_order_id": 1, "pharmacy_id": 1, "drug_name": "atorvastatin",
          "requested_datetime": "2026-06-10 09:00", "request_status": "Approved", "provider_id": 1,
          "reviewed_datetime": "2026-06-11 09:00"}, None),
        ({"refill_id": 2, "patient_id": 1, "drug_name": "d", "requested_datetime": "2026-06-10 09:00",
          "reviewed_datetime": "2026-06-09 09:00"}, ("invalid_period", "reviewed_datetime")),
        ({"refill_id": 3, "patient_id": 1, "medication_order_id": 99, "drug_name": "d",
          "requested_datetime": "2026-06-10 09:00"}, ("orphan_fk", "medication_order_id")),
    ],
    "quality_reporting_period": [
        ({"period_id": 1, "period_name": "2026 Q2", "start_date": "2026-04-01", "end_date": "2026-06-30",
          "reporting_year": 2026, "reporting_quarter": 2, C: "2026-03-01"}, None),
        ({"period_id": 2, "period_name": "bad", "start_date": "2026-07-01", "end_date": "2026-06-30",
          "reporting_year": 2026}, ("invalid_period", "end_date")),
        ({"period_id": 3, "period_name": "Q5", "start_date": "2026-01-01", "end_date": "2026-03-31",
          "reporting_year": 2026, "reporting_quarter": 5}, ("out_of_range_value", "reporting_quarter")),
        ({"period_id": 4, "period_name": "2026 Q2 copy", "start_date": "2026-04-01", "end_date": "2026-06-30",
          "reporting_year": 2026, "reporting_quarter": 2, C: "2026-02-01"}, ("duplicate_record", "program")),
        ({"period_id": 5, "period_name": "2026", "period_type": "annual", "start_date": "2026-01-01",
          "end_date": "2026-12-31", "reporting_year": 2026}, None),
    ],
    "provider_incentive": [
        ({"incentive_id": 1, "provider_id": 1, "period_id": 1, "base_compensation": 200000, "incentive_potential": 10000,
          "incentive_earned": 7500, "performance_rate": 75, "payment_date": "2026-08-15"}, None),
        ({"incentive_id": 2, "provider_id": 1, "period_id": 1, "incentive_earned": -1},
         ("negative_amount", "incentive_earned")),
        ({"incentive_id": 3, "provider_id": 1, "period_id": 1, "performance_rate": 120},
         ("out_of_range_value", "performance_rate")),
        ({"incentive_id": 4, "provider_id": 1, "period_id": 2}, ("orphan_fk", "period_id")),
    ],
    "quality_score": [
        ({"score_id": 1, "provider_id": 1, "period_id": 1, "measure_id": 1, "bundle_id": 1, "numerator_count": 45,
          "denominator_count": 60, "performance_rate": 0.75, "benchmark_percentile": 80, "mips_points_earned": 7.5}, None),
        ({"score_id": 2, "provider_id": 1, "period_id": 1, "numerator_count": 70, "denominator_count": 60},
         ("out_of_range_value", "numerator_count")),
        ({"score_id": 3, "provider_id": 1, "period_id": 1, "benchmark_percentile": 101},
         ("out_of_range_value", "benchmark_percentile")),
        ({"score_id": 4, "provider_id": 1, "period_id": 1, "denominator_count": -1},
         ("out_of_range_value", "denominator_count")),
        ({"score_id": 5, "provider_id": 1, "period_id": 1, "bundle_id": 99}, ("orphan_fk", "bundle_id")),
        ({"score_id": 6, "provider_id": 1, "period_id": 1, "mips_points_earned": -1},
         ("out_of_range_value", "mips_points_earned")),
    ],
}
# Insert order: parents first.
ORDER = ["clinic_resource", "appointment", "patient_check_in", "problem_list", "provider_schedule",
         "telehealth_session", "billing_claim", "billing_line_item", "drug_interaction_alert", "pharmacy",
         "e_prescription", "encounter_diagnosis_code", "insurance_eligibility", "medication_reconciliation", "payment",
         "prior_authorization", "refill_request", "quality_reporting_period", "provider_incentive", "quality_score"]


NEW_MODELS = [f"{layer}_phm_edw__{t}" for t in NEW_TABLES for layer in ("base", "stg")]


def _build(conn: Connection, models: list[str]) -> None:
    """Run the models, then every test of the new stg models and of the rejects (reconciliation included)."""
    for args in (["run", "--select", *models], ["test", "--select", *NEW_MODELS, "stg_phm_edw__rejects",
                                                 "--indirect-selection", "cautious"]):
        result = run_dbt(conn, [*args, *VARS], "staging", show_progress=False)
        assert result.ok, result.failures
        assert set(result.counts) <= {"success", "pass"}, result.counts


def _insert(pg: Any, table: str, row: dict[str, Any]) -> None:
    cols = list(row)
    pg.execute(f"insert into phm_edw.{table} ({', '.join(cols)}) values ({', '.join(['%s'] * len(cols))})",
               [row[c] for c in cols])


@pytest.fixture(scope="module")
def edw(server: Connection) -> Iterator[Connection]:
    conn = db.create_database(server, "phm_test_staging", recreate=True)
    init_schema(conn)
    with conn.connect() as pg:
        for sql in PARENTS:
            pg.execute(sql)
    seeds = run_dbt(conn, ["seed", *VARS], "seed", show_progress=False)  # staging reads the value maps and ranges
    assert seeds.ok, seeds.failures
    yield conn


@pytest.fixture(scope="module")
def empty_build(edw: Connection) -> dict[str, int]:
    """The staging build on an EDW whose 20 new tables are empty (an older EDW after `phm edw init`)."""
    _build(edw, ["path:models/staging/phm_edw"])
    with edw.connect() as pg:
        return {t: int(pg.execute(f"select count(*) from phm_stg.stg_phm_edw__{t}").fetchone()[0])  # type: ignore[index]
                for t in NEW_TABLES}


@pytest.fixture(scope="module")
def loaded(edw: Connection, empty_build: dict[str, int]) -> Connection:
    with edw.connect(autocommit=False) as pg:
        # bad rows include orphans, which the EDW's foreign keys would refuse; the staging layer must catch them
        pg.execute("set local session_replication_role = replica")
        pg.execute("alter table phm_edw.problem_list drop constraint problem_list_pkey")
        for table in ORDER:
            for row, _ in ROWS[table]:
                _insert(pg, table, row)
        pg.commit()
    _build(edw, [*NEW_MODELS, "stg_phm_edw__rejects"])
    return edw


def test_every_new_table_is_declared_and_tested() -> None:
    assert sorted(ROWS) == sorted(NEW_TABLES) == sorted(ORDER)
    rejects_sql = (project_root() / "models/staging/phm_edw/stg_phm_edw__rejects.sql").read_text()
    for table in NEW_TABLES:
        base = project_root() / f"models/staging/phm_edw/base/base_phm_edw__{table}.sql"
        assert "{{ stage_edw_base(table) }}" in base.read_text(), table
        assert f"{{'table': '{table}', 'key': '{KEYS[table]}'}}" in rejects_sql
    assert rejects_sql.count("{'table': ") == 46


def test_empty_new_tables_build_green(empty_build: dict[str, int]) -> None:
    assert empty_build == {t: 0 for t in NEW_TABLES}


@pytest.mark.parametrize("table", NEW_TABLES)
def test_each_bad_row_is_rejected_for_its_rule(loaded: Connection, table: str) -> None:
    key = KEYS[table]
    with loaded.connect() as pg:
        kept = sorted(r[0] for r in pg.execute(f"select {key} from phm_stg.stg_phm_edw__{table}").fetchall())
        rejected = sorted(pg.execute(
            "select cast(source_key as integer), reject_rule, reject_column from phm_stg.stg_phm_edw__rejects "
            "where source_table = %s", (table,)).fetchall())
        source = int(pg.execute(f"select count(*) from phm_edw.{table}").fetchone()[0])  # type: ignore[index]
    expected_kept = sorted(row[key] for row, verdict in ROWS[table] if verdict is None)
    expected_rejected = sorted((row[key], *verdict) for row, verdict in ROWS[table] if verdict is not None)
    assert kept == expected_kept
    assert rejected == expected_rejected
    assert source == len(kept) + len(rejected) == len(ROWS[table])


def test_cleaned_values(loaded: Connection) -> None:
    with loaded.connect() as pg:
        def one(sql: str) -> Any:
            return pg.execute(sql).fetchone()[0]  # type: ignore[index]

        assert one("select appointment_status from phm_stg.stg_phm_edw__appointment where appointment_id = 1") == "COMPLETED"
        assert one("select icd10_code from phm_stg.stg_phm_edw__problem_list where problem_id = 1") == "E119"
        assert one("select problem_name from phm_stg.stg_phm_edw__problem_list where problem_id = 4") == "HTN new"
        assert one("select ncpdp_id from phm_stg.stg_phm_edw__pharmacy where pharmacy_id = 7") == "0999029"
        assert one("select reconciliation_source from phm_stg.stg_phm_edw__medication_reconciliation") == "VISIT"
        assert one("select icd10_pointer_1 from phm_stg.stg_phm_edw__billing_line_item where line_item_id = 5") == "E119"
        ndc = dict(pg.execute("select erx_id, ndc_11 from phm_stg.stg_phm_edw__e_prescription").fetchall())
        # 5-4-2 as is; 4-4-2 pads the labeler, 5-3-2 the product, 5-4-1 the package; 11 digits as is
        assert ndc == {1: "00071015523", 2: "00071015523", 3: "12345067890", 4: "12345678901", 5: "00071015523"}
        cols = [r[0] for r in pg.execute(
            "select column_name from information_schema.columns where table_schema = 'phm_stg' "
            "and table_name = 'stg_phm_edw__telehealth_session'").fetchall()]
        assert "session_token" not in cols and "session_id" in cols


# value, and whether it is malformed, per shape macro; worked out by hand from each code system's layout
SHAPES: dict[str, list[tuple[str | None, bool]]] = {
    "cpt_hcpcs_malformed": [("99213", False), ("00100", False), ("3046F", False), ("0042T", False), ("G0439", False),
                            ("A0428", False), ("V2020", False), ("W1234", True), ("9921", True), ("992134", True),
                            ("3046X", True), ("G043", True), (None, False)],
    "ndc_malformed": [("00071-0155-23", False), ("0071-0155-23", False), ("12345-678-90", False),
                      ("12345-6789-1", False), ("00071015523", False), ("0071015523", True), ("12345-67-890", True),
                      ("1234-5678-9", True), ("0007101552A", True), (None, False)],
    # check digit: last digit of (d1 + d3 + d5) + 2 x (d2 + d4 + d6); 1234567: 9 + 24 = 33, so 3, not 7
    "ncpdp_malformed": [("0999017", False), ("0999031", False), ("0000000", False), ("0999018", True),
                        ("1234567", True), ("123456", True), ("12345678", True), ("12345A7", True), (None, False)],
    # 1234567893: digits 1,3,5,7,9 doubled give 2,6,1,5,9 (23), digits 2,4,6,8 add 20, the 80840 prefix 24:
    # 67, so the check digit is 3. 1245319599: 1,4,3,9,9 doubled give 2,8,6,9,9 (34), 2,5,1,5 add 13,
    # 24 + 34 + 13 = 71, so the check digit is 9.
    "npi_malformed": [("1234567893", False), ("1234567890", True), ("1245319599", False), ("1245319590", True),
                      ("123456789", True), ("12345678931", True), ("ABCDEFGHIJ", True), (None, False)],
    "icd10_pointer_malformed": [("1", False), ("12", False), ("A", False), ("L", False), ("E119", False),
                                ("13", True), ("0", True), ("M", True), (None, False)],
    "icd10cm_malformed": [("E119", False), ("I10", False), ("S72001A", False), ("E11", False), ("123", True),
                          ("M5", True), ("E119X!", True), (None, False)],
    "modifier_malformed": [("25", False), ("GT", False), ("59", False), ("255", True), ("G", True), (None, False)],
}


def test_code_shape_macros(edw: Connection) -> None:
    from dbt.cli.main import dbtRunner

    branches = []
    for macro, cases in SHAPES.items():
        for i, (value, _) in enumerate(cases):
            literal = "null" if value is None else f"'{value}'"
            branches.append(f"select '{macro}' as macro, {i} as i, "
                            f"{{{{ {macro}(\"cast({literal} as text)\") }}}} as malformed")
    sql = "\nunion all\n".join(branches)
    # the same vars as the builds, so that dbt reuses its partial parse
    args = ["--quiet", "compile", "--inline", sql, *VARS, "--project-dir", str(project_root()),
            "--profiles-dir", str(project_root())]
    with _environ(dbt_environment(edw)), contextlib.redirect_stdout(io.StringIO()):
        result = dbtRunner().invoke(args)
    assert result.success, result.exception
    compiled = str(result.result.results[0].node.compiled_code)
    with edw.connect() as pg:
        got = {(m, i): bool(v) for m, i, v in pg.execute(compiled).fetchall()}
    expected = {(m, i): bad for m, cases in SHAPES.items() for i, (_, bad) in enumerate(cases)}
    assert got == expected
