-- int_cost__claim_lines: one row per kept, active claim line, with its cost category, the encounter it
-- belongs to, and the member month (payer and attributed practice) its service date falls in.
-- (doc cost_category_rule) (doc cost_spending_rule)
with lines as (
    select * from {{ ref('stg_phm_edw__billing_line_item') }}
),

claims as (
    select * from {{ ref('stg_phm_edw__billing_claim') }}
),

encounters as (
    select * from {{ ref('stg_phm_edw__encounter') }}
),

providers as (
    select * from {{ ref('stg_phm_edw__provider') }}
),

specialty_groups as (
    select * from {{ ref('provider_specialty_groups') }}
),

rules as (
    select * from {{ ref('cost_category_rules') }}
),

member_months as (
    select * from {{ ref('int_cost__member_months') }}
),

described as (
    select
        lines.line_item_id,
        lines.claim_id,
        claims.encounter_id,
        claims.patient_id,
        claims.provider_id,
        encounters.org_id as facility_org_id,
        claims.service_date,
        cast(date_trunc('month', claims.service_date) as date) as service_month,
        lower(claims.claim_type) as claim_type,
        encounters.encounter_type,
        specialty_groups.specialty_group,
        upper(lines.cpt_code) as cpt_code,
        coalesce(lines.units, 1) as units,
        coalesce(lines.allowed_amount, 0) as allowed_amount
    from lines
    inner join claims
        on lines.claim_id = claims.claim_id
    left join encounters
        on claims.encounter_id = encounters.encounter_id
    left join providers
        on claims.provider_id = providers.provider_id
    left join specialty_groups
        on providers.specialty = specialty_groups.specialty
    where lines.is_active and claims.is_active
),

categorised as (
    select distinct on (described.line_item_id)
        described.*,
        rules.category_slug,
        rules.precedence as rule_precedence
    from described
    inner join rules
        on
            (rules.claim_type is null or described.claim_type = rules.claim_type)
            and (rules.encounter_type is null or described.encounter_type = rules.encounter_type)
            and (rules.specialty_group is null or described.specialty_group = rules.specialty_group)
            and (
                rules.code_low is null
                or (
                    -- same-length upper-case codes of digits and letters sort alike in every collation
                    length(described.cpt_code) = length(rules.code_low)
                    and described.cpt_code between rules.code_low and rules.code_high
                )
            )
    order by described.line_item_id asc, rules.precedence asc
),

final as (
    select
        categorised.*,
        member_months.payer_id,
        member_months.org_id,
        member_months.aco_org_id,
        member_months.patient_id is not null as is_member_claim
    from categorised
    left join member_months
        on
            categorised.patient_id = member_months.patient_id
            and categorised.service_month = member_months.month_start
            and member_months.is_counting_payer
)

select * from final
