-- dim_procedure: one row per EDW procedure code (Type 1 reference data): CPT and HCPCS.
with procedures as (
    select * from {{ ref('stg_phm_edw__procedure') }}
),

keys as (
    select * from {{ ref('int_keys__procedure') }}
),

final as (
    select
        keys.procedure_key,
        procedures.procedure_id,
        cast(procedures.procedure_code as varchar(50)) as procedure_code,
        cast(procedures.procedure_desc as varchar(255)) as procedure_desc,
        cast(procedures.code_system as varchar(50)) as code_system,
        procedures.is_active as is_current,
        procedures.created_at,
        procedures.updated_at
    from procedures
    inner join keys
        on procedures.procedure_id = keys.procedure_id
)

select * from final
