-- dim_patient: one row per version of a patient (Type 2), from the snapshot snap_phm_edw__patient.
-- patient_key is stable per version; facts join the current version (is_current).
{{ config(
    post_hook=[
        "create index on {{ this }} (patient_id, is_current)",
        "analyze {{ this }}"
    ]
) }}

with versions as (
    select * from {{ ref('snap_phm_edw__patient') }}
),

keys as (
    select * from {{ ref('int_keys__patient_version') }}
),

provider_keys as (
    select * from {{ ref('int_keys__provider') }}
),

ordered as (
    select
        versions.*,
        row_number() over (partition by versions.patient_id order by versions.dbt_valid_from asc) as version_number
    from versions
),

final as (
    select
        keys.patient_key,
        ordered.patient_id,
        cast(ordered.mrn as varchar(50)) as mrn,
        cast(ordered.first_name as varchar(100)) as first_name,
        cast(ordered.last_name as varchar(100)) as last_name,
        ordered.date_of_birth,
        cast(ordered.gender as varchar(50)) as gender,
        cast(ordered.race as varchar(50)) as race,
        cast(ordered.ethnicity as varchar(50)) as ethnicity,
        cast(ordered.marital_status as varchar(50)) as marital_status,
        cast(ordered.primary_language as varchar(50)) as primary_language,
        provider_keys.provider_key as pcp_provider_key,
        ordered.address_id,
        ordered.is_active,
        cast(ordered.version_number as integer) as version_number,
        case
            when ordered.version_number = 1
                then least(cast(ordered.created_at as date), cast(ordered.dbt_valid_from as date))
            else cast(ordered.dbt_valid_from as date)
        end as effective_start_date,
        coalesce(cast(ordered.dbt_valid_to as date), cast('9999-12-31' as date)) as effective_end_date,
        ordered.dbt_valid_to is null as is_current,
        ordered.created_at,
        ordered.updated_at
    from ordered
    inner join keys
        on ordered.patient_id = keys.patient_id and ordered.dbt_valid_from = keys.dbt_valid_from
    left join provider_keys
        on ordered.pcp_provider_id = provider_keys.provider_id
)

select * from final
