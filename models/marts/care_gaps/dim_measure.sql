-- dim_measure: one row per measure code: the project's catalogue (seed measures) joined to the EDW's
-- measure_definition by code, with the seven bundle columns of spec part 4 and the evidence rules.
with catalogue as (
    select * from {{ ref('measures') }}
),

edw_measures as (
    select * from {{ ref('stg_phm_edw__measure_definition') }}
),

keys as (
    select * from {{ ref('int_keys__measure') }}
),

edw_latest as (
    select
        edw_measures.*,
        row_number() over (partition by measure_code order by measure_id desc) as recency
    from edw_measures
),

final as (
    select
        keys.measure_key,
        edw_latest.measure_id,
        cast(keys.measure_code as varchar(50)) as measure_code,
        cast(coalesce(catalogue.measure_name, edw_latest.measure_name) as varchar(255)) as measure_name,
        cast(coalesce(catalogue.measure_type, edw_latest.measure_type) as varchar(50)) as measure_type,
        cast(coalesce(catalogue.description, edw_latest.description) as text) as description,
        cast(catalogue.frequency as varchar(50)) as frequency,
        catalogue.frequency_days,
        cast(catalogue.guideline_source as varchar(200)) as guideline_source,
        cast(catalogue.ecqm_reference as varchar(200)) as ecqm_reference,
        cast(catalogue.loinc_code as varchar(50)) as loinc_code,
        replace(catalogue.cpt_codes, '|', ',') as cpt_codes,
        cast(catalogue.target_value_low as numeric(10, 2)) as target_value_low,
        cast(catalogue.target_value_high as numeric(10, 2)) as target_value_high,
        cast(catalogue.secondary_loinc_code as varchar(50)) as secondary_loinc_code,
        cast(catalogue.secondary_target_value_high as numeric(10, 2)) as secondary_target_value_high,
        catalogue.target_inclusive,
        cast(catalogue.target_text as varchar(200)) as target_text,
        cast(catalogue.dedup_domain as varchar(100)) as dedup_domain,
        catalogue.has_codified_evidence,
        catalogue.evidence_loinc_codes,
        catalogue.evidence_cpt_codes,
        catalogue.evidence_rxnorm_codes,
        catalogue.evidence_cvx_codes,
        catalogue.measure_code is not null as in_catalogue,
        edw_latest.measure_id is not null as in_edw,
        coalesce(edw_latest.created_at, keys.first_seen_at) as created_at,
        edw_latest.updated_at
    from keys
    left join catalogue
        on keys.measure_code = catalogue.measure_code
    left join edw_latest
        on keys.measure_code = edw_latest.measure_code and edw_latest.recency = 1
)

select * from final
