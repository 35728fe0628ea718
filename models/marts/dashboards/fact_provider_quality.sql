-- fact_provider_quality: the provider scorecard (spec 2.4, step 24). Grain: provider x bundle
-- (NULL = all of the provider's bundles) x reporting period. The period is the calendar month of the
-- run date (doc block provider_quality_period).
-- Rebuilt each run: the current month is recomputed and replaces that month's rows; earlier months
-- are carried forward unchanged from the published table, so history is kept and never duplicated.
{%- set period_key = "cast(to_char(date_trunc('month', " ~ run_date() ~ "), 'YYYYMMDD') as integer)" %}
{{ config(
    post_hook=[
        "{{ spec_index('idx_provider_quality_provider', 'provider_key, date_key_period') }}",
        "{{ spec_index('idx_provider_quality_bundle', 'bundle_key, date_key_period') }}"
    ]
) }}

with composite as (
    select * from {{ ref('fact_patient_composite') }}
),

patient_bundles as (
    select * from {{ ref('fact_patient_bundle') }}
    where is_active
),

period as (
    select
        cast(date_trunc('month', {{ run_date() }}) as date) as period_start
),

provider_patients as (
    select
        provider_key,
        min(org_key) as org_key,
        count(*) as attributed_patients
    from composite
    where provider_key is not null
    group by provider_key
),

per_bundle as (
    select
        patient_bundles.provider_key,
        patient_bundles.bundle_key,
        count(distinct patient_bundles.patient_key) as patients_with_bundle,
        sum(patient_bundles.measures_open) as total_gaps_open,
        sum(patient_bundles.measures_met) as total_gaps_closed,
        avg(patient_bundles.compliance_pct) as compliance_rate,
        avg(patient_bundles.compliance_pct) filter (where composite.mips_eligible) as mips_quality_score
    from patient_bundles
    inner join composite
        on patient_bundles.patient_key = composite.patient_key
    where patient_bundles.provider_key is not null
    group by patient_bundles.provider_key, patient_bundles.bundle_key
),

overall as (
    select
        provider_key,
        cast(null as integer) as bundle_key,
        count(*) filter (where active_bundle_count > 0) as patients_with_bundle,
        sum(total_measures_open) as total_gaps_open,
        sum(total_measures_met) as total_gaps_closed,
        avg(overall_compliance_pct) as compliance_rate,
        avg(overall_compliance_pct) filter (where mips_eligible) as mips_quality_score
    from composite
    where provider_key is not null
    group by provider_key
),

current_period as (
    select
        scores.provider_key,
        provider_patients.org_key,
        scores.bundle_key,
        {{ date_key('period.period_start') }} as date_key_period,
        cast(extract(year from period.period_start) as smallint) as reporting_year,
        cast(provider_patients.attributed_patients as integer) as attributed_patients,
        cast(scores.patients_with_bundle as integer) as patients_with_bundle,
        cast(coalesce(scores.total_gaps_open, 0) as integer) as total_gaps_open,
        cast(coalesce(scores.total_gaps_closed, 0) as integer) as total_gaps_closed,
        cast(round(scores.compliance_rate, 2) as numeric(5, 2)) as compliance_rate,
        cast(round(scores.mips_quality_score, 2) as numeric(5, 2)) as mips_quality_score
    from (
        select * from per_bundle
        union all
        select * from overall
    ) as scores
    inner join provider_patients
        on scores.provider_key = provider_patients.provider_key
    cross join period
),

ranked as (
    select
        current_period.*,
        -- peers are the providers scored on the same bundle (or overall) in the same period; a
        -- provider with no compliance figure is not ranked
        case
            when current_period.compliance_rate is not null
                then cast(round(cast(100 * percent_rank() over (
                        partition by current_period.bundle_key, current_period.compliance_rate is null
                        order by current_period.compliance_rate
                    ) as numeric), 2) as numeric(5, 2))
        end as percentile_rank
    from current_period
),

recomputed as (
    select
        -- stable key: period, provider and bundle (0 = overall) packed into one bigint
        (cast(date_key_period as bigint) * 1000000 + provider_key) * 100 + coalesce(bundle_key, 0) as quality_key,
        provider_key,
        org_key,
        bundle_key,
        date_key_period,
        reporting_year,
        attributed_patients,
        patients_with_bundle,
        total_gaps_open,
        total_gaps_closed,
        compliance_rate,
        mips_quality_score,
        percentile_rank,
        cast({{ run_date() }} as timestamp) as etl_refreshed_at
    from ranked
),

final as (
    select * from recomputed
    {{ carry_forward_history('date_key_period', period_key) }}
)

select * from final
