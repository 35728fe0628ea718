-- "Which patients have the most open care gaps and highest risk?" (spec 8.2)
-- vars: risk_tier (default Critical). The 50 patients of that tier with the most open gaps.
with grid as (
    select * from {{ published(ref('mv_patient_dashboard')) }}
),

final as (
    select
        patient_key,
        patient_first_name,
        patient_last_name,
        age,
        provider_last_name,
        risk_tier,
        abigail_priority_score,
        total_measures_open,
        overall_compliance_pct,
        worst_bundle_code
    from grid
    where risk_tier = {{ analysis_param('risk_tier', 'Critical') }}
)

select * from final
order by total_measures_open desc, abigail_priority_score desc nulls last, patient_key asc
limit 50
