-- int_patients__attribution: one row per patient with the attributed PCP and organization on the run date.
-- The active attribution covering the run date wins (latest start, then highest id); without one, the
-- patient's recorded PCP and that provider's organization.
with patients as (
    select * from {{ ref('stg_phm_edw__patient') }}
),

attributions as (
    select * from {{ ref('stg_phm_edw__patient_attribution') }}
),

providers as (
    select * from {{ ref('stg_phm_edw__provider') }}
),

current_attribution as (
    select
        patient_id,
        provider_id,
        org_id,
        program_name,
        row_number() over (
            partition by patient_id
            order by attribution_start_date desc, attribution_id desc
        ) as recency
    from attributions
    where
        is_active
        and attribution_start_date <= {{ run_date() }}
        and (attribution_end_date is null or attribution_end_date >= {{ run_date() }})
),

final as (
    select
        patients.patient_id,
        coalesce(current_attribution.provider_id, patients.pcp_provider_id) as provider_id,
        coalesce(current_attribution.org_id, pcp.org_id) as org_id,
        current_attribution.program_name,
        case
            when current_attribution.patient_id is not null then 'attribution'
            when patients.pcp_provider_id is not null then 'pcp_of_record'
            else 'none'
        end as attribution_source
    from patients
    left join current_attribution
        on patients.patient_id = current_attribution.patient_id and current_attribution.recency = 1
    left join providers as pcp
        on patients.pcp_provider_id = pcp.provider_id
)

select * from final
