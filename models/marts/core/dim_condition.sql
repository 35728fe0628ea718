-- dim_condition: one row per EDW condition code (Type 1 reference data): ICD-10-CM and SNOMED CT.
with conditions as (
    select * from {{ ref('stg_phm_edw__condition') }}
),

keys as (
    select * from {{ ref('int_keys__condition') }}
),

final as (
    select
        keys.condition_key,
        conditions.condition_id,
        cast(conditions.condition_code as varchar(50)) as icd10_code,
        cast(conditions.condition_code_normalized as varchar(50)) as code_normalized,
        cast(conditions.condition_name as varchar(255)) as condition_name,
        cast(coalesce(conditions.code_system, 'ICD-10') as varchar(50)) as code_system,
        cast(conditions.code_system_family as varchar(20)) as code_system_family,
        conditions.is_active as is_current,
        conditions.created_at,
        conditions.updated_at
    from conditions
    inner join keys
        on conditions.condition_id = keys.condition_id
)

select * from final
