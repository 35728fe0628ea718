-- mv_care_gap_worklist: the care-gap worklist for clinical staff (spec 6.4). Every open gap that is
-- not satisfied through another bundle (dedup), with the patient, the attributed provider, the bundle
-- and the measure. worklist_rank orders each provider's list as the spec says: overdue first, then
-- the longest since the last action (never done first), then the detail key.
{{ config(
    materialized='materialized_view',
    indexes=[
        {'columns': ['detail_key'], 'unique': True},
        {'columns': ['provider_key', 'worklist_rank']},
        {'columns': ['patient_key']}
    ]
) }}

with details as (
    select * from {{ ref('fact_patient_bundle_detail') }}
    where gap_status = 'Open' and not dedup_applied
),

patient_bundles as (
    select * from {{ ref('fact_patient_bundle') }}
),

patients as (
    select * from {{ ref('dim_patient') }}
),

providers as (
    select * from {{ ref('dim_provider') }}
),

bundles as (
    select * from {{ ref('dim_care_gap_bundle') }}
),

measures as (
    select * from {{ ref('dim_measure') }}
),

joined as (
    select
        details.detail_key,
        details.patient_bundle_key,
        details.patient_key,
        patients.first_name as patient_first_name,
        patients.last_name as patient_last_name,
        patients.date_of_birth,
        patient_bundles.provider_key,
        providers.first_name as provider_first_name,
        providers.last_name as provider_last_name,
        details.bundle_key,
        bundles.bundle_code,
        bundles.bundle_name,
        bundles.disease_category,
        details.measure_key,
        measures.measure_code,
        measures.measure_name,
        measures.frequency as measure_frequency,
        measures.target_text,
        details.gap_status,
        details.is_overdue,
        details.days_overdue,
        details.due_date,
        details.days_since_last_action,
        details.last_action_date,
        details.dedup_applied,
        case
            when details.last_action_date is null then 'Not yet done: ' || measures.measure_name
            else 'Due again (' || coalesce(measures.frequency, 'per schedule') || '): ' || measures.measure_name
        end as action_required
    from details
    inner join patient_bundles
        on details.patient_bundle_key = patient_bundles.patient_bundle_key
    inner join patients
        on details.patient_key = patients.patient_key
    inner join bundles
        on details.bundle_key = bundles.bundle_key
    inner join measures
        on details.measure_key = measures.measure_key
    left join providers
        on patient_bundles.provider_key = providers.provider_key
),

final as (
    select
        joined.*,
        row_number() over (
            partition by joined.provider_key
            order by
                joined.is_overdue desc,
                joined.days_since_last_action desc nulls first,
                joined.detail_key asc
        ) as worklist_rank
    from joined
)

select * from final
