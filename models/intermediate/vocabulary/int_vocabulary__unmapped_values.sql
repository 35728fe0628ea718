-- int_vocabulary__unmapped_values: one row per vocabulary x raw spelling that seeds/reference/value_map.csv
-- does not know, with how many kept staging rows carry it. The rows themselves are kept, with the value
-- UNMAPPED; this table is what the warn-level data test and `phm run`'s summary report. (A care-gap status the
-- map does not know is rejected in base_phm_edw__care_gap instead: the status decides whether a gap is open.)
{{ config(materialized='table') }}

with encounters as (
    select * from {{ ref('stg_phm_edw__encounter') }}
),

diagnoses as (
    select * from {{ ref('stg_phm_edw__condition_diagnosis') }}
),

patients as (
    select * from {{ ref('stg_phm_edw__patient') }}
),

payers as (
    select * from {{ ref('stg_phm_edw__payer') }}
),

unmapped as (
    select
        'encounter_type' as vocabulary,
        encounter_type_as_received as raw_value
    from encounters
    where encounter_type = 'UNMAPPED'
    union all
    select
        'diagnosis_type' as vocabulary,
        diagnosis_type_as_received as raw_value
    from diagnoses
    where diagnosis_type = 'UNMAPPED'
    union all
    select
        'diagnosis_status' as vocabulary,
        diagnosis_status_as_received as raw_value
    from diagnoses
    where diagnosis_status = 'UNMAPPED'
    union all
    select
        'gender' as vocabulary,
        gender_as_received as raw_value
    from patients
    where gender = 'UNMAPPED'
    union all
    select
        'race' as vocabulary,
        race_as_received as raw_value
    from patients
    where race = 'UNMAPPED'
    union all
    select
        'ethnicity' as vocabulary,
        ethnicity_as_received as raw_value
    from patients
    where ethnicity = 'UNMAPPED'
    union all
    select
        'payer_type' as vocabulary,
        payer_type_as_received as raw_value
    from payers
    where payer_type = 'UNMAPPED'
),

final as (
    select
        cast(vocabulary as varchar(50)) as vocabulary,
        cast(raw_value as varchar(200)) as raw_value,
        count(*) as row_count
    from unmapped
    group by vocabulary, raw_value
)

select * from final
