-- "How is Provider X performing on diabetes bundles?" (spec 8.2)
-- vars: provider_id (EDW provider id); bundle_code (default DM2).
with scorecard as (
    select * from {{ published(ref('mv_bundle_compliance_by_provider')) }}
),

providers as (
    select * from {{ published(ref('dim_provider')) }}
    where provider_id = {{ analysis_param('provider_id', kind='int') }}
),

final as (
    select
        scorecard.provider_first_name,
        scorecard.provider_last_name,
        scorecard.bundle_code,
        scorecard.bundle_name,
        scorecard.patient_count,
        scorecard.avg_compliance_pct,
        scorecard.total_gaps_open,
        scorecard.total_gaps_closed,
        scorecard.percentile_rank
    from scorecard
    inner join providers
        on scorecard.provider_key = providers.provider_key
    where scorecard.bundle_code = {{ analysis_param('bundle_code', 'DM2') }}
)

select * from final
