-- base_phm_edw__encounter_diagnosis_code: every phm_edw.encounter_diagnosis_code row, cleaned,
-- with the first rule it breaks (NULL when none).
-- stg_phm_edw__encounter_diagnosis_code keeps the clean rows; stg_phm_edw__rejects keeps the others with the reason.
-- The declaration is read by stage_edw_base (macros/staging/stage_edw.sql).
{% set table = {
    'name': 'encounter_diagnosis_code',
    'key': 'code_id',
    'natural_key': ['encounter_id', 'icd10_code'],
    'columns': [
        'code_id',
        'encounter_id',
        'patient_id',
        {'name': 'icd10_code', 'clean': 'icd10'},
        {'name': 'icd10_description', 'clean': 'text'},
        'diagnosis_pointer',
        {'name': 'hcc_code', 'clean': 'code'},
        {'name': 'hcc_description', 'clean': 'text'},
        'hcc_weight',
        {'name': 'cpt_code', 'clean': 'code'},
        {'name': 'modifier', 'clean': 'code'},
        'is_billable'
    ],
    'parents': [
        {'column': 'encounter_id', 'model': 'stg_phm_edw__encounter', 'parent_column': 'encounter_id'},
        {'column': 'patient_id', 'model': 'stg_phm_edw__patient', 'parent_column': 'patient_id'}
    ],
    'rules': [
        {'rule': 'null_code', 'column': 'icd10_code', 'when': "icd10_code is null"},
        {'rule': 'malformed_code', 'column': 'icd10_code', 'when': icd10cm_malformed('icd10_code')},
        {'rule': 'out_of_range_value', 'column': 'diagnosis_pointer', 'when': "diagnosis_pointer not between 1 and 12"},
        {'rule': 'malformed_code', 'column': 'cpt_code', 'when': cpt_hcpcs_malformed('cpt_code')},
        {'rule': 'malformed_code', 'column': 'modifier', 'when': modifier_malformed('modifier')},
        {'rule': 'out_of_range_value', 'column': 'hcc_weight', 'when': "hcc_weight < 0"}
    ]
} %}

{{ stage_edw_base(table) }}
