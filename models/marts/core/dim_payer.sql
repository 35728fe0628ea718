-- dim_payer: one row per EDW payer (spec 1.1, Type 1). Inactive payers stay, flagged is_current = false,
-- so that historical coverage keeps joining; dashboards filter on is_current.
with payers as (
    select * from {{ ref('stg_phm_edw__payer') }}
),

keys as (
    select * from {{ ref('int_keys__payer') }}
),

final as (
    select
        keys.payer_key,
        payers.payer_id,
        cast(payers.payer_name as varchar(200)) as payer_name,
        cast(payers.payer_type as varchar(50)) as payer_type,
        cast(null as varchar(30)) as payer_code,
        coalesce(payers.payer_type in ('MEDICARE', 'MEDICAID', 'MEDICARE ADVANTAGE', 'TRICARE', 'VA'), false)
            as is_government,
        payers.is_active as is_current,
        coalesce(payers.effective_start_date, cast(payers.created_at as date)) as effective_start,
        coalesce(payers.effective_end_date, cast('9999-12-31' as date)) as effective_end,
        payers.created_at,
        payers.updated_at
    from payers
    inner join keys
        on payers.payer_id = keys.payer_id
)

select * from final
