-- int_cost__line_drill: one row per claim line of int_cost__claim_lines with the drill-down attributes of its
-- category (doc cost_drilldown_rule): diagnosis group and discharging hospital.
with lines as (
    select * from {{ ref('int_cost__claim_lines') }}
),

billing_lines as (
    select * from {{ ref('stg_phm_edw__billing_line_item') }}
),

categories as (
    select * from {{ ref('cost_categories') }}
),

chapters as (
    select * from {{ ref('icd10_chapters') }}
),

encounters as (
    select * from {{ ref('int_cost__encounters') }}
),

stays as (
    select
        encounters.patient_id,
        encounters.discharge_date,
        lines.facility_org_id
    from encounters
    inner join lines
        on encounters.encounter_id = lines.encounter_id
    where encounters.is_inpatient
    group by encounters.patient_id, encounters.discharge_date, lines.facility_org_id
),

diagnosed as (
    select
        lines.line_item_id,
        lines.category_slug,
        lines.patient_id,
        lines.service_date,
        categories.post_acute_lookback_days,
        case
            when categories.drill_by_diagnosis
                then left(upper(replace(billing_lines.icd10_pointer_1, '.', '')), 3)
        end as diagnosis_category
    from lines
    inner join categories
        on lines.category_slug = categories.category_slug
    left join billing_lines
        on lines.line_item_id = billing_lines.line_item_id
),

discharges as (
    select distinct on (diagnosed.line_item_id)
        diagnosed.line_item_id,
        stays.facility_org_id as discharging_org_id
    from diagnosed
    inner join stays
        on
            diagnosed.patient_id = stays.patient_id
            and diagnosed.service_date >= stays.discharge_date
            and stays.discharge_date >= diagnosed.service_date - diagnosed.post_acute_lookback_days
    where diagnosed.post_acute_lookback_days is not null
    order by diagnosed.line_item_id asc, stays.discharge_date desc, stays.facility_org_id asc
),

final as (
    select
        diagnosed.line_item_id,
        diagnosed.diagnosis_category,
        chapters.chapter as diagnosis_chapter,
        discharges.discharging_org_id
    from diagnosed
    left join chapters
        on diagnosed.diagnosis_category between chapters.code_low and chapters.code_high
    left join discharges
        on diagnosed.line_item_id = discharges.line_item_id
)

select * from final
