-- fact_cost_claim_line: one row per active claim line with its cost category, keys and drill-down attributes,
-- the last step of every cost drill-down (doc cost_drilldown_rule).
with lines as (
    select * from {{ ref('int_cost__claim_lines') }}
),

drill as (
    select * from {{ ref('int_cost__line_drill') }}
),

patients as (
    select * from {{ ref('dim_patient') }}
),

payers as (
    select * from {{ ref('dim_payer') }}
),

organizations as (
    select * from {{ ref('dim_organization') }}
),

providers as (
    select * from {{ ref('dim_provider') }}
),

final as (
    select
        lines.line_item_id,
        lines.claim_id,
        lines.encounter_id,
        lines.patient_id,
        patients.patient_key,
        {{ date_key('lines.service_date') }} as date_key_service,
        lines.service_date,
        cast(lines.category_slug as varchar(50)) as slug,
        lines.rule_precedence,
        cast(lines.claim_type as varchar(30)) as claim_type,
        cast(lines.cpt_code as varchar(20)) as cpt_code,
        cast(lines.units as integer) as units,
        cast(lines.allowed_amount as numeric(12, 2)) as allowed_amount,
        lines.is_member_claim,
        payers.payer_key,
        practices.org_key,
        facilities.org_key as facility_org_key,
        providers.provider_key,
        cast(drill.diagnosis_category as varchar(3)) as diagnosis_category,
        cast(drill.diagnosis_chapter as smallint) as diagnosis_chapter,
        discharging.org_key as discharging_org_key
    from lines
    left join drill
        on lines.line_item_id = drill.line_item_id
    left join patients
        on lines.patient_id = patients.patient_id and patients.is_current
    left join payers
        on lines.payer_id = payers.payer_id
    left join organizations as practices
        on lines.org_id = practices.org_id
    left join organizations as facilities
        on lines.facility_org_id = facilities.org_id
    left join organizations as discharging
        on drill.discharging_org_id = discharging.org_id
    left join providers
        on lines.provider_id = providers.provider_id
)

select * from final
