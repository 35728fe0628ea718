-- stg_phm_edw__bundle_overlap_rule: one row per kept phm_edw.bundle_overlap_rule row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead.
with base as (
    select * from {{ ref('base_phm_edw__bundle_overlap_rule') }}
),

final as (
    select
        overlap_rule_id,
        rule_code,
        shared_domain,
        applicable_bundles,
        canonical_measure_code,
        dedup_rule,
        is_active,
        created_at,
        updated_at,
        source_updated_at
    from base
    where reject_rule is null
)

select * from final
