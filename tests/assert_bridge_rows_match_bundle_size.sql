-- Every bundle has exactly bundle_size rows in bridge_bundle_measure (and at least one).
with bundles as (
    select * from {{ ref('dim_care_gap_bundle') }}
),

bridge as (
    select * from {{ ref('bridge_bundle_measure') }}
),

counted as (
    select
        bundles.bundle_code,
        bundles.bundle_size,
        count(bridge.bridge_key) as bridge_rows
    from bundles
    left join bridge
        on bundles.bundle_key = bridge.bundle_key
    group by bundles.bundle_code, bundles.bundle_size
)

select *
from counted
where bridge_rows <> bundle_size or bridge_rows = 0
