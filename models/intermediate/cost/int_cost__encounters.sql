-- int_cost__encounters: one row per encounter that has claim lines, with the member month of its first
-- service date, its inpatient stay dates and readmission flag, and its ED acuity.
-- (doc readmission_30d_rule) (doc avoidable_ed_rule)
with lines as (
    select * from {{ ref('int_cost__claim_lines') }}
),

encounters as (
    select * from {{ ref('stg_phm_edw__encounter') }}
),

encounter_types as (
    select * from {{ ref('encounter_types') }}
),

ed_levels as (
    select * from {{ ref('ed_em_levels') }}
),

by_encounter as (
    select
        lines.encounter_id,
        min(lines.patient_id) as patient_id,
        min(lines.service_date) as service_date,
        max(ed_levels.acuity_level) as ed_acuity_level
    from lines
    left join ed_levels
        on lines.cpt_code = ed_levels.cpt_code
    where lines.encounter_id is not null
    group by lines.encounter_id
),

first_lines as (
    select distinct on (lines.encounter_id)
        lines.encounter_id,
        lines.org_id,
        lines.aco_org_id,
        lines.payer_id,
        lines.is_member_claim
    from lines
    where lines.encounter_id is not null
    order by lines.encounter_id asc, lines.service_date asc, lines.line_item_id asc
),

stays as (
    select
        encounters.encounter_id,
        encounters.patient_id,
        cast(coalesce(encounters.admission_datetime, encounters.encounter_datetime) as date) as admit_date,
        cast(
            coalesce(encounters.discharge_datetime, encounters.admission_datetime, encounters.encounter_datetime)
            as date
        ) as discharge_date
    from encounters
    inner join encounter_types
        on encounters.encounter_type = encounter_types.encounter_type
    where encounter_types.is_inpatient and encounters.is_active
),

readmitted as (
    select
        index_stays.encounter_id,
        bool_or(later_stays.encounter_id is not null) as is_readmitted_30d
    from stays as index_stays
    left join stays as later_stays
        on
            index_stays.patient_id = later_stays.patient_id
            and index_stays.encounter_id != later_stays.encounter_id
            and index_stays.discharge_date <= later_stays.admit_date
            and later_stays.admit_date <= index_stays.discharge_date + 30
            and index_stays.admit_date < later_stays.admit_date
    group by index_stays.encounter_id
),

final as (
    select
        by_encounter.encounter_id,
        by_encounter.patient_id,
        first_lines.org_id,
        first_lines.aco_org_id,
        first_lines.payer_id,
        first_lines.is_member_claim,
        by_encounter.service_date,
        coalesce(encounter_types.is_inpatient, false) as is_inpatient,
        coalesce(encounter_types.is_emergency, false) as is_emergency,
        stays.admit_date,
        stays.discharge_date,
        case when stays.encounter_id is not null then greatest(stays.discharge_date - stays.admit_date, 1) end
            as length_of_stay_days,
        coalesce(stays.discharge_date + 30 < {{ run_date() }}, false) as is_readmission_index,
        coalesce(readmitted.is_readmitted_30d, false) as is_readmitted_30d,
        by_encounter.ed_acuity_level,
        coalesce(ed_levels.is_potentially_avoidable, false) and coalesce(encounter_types.is_emergency, false)
            as is_potentially_avoidable_ed
    from by_encounter
    inner join first_lines
        on by_encounter.encounter_id = first_lines.encounter_id
    inner join encounters
        on by_encounter.encounter_id = encounters.encounter_id
    left join encounter_types
        on encounters.encounter_type = encounter_types.encounter_type
    left join stays
        on by_encounter.encounter_id = stays.encounter_id
    left join readmitted
        on by_encounter.encounter_id = readmitted.encounter_id
    left join ed_levels
        on by_encounter.ed_acuity_level = ed_levels.acuity_level
)

select * from final
