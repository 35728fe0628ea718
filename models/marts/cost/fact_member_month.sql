-- fact_member_month: one row per patient x month x payer with coverage in the month (doc member_month_rule).
with member_months as (
    select * from {{ ref('int_cost__member_months') }}
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

final as (
    select
        member_months.patient_id,
        member_months.month_start,
        member_months.payer_id,
        patients.patient_key,
        {{ date_key('member_months.month_start') }} as date_key_month,
        payers.payer_key,
        cast(payers.payer_type as varchar(50)) as payer_type,
        practices.org_key,
        acos.org_key as aco_org_key,
        member_months.days_covered,
        member_months.days_in_month,
        member_months.is_primary,
        member_months.is_counting_payer,
        member_months.member_months
    from member_months
    left join patients
        on member_months.patient_id = patients.patient_id and patients.is_current
    left join payers
        on member_months.payer_id = payers.payer_id
    left join organizations as practices
        on member_months.org_id = practices.org_id
    left join organizations as acos
        on member_months.aco_org_id = acos.org_id
)

select * from final
