-- base_phm_edw__immunization: every phm_edw.immunization row, cleaned,
-- with the first rule it breaks (NULL when none).
-- stg_phm_edw__immunization keeps the clean rows; stg_phm_edw__rejects keeps the others with the reason.
{% set rules = [
    {'rule': 'null_key', 'column': 'immunization_id', 'when': "immunization_id is null"},
    {'rule': 'null_code', 'column': 'vaccine_code', 'when': "vaccine_code is null"},
    {'rule': 'orphan_fk', 'column': 'patient_id', 'when': orphan('renamed.patient_id', 'stg_phm_edw__patient', 'patient_id')},
    {'rule': 'orphan_fk', 'column': 'provider_id', 'when': orphan('renamed.provider_id', 'stg_phm_edw__provider', 'provider_id')},
    {'rule': 'malformed_code', 'column': 'vaccine_code', 'when': malformed('vaccine_code', 'cvx_pattern')},
    {'rule': 'out_of_range_date', 'column': 'administration_datetime', 'when': out_of_range_date('administration_datetime')}
] %}

with source as (
    select * from {{ source('phm_edw', 'immunization') }}
),

renamed as (
    select
        immunization_id,
        patient_id,
        provider_id,
        {{ clean_code('vaccine_code') }} as vaccine_code,
        {{ clean_text('vaccine_name') }} as vaccine_name,
        administration_datetime,
        {{ clean_text('lot_number') }} as lot_number,
        expiration_date,
        {{ clean_text('administration_site') }} as administration_site,
        {{ clean_text('reaction') }} as reaction,
        upper({{ clean_text('status') }}) as status,
        {{ yn_to_bool('active_ind') }} as is_active,
        created_date as created_at,
        updated_date as updated_at,
        coalesce(updated_date, created_date) as source_updated_at,
        md5(cast(source.* as text)) as source_row_hash
    from source
),

checked as (
    select
        renamed.*,
        {{ failed_rule_number(rules) }} as failed_rule_number
    from renamed
    {{- rule_parents(rules) }}
),

key_ranked as (
    select
        checked.*,
        case
            when failed_rule_number is null
                then row_number() over (
                        partition by (failed_rule_number is null), immunization_id
                        order by source_updated_at desc nulls last, source_row_hash asc
                    )
        end as key_rank
    from checked
),

record_ranked as (
    select
        key_ranked.*,
        case
            when key_rank = 1
                then row_number() over (
                        partition by (key_rank = 1), patient_id, vaccine_code, administration_datetime
                        order by source_updated_at desc nulls last, immunization_id asc
                    )
        end as record_rank
    from key_ranked
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
        source_updated_at,
        {{ reject_outputs(rules, 'immunization_id', 'patient_id') }}
    from record_ranked
)

select * from final
