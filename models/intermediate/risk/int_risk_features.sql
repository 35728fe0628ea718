-- int_risk_features: one row per patient x feature date, holding what was known about the patient at the
-- start of that day, and the ED label of the window after it. Feature dates are the run date and
-- var('risk_feature_cutoffs') earlier cutoffs, var('risk_cutoff_spacing_days') apart: `phm score` trains
-- on the early cutoffs, validates on a later one and scores the run date (python/phm/risk).
with patients as (
    select * from {{ ref('stg_phm_edw__patient') }}
),

encounters as (
    select * from {{ ref('stg_phm_edw__encounter') }}
),

encounter_types as (
    select * from {{ ref('encounter_types') }}
),

diagnoses as (
    select * from {{ ref('int_risk_diagnoses') }}
),

condition_bundles as (
    select * from {{ ref('int_care_gaps__condition_bundles') }}
),

assessments as (
    select * from {{ ref('stg_phm_edw__sdoh_assessment') }}
),

coverages as (
    select * from {{ ref('stg_phm_edw__patient_insurance_coverage') }}
),

payers as (
    select * from {{ ref('stg_phm_edw__payer') }}
),

care_gaps as (
    select * from {{ ref('stg_phm_edw__care_gap') }}
),

feature_dates as (
    select
        cutoffs_back,
        feature_date,
        feature_date - 182 as half_year_before,
        feature_date - {{ var('risk_lookback_days') }} as lookback_start,
        feature_date + {{ var('risk_ed_window_days') }} as label_window_end
    from (
        select
            cutoffs_back,
            cast({{ run_date() }} - cutoffs_back * {{ var('risk_cutoff_spacing_days') }} as date) as feature_date
        from generate_series(0, {{ var('risk_feature_cutoffs') }}) as cutoffs_back
    ) as cutoffs
),

-- every patient on record by the feature date
patient_dates as (
    select
        patients.patient_id,
        feature_dates.feature_date,
        feature_dates.cutoffs_back,
        feature_dates.label_window_end,
        patients.is_active as is_active_patient,
        patients.gender,
        cast(extract(year from age(feature_dates.feature_date, patients.date_of_birth)) as integer) as age_years
    from patients
    cross join feature_dates
    where
        patients.date_of_birth < feature_dates.feature_date
        -- point in time for the training cutoffs; every current patient is scored at the run date,
        -- even when the EDW row was created later (a bulk-loaded or migrated EDW)
        and (
            feature_dates.cutoffs_back = 0
            or patients.created_at is null
            or patients.created_at < feature_dates.feature_date
        )
),

encounter_events as (
    select
        encounters.patient_id,
        encounters.encounter_datetime,
        coalesce(encounter_types.is_emergency, false) as is_ed_visit,
        coalesce(encounter_types.is_inpatient, false) as is_inpatient_stay,
        coalesce(encounter_types.is_visit, false) as is_office_visit
    from encounters
    left join encounter_types
        on encounters.encounter_type = encounter_types.encounter_type
    where encounters.encounter_datetime is not null
),

-- encounters in the look-back window before each feature date
utilization as (
    select
        feature_dates.feature_date,
        events.patient_id,
        count(*) filter (where events.is_ed_visit) as ed_visits_12mo,
        count(*) filter (where events.is_ed_visit and events.encounter_datetime >= feature_dates.half_year_before)
            as ed_visits_6mo,
        count(*) filter (where events.is_inpatient_stay) as inpatient_stays_12mo,
        count(*) filter (where events.is_office_visit) as office_visits_12mo,
        max(events.encounter_datetime) as last_encounter_at
    from encounter_events as events
    inner join feature_dates
        on
            events.encounter_datetime < feature_dates.feature_date
            and events.encounter_datetime >= feature_dates.lookback_start
    group by feature_dates.feature_date, events.patient_id
),

-- ED visits in the label window after each feature date
ed_after as (
    select
        feature_dates.feature_date,
        encounter_events.patient_id,
        count(*) as ed_visits_after
    from encounter_events
    inner join feature_dates
        on
            encounter_events.encounter_datetime >= feature_dates.feature_date
            and encounter_events.encounter_datetime < feature_dates.label_window_end
    where encounter_events.is_ed_visit
    group by feature_dates.feature_date, encounter_events.patient_id
),

condition_periods as (
    select
        diagnoses.patient_id,
        condition_bundles.bundle_code,
        diagnoses.onset_date,
        diagnoses.resolution_date
    from diagnoses
    inner join condition_bundles
        on diagnoses.condition_id = condition_bundles.condition_id
),

conditions_at as (
    select
        feature_dates.feature_date,
        condition_periods.patient_id,
        array_agg(distinct condition_periods.bundle_code order by condition_periods.bundle_code) as active_bundle_codes
    from condition_periods
    inner join feature_dates
        on
            condition_periods.onset_date < feature_dates.feature_date
            and (
                condition_periods.resolution_date is null
                or condition_periods.resolution_date >= feature_dates.feature_date
            )
    group by feature_dates.feature_date, condition_periods.patient_id
),

-- the latest screening before each feature date
sdoh_ranked as (
    select
        feature_dates.feature_date,
        assessments.patient_id,
        assessments.assessment_date,
        assessments.has_food_insecurity,
        {{ is_unstable_housing('assessments.housing_status') }} as has_housing_instability,
        assessments.has_transportation_barrier,
        assessments.social_isolation_score,
        row_number() over (
            partition by feature_dates.feature_date, assessments.patient_id
            order by assessments.assessment_date desc, assessments.sdoh_assessment_id desc
        ) as recency
    from assessments
    inner join feature_dates
        on assessments.assessment_date < feature_dates.feature_date
    where assessments.is_active
),

