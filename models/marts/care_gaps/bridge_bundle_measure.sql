-- bridge_bundle_measure: one row per bundle x measure (354), resolving the seed's codes to dimension keys.
-- frequency is varchar(100), wider than the spec's varchar(50): the upstream texts run to 63 characters (HBV-01).
with bundle_measures as (
    select * from {{ ref('bundle_measures') }}
),

measures as (
    select * from {{ ref('measures') }}
),

keys as (
    select * from {{ ref('int_keys__bridge') }}
),

bundle_keys as (
    select * from {{ ref('int_keys__bundle') }}
),

measure_keys as (
    select * from {{ ref('int_keys__measure') }}
),

final as (
    select
        keys.bridge_key,
        bundle_keys.bundle_key,
        measure_keys.measure_key,
        cast(bundle_measures.ordinal as smallint) as measure_sequence,
        cast(bundle_measures.frequency as varchar(100)) as frequency,
        bundle_measures.is_shared_measure,
        cast(measures.dedup_domain as varchar(100)) as dedup_domain,
        cast(bundle_measures.bundle_code as varchar(20)) as bundle_code,
        cast(bundle_measures.measure_code as varchar(50)) as measure_code
    from bundle_measures
    inner join keys
        on bundle_measures.bundle_code = keys.bundle_code and bundle_measures.measure_code = keys.measure_code
    inner join bundle_keys
        on bundle_measures.bundle_code = bundle_keys.bundle_code
    inner join measure_keys
        on bundle_measures.measure_code = measure_keys.measure_code
    inner join measures
        on bundle_measures.measure_code = measures.measure_code
)

select * from final
