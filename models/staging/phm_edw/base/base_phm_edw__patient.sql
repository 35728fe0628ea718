-- base_phm_edw__patient: every phm_edw.patient row, cleaned,
-- with the first rule it breaks (NULL when none).
-- stg_phm_edw__patient keeps the clean rows; stg_phm_edw__rejects keeps the others with the reason.
{% set rules = [
    {'rule': 'null_key', 'column': 'patient_id', 'when': "patient_id is null"},
    {'rule': 'null_key', 'column': 'last_name', 'when': "first_name is null or last_name is null"},
    {'rule': 'orphan_fk', 'column': 'address_id', 'when': orphan('renamed.address_id', 'stg_phm_edw__address', 'address_id')},
    {'rule': 'orphan_fk', 'column': 'pcp_provider_id', 'when': orphan('renamed.pcp_provider_id', 'stg_phm_edw__provider', 'provider_id')},
    {'rule': 'out_of_range_date', 'column': 'date_of_birth', 'when': out_of_range_date('date_of_birth')}
] %}

with source as (
    select * from {{ source('phm_edw', 'patient') }}
),

renamed as (
    select
        patient_id,
        {{ clean_code('mrn') }} as mrn,
        {{ clean_text('first_name') }} as first_name,
        {{ clean_text('middle_name') }} as middle_name,
        {{ clean_text('last_name') }} as last_name,
        date_of_birth,
        upper({{ clean_text('gender') }}) as gender,
        upper({{ clean_text('race') }}) as race,
        upper({{ clean_text('ethnicity') }}) as ethnicity,
        upper({{ clean_text('marital_status') }}) as marital_status,
        {{ clean_text('primary_language') }} as primary_language,
        address_id,
        pcp_provider_id,
        {{ clean_text('primary_phone') }} as primary_phone,
        {{ clean_text('email') }} as email,
        {{ clean_text('next_of_kin_name') }} as next_of_kin_name,
        {{ clean_text('next_of_kin_phone') }} as next_of_kin_phone,
        {{ yn_to_bool('active_ind') }} as is_active,
        effective_start_date,
        effective_end_date,
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
                        partition by (failed_rule_number is null), patient_id
                        order by source_updated_at desc nulls last, source_row_hash asc
                    )
        end as key_rank
    from checked
),

final as (
    select
        patient_id,
        mrn,
        first_name,
        middle_name,
        last_name,
        date_of_birth,
        gender,
        race,
        ethnicity,
        marital_status,
        primary_language,
        address_id,
        pcp_provider_id,
        primary_phone,
        email,
        next_of_kin_name,
        next_of_kin_phone,
        is_active,
        effective_start_date,
        effective_end_date,
        created_at,
        updated_at,
        source_updated_at,
        {{ reject_outputs(rules, 'patient_id') }}
    from key_ranked
)

select * from final