sdoh_at as (
    select * from sdoh_ranked
    where recency = 1
),

-- coverage periods covering the feature date (the EDW's active flag is today's, so periods decide)
coverage_at as (
    select
        feature_dates.feature_date,
        coverages.patient_id,
        bool_or(upper(payers.payer_type) = 'MEDICAID') as has_medicaid,
        bool_or(upper(payers.payer_type) in ('MEDICARE', 'MEDICARE ADVANTAGE')) as has_medicare
    from coverages
    inner join payers
        on coverages.payer_id = payers.payer_id
    inner join feature_dates
        on
            coverages.coverage_start_date <= feature_dates.feature_date
            and (coverages.coverage_end_date is null or coverages.coverage_end_date >= feature_dates.feature_date)
    where coverages.is_active or coverages.coverage_end_date is not null
    group by feature_dates.feature_date, coverages.patient_id
),

-- EDW care gaps identified before the feature date: open then (not closed before it), overdue (open
-- past their due date) or closed before it; excluded gaps count in neither
gap_events as (
    select
        patient_id,
        identified_date,
        due_date,
        case when upper(gap_status) = 'CLOSED' then coalesce(resolved_date, identified_date) end as closed_at
    from care_gaps
    where
        is_active
        and upper(gap_status) in ('OPEN', 'CLOSED')
        and identified_date is not null
),

gap_states as (
    select
        feature_dates.feature_date,
        gap_events.patient_id,
        gap_events.due_date < feature_dates.feature_date as is_past_due,
        coalesce(gap_events.closed_at < feature_dates.feature_date, false) as is_closed
    from gap_events
    inner join feature_dates
        on gap_events.identified_date < feature_dates.feature_date
),

gaps_at as (
    select
        feature_date,
        patient_id,
        count(*) filter (where not is_closed) as open_care_gaps,
        count(*) filter (where not is_closed and is_past_due) as overdue_care_gaps,
        count(*) filter (where is_closed) as closed_care_gaps
    from gap_states
    group by feature_date, patient_id
),

final as (
    select
        patient_dates.patient_id,
        patient_dates.feature_date,
        patient_dates.cutoffs_back,
        patient_dates.is_active_patient,
        -- demographics
        patient_dates.age_years,
        case upper(patient_dates.gender)
            when 'FEMALE' then 'F'
            when 'F' then 'F'
            when 'MALE' then 'M'
            when 'M' then 'M'
        end as sex,
        coalesce(coverage_at.has_medicare, false) as has_medicare,
        coalesce(coverage_at.has_medicaid, false) as has_medicaid,
        -- chronic conditions: the bundles whose diagnoses were present
        coalesce(conditions_at.active_bundle_codes, cast(array[] as text[])) as active_bundle_codes,
        coalesce(cardinality(conditions_at.active_bundle_codes), 0) as chronic_condition_count,
        -- prior utilization
        coalesce(utilization.ed_visits_6mo, 0) as ed_visits_6mo,
        coalesce(utilization.ed_visits_12mo, 0) as ed_visits_12mo,
        coalesce(utilization.inpatient_stays_12mo, 0) as inpatient_stays_12mo,
        coalesce(utilization.office_visits_12mo, 0) as office_visits_12mo,
        coalesce(
            patient_dates.feature_date - cast(utilization.last_encounter_at as date), {{ var('risk_lookback_days') }}
        ) as days_since_last_encounter,
        -- care gaps (bundle compliance)
        coalesce(gaps_at.open_care_gaps, 0) as open_care_gaps,
        coalesce(gaps_at.overdue_care_gaps, 0) as overdue_care_gaps,
        coalesce(gaps_at.closed_care_gaps, 0) as closed_care_gaps,
        cast(
            round(100.0 * gaps_at.closed_care_gaps / nullif(gaps_at.closed_care_gaps + gaps_at.open_care_gaps, 0), 2)
            as numeric(5, 2)
        ) as care_gap_compliance_pct,
        -- social determinants, from the latest screening
        sdoh_at.assessment_date as sdoh_assessment_date,
        coalesce(sdoh_at.has_food_insecurity, false) as has_food_insecurity,
        coalesce(sdoh_at.has_housing_instability, false) as has_housing_instability,
        coalesce(sdoh_at.has_transportation_barrier, false) as has_transportation_barrier,
        sdoh_at.social_isolation_score,
        -- label: any ED visit in the window after the feature date; NULL until the window has passed
        case
            when patient_dates.label_window_end <= {{ run_date() }} then coalesce(ed_after.ed_visits_after, 0) > 0
        end as has_ed_visit_after
    from patient_dates
    left join utilization
        on patient_dates.patient_id = utilization.patient_id and patient_dates.feature_date = utilization.feature_date
    left join ed_after
        on patient_dates.patient_id = ed_after.patient_id and patient_dates.feature_date = ed_after.feature_date
    left join conditions_at
        on patient_dates.patient_id = conditions_at.patient_id
            and patient_dates.feature_date = conditions_at.feature_date
    left join sdoh_at
        on patient_dates.patient_id = sdoh_at.patient_id and patient_dates.feature_date = sdoh_at.feature_date
    left join coverage_at
        on patient_dates.patient_id = coverage_at.patient_id and patient_dates.feature_date = coverage_at.feature_date
    left join gaps_at
        on patient_dates.patient_id = gaps_at.patient_id and patient_dates.feature_date = gaps_at.feature_date
)

select * from final
