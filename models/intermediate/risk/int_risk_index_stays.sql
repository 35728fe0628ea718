-- int_risk_index_stays: one row per inpatient stay with its discharge, the feature date its READMIT_30D
-- features are taken from, and whether an inpatient admission followed within
-- var('risk_readmission_days') days of the discharge (NULL until that window has passed). For the LACE
-- index (python/phm/risk/lace.py) also: whether the admission was emergent (an ED visit of the patient on
-- the admission day or the day before) and the ED visits in the 182 days before that.
with encounters as (
    select * from {{ ref('stg_phm_edw__encounter') }}
),

encounter_types as (
    select * from {{ ref('encounter_types') }}
),

stays as (
    select
        encounters.encounter_id,
        encounters.patient_id,
        encounters.admission_datetime,
        encounters.discharge_datetime
    from encounters
    inner join encounter_types
        on encounters.encounter_type = encounter_types.encounter_type
    where
        encounter_types.is_inpatient
        and encounters.admission_datetime is not null
        and encounters.discharge_datetime > encounters.admission_datetime
),

ed_visits as (
    select
        patient_id,
        cast(encounter_datetime as date) as visit_date
    from encounters
    where upper(encounter_type) = 'EMERGENCY' and encounter_datetime is not null
),

-- acuity (the admission came through the ED) and prior ED use, as the LACE index reads them
ed_use as (
    select
        stays.encounter_id,
        bool_or(
            ed_visits.visit_date between cast(stays.admission_datetime as date) - 1
            and cast(stays.admission_datetime as date)
        ) as is_emergent_admission,
        count(*) filter (
            where ed_visits.visit_date >= cast(stays.admission_datetime as date) - 182
            and ed_visits.visit_date < cast(stays.admission_datetime as date) - 1
        ) as ed_visits_6mo_before
    from stays
    inner join ed_visits
        on
            stays.patient_id = ed_visits.patient_id
            and ed_visits.visit_date between cast(stays.admission_datetime as date) - 182
            and cast(stays.admission_datetime as date)
    group by stays.encounter_id
),

readmissions as (
    select
        index_stays.encounter_id,
        min(later_stays.admission_datetime) as readmitted_at
    from stays as index_stays
    inner join stays as later_stays
        on
            index_stays.patient_id = later_stays.patient_id
            and index_stays.discharge_datetime < later_stays.admission_datetime
            and later_stays.admission_datetime
            <= index_stays.discharge_datetime + interval '{{ var("risk_readmission_days") }} days'
    group by index_stays.encounter_id
),

-- the latest feature date on or before the admission day (features are known at the start of it)
dated as (
    select
        stays.*,
        cast(
            ceil(
                ({{ run_date() }} - cast(stays.admission_datetime as date))
                / cast({{ var('risk_cutoff_spacing_days') }} as numeric)
            ) as integer
        ) as cutoffs_back
    from stays
),

final as (
    select
        dated.encounter_id,
        dated.patient_id,
        cast(dated.admission_datetime as date) as admission_date,
        cast(dated.discharge_datetime as date) as discharge_date,
        case
            when dated.cutoffs_back between 0 and {{ var('risk_feature_cutoffs') }}
                then cast({{ run_date() }} - dated.cutoffs_back * {{ var('risk_cutoff_spacing_days') }} as date)
        end as feature_date,
        cast(readmissions.readmitted_at as date) as readmission_date,
        case
            when dated.discharge_datetime + interval '{{ var("risk_readmission_days") }} days' <= {{ run_date() }}
                then readmissions.readmitted_at is not null
        end as is_readmitted,
        coalesce(ed_use.is_emergent_admission, false) as is_emergent_admission,
        coalesce(ed_use.ed_visits_6mo_before, 0) as ed_visits_6mo_before
    from dated
    left join readmissions
        on dated.encounter_id = readmissions.encounter_id
    left join ed_use
        on dated.encounter_id = ed_use.encounter_id
)

select * from final
