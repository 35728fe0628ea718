-- dim_medication: one row per EDW medication (Type 1 reference data), RxNorm coded.
with medications as (
    select * from {{ ref('stg_phm_edw__medication') }}
),

keys as (
    select * from {{ ref('int_keys__medication') }}
),

final as (
    select
        keys.medication_key,
        medications.medication_id,
        cast(medications.medication_code as varchar(50)) as medication_code,
        cast(medications.medication_name as varchar(255)) as medication_name,
        cast(medications.code_system as varchar(50)) as code_system,
        cast(medications.form as varchar(50)) as form,
        cast(medications.strength as varchar(50)) as strength,
        medications.is_active as is_current,
        medications.created_at,
        medications.updated_at
    from medications
    inner join keys
        on medications.medication_id = keys.medication_id
)

select * from final
