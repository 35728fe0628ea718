-- int_care_gaps__unit_codes: the evidence codes of each judgement unit. A unit is a dedup domain
-- ('D:<domain>': any code of any measure in the domain) or a measure on its own ('M:<code>').
-- A measure's codes are the union of its evidence columns in `measures` and its rows in the long seed
-- `measure_evidence_codes` (assessment scores, CPT Category II and HCPCS codes, therapy classes by RxNorm);
-- HCPCS codes are matched with CPT codes, as procedure_performed holds both.
-- is_result_code marks the observation codes whose value is compared with a target; the secondary
-- code (diastolic blood pressure) is read beside the result, never as one.
with measures as (
    select * from {{ ref('measures') }}
),

evidence_codes as (
    select * from {{ ref('measure_evidence_codes') }}
),

measure_units as (
    select
        {{ judgement_unit('dedup_domain', 'measure_code') }} as judgement_unit,
        evidence_loinc_codes,
        evidence_cpt_codes,
        evidence_rxnorm_codes,
        evidence_cvx_codes,
        secondary_loinc_code
    from measures
),

listed as (
    select
        judgement_unit,
        secondary_loinc_code,
        'LOINC' as evidence_system,
        {{ unnest_pipe_list('evidence_loinc_codes') }} as evidence_code
    from measure_units
    union all
    select
        judgement_unit,
        secondary_loinc_code,
        'CPT' as evidence_system,
        {{ unnest_pipe_list('evidence_cpt_codes') }} as evidence_code
    from measure_units
    union all
    select
        judgement_unit,
        secondary_loinc_code,
        'RXNORM' as evidence_system,
        {{ unnest_pipe_list('evidence_rxnorm_codes') }} as evidence_code
    from measure_units
    union all
    select
        judgement_unit,
        secondary_loinc_code,
        'CVX' as evidence_system,
        {{ unnest_pipe_list('evidence_cvx_codes') }} as evidence_code
    from measure_units
    union all
    select
        judgement_unit,
        secondary_loinc_code,
        'LOINC' as evidence_system,
        secondary_loinc_code as evidence_code
    from measure_units
    where secondary_loinc_code is not null
    union all
    select
        {{ judgement_unit('measures.dedup_domain', 'measures.measure_code') }} as judgement_unit,
        measures.secondary_loinc_code,
        case
            when upper(trim(evidence_codes.code_system)) = 'HCPCS' then 'CPT'
            else upper(trim(evidence_codes.code_system))
        end as evidence_system,
        evidence_codes.code as evidence_code
    from evidence_codes
    inner join measures
        on evidence_codes.measure_code = measures.measure_code
),

classified as (
    select
        judgement_unit,
        evidence_system,
        trim(evidence_code) as evidence_code,
        evidence_system = 'LOINC' and trim(evidence_code) = coalesce(secondary_loinc_code, '') as is_secondary_code
    from listed
),

final as (
    select
        judgement_unit,
        evidence_system,
        evidence_code,
        bool_or(evidence_system = 'LOINC' and not is_secondary_code) as is_result_code,
        bool_or(is_secondary_code) as is_secondary_code
    from classified
    group by judgement_unit, evidence_system, evidence_code
)

select * from final
