-- dim_allergy: one row per EDW allergy definition (spec 1.2, Type 1). Inactive definitions stay,
-- flagged is_current = false, so that patients' allergy history keeps joining.
with allergies as (
    select * from {{ ref('stg_phm_edw__allergy') }}
),

keys as (
    select * from {{ ref('int_keys__allergy') }}
),

final as (
    select
        keys.allergy_key,
        allergies.allergy_id,
        cast(allergies.allergy_code as varchar(50)) as allergy_code,
        cast(allergies.allergy_name as varchar(200)) as allergy_name,
        cast(allergies.code_system as varchar(30)) as code_system,
        cast(allergies.category as varchar(50)) as category,
        allergies.is_active as is_current,
        allergies.created_at,
        allergies.updated_at
    from allergies
    inner join keys
        on allergies.allergy_id = keys.allergy_id
)

select * from final
