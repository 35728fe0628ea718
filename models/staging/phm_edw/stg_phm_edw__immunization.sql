-- stg_phm_edw__immunization: one row per kept phm_edw.immunization row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead.
with base as (
    select * from {{ ref('base_phm_edw__immunization') }}
),

final as (
    select
        immunization_id,
        patient_id,
        provider_id,
        vaccine_code,
        vaccine_name,
        administration_datetime,
        lot_number,
        expiration_date,
        administration_site,
        reaction,
        status,
        is_active,
        created_at,
        updated_at,
        source_updated_at
    from base
    where reject_rule is null
)

select * from final
