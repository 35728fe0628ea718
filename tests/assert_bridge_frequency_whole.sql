-- Issue 13, 3.8: bridge_bundle_measure.frequency holds the seed's frequency text whole (no truncation).
with bridge as (
    select * from {{ ref('bridge_bundle_measure') }}
),

seed as (
    select * from {{ ref('bundle_measures') }}
)

select
    bridge.bundle_code,
    bridge.measure_code,
    bridge.frequency,
    seed.frequency as seed_frequency
from bridge
inner join seed
    on bridge.bundle_code = seed.bundle_code and bridge.measure_code = seed.measure_code
where bridge.frequency is distinct from seed.frequency
