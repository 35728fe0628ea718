-- phm_edw: the Medgnosis 3NF enterprise data warehouse (source of the star).
-- All 46 tables: upstream migrations 001 (core EDW) and 006 (care-gap bundles), then 010
-- (scheduling, problem list), 011 (billing, e-prescribing, eligibility) and 012 (quality reporting),
-- with their types, nullability, defaults and keys. Generated once from the upstream
-- column inventory and kept here as the project's copy; `phm edw init` runs it.
-- It is idempotent: every object is created only if missing.

create schema if not exists phm_edw;

create table if not exists phm_edw.address (
    address_id serial primary key,
    address_line1 character varying(255) not null,
    address_line2 character varying(255),
    city character varying(100) not null,
    state character varying(50) not null,
    zip character varying(20) not null,
    county character varying(100),
    country character varying(50) not null default 'USA'::character varying,
    latitude numeric(9,6),
    longitude numeric(9,6),
    effective_start_date date,
    effective_end_date date,
    created_date timestamp without time zone not null default now(),
    updated_date timestamp without time zone
);

create table if not exists phm_edw.allergy (
    allergy_id serial primary key,
    allergy_code character varying(50) not null,
    allergy_name character varying(255) not null,
    code_system character varying(50),
    category character varying(50),
    active_ind character(1) not null default 'Y'::bpchar,
    effective_start_date date,
    effective_end_date date,
    created_date timestamp without time zone not null default now(),
    updated_date timestamp without time zone
);

create table if not exists phm_edw.condition_bundle (
    bundle_id serial primary key,
    bundle_code character varying(30) not null unique,
    condition_name character varying(255) not null,
    icd10_pattern character varying(500) not null,
    bundle_size integer not null default 0,
    key_ecqm_refs character varying(500),
    description character varying(2000),
    active_ind character(1) not null default 'Y'::bpchar,
    created_date timestamp without time zone not null default now(),
    updated_date timestamp without time zone
);

create table if not exists phm_edw.measure_definition (
    measure_id serial primary key,
    measure_code character varying(50) not null,
    measure_name character varying(255) not null,
    measure_type character varying(50),
    denominator_criteria character varying(2000),
    numerator_criteria character varying(2000),
    exclusion_criteria character varying(2000),
    description character varying(2000),
    active_ind character(1) not null default 'Y'::bpchar,
    effective_start_date date,
    effective_end_date date,
    created_date timestamp without time zone not null default now(),
    updated_date timestamp without time zone
);

create table if not exists phm_edw.bundle_measure (
    bundle_measure_id serial primary key,
    bundle_id integer not null,
    measure_id integer not null,
    ordinal integer not null default 0,
    frequency character varying(100),
    ecqm_reference character varying(200),
    active_ind character(1) not null default 'Y'::bpchar,
    created_date timestamp without time zone not null default now(),
    updated_date timestamp without time zone,
    constraint fk_bundle_measure_bundle_id foreign key (bundle_id) references phm_edw.condition_bundle (bundle_id),
    constraint fk_bundle_measure_measure_id foreign key (measure_id) references phm_edw.measure_definition (measure_id),
    unique(bundle_id,measure_id)
);

create table if not exists phm_edw.bundle_overlap_rule (
    overlap_rule_id serial primary key,
    rule_code character varying(50) not null unique,
    shared_domain character varying(100) not null,
    applicable_bundles character varying(500) not null,
    canonical_measure_code character varying(50),
    dedup_rule character varying(500) not null,
    active_ind character(1) not null default 'Y'::bpchar,
    created_date timestamp without time zone not null default now(),
    updated_date timestamp without time zone
);

create table if not exists phm_edw.organization (
    org_id serial primary key,
    organization_name character varying(200) not null,
    organization_type character varying(50),
    parent_org_id integer,
    address_id integer,
    primary_phone character varying(20),
    secondary_phone character varying(20),
    fax character varying(20),
    email character varying(100),
    website character varying(200),
    active_ind character(1) not null default 'Y'::bpchar,
    effective_start_date date,
    effective_end_date date,
    created_date timestamp without time zone not null default now(),
    updated_date timestamp without time zone,
    constraint fk_organization_parent_org_id foreign key (parent_org_id) references phm_edw.organization (org_id),
    constraint fk_organization_address_id foreign key (address_id) references phm_edw.address (address_id)
);

create table if not exists phm_edw.provider (
    provider_id serial primary key,
    first_name character varying(100) not null,
    middle_name character varying(100),
    last_name character varying(100) not null,
    display_name character varying(200),
    npi_number character varying(15),
    license_number character varying(30),
    license_state character varying(2),
    dea_number character varying(20),
    provider_type character varying(50),
    specialty character varying(100),
    org_id integer,
    primary_phone character varying(20),
    email character varying(100),
    active_ind character(1) not null default 'Y'::bpchar,
    effective_start_date date,
    effective_end_date date,
    created_date timestamp without time zone not null default now(),
    updated_date timestamp without time zone,
    constraint fk_provider_org_id foreign key (org_id) references phm_edw.organization (org_id)
);

create table if not exists phm_edw.patient (
    patient_id serial primary key,
    mrn character varying(50),
    ssn character varying(11),
    first_name character varying(100) not null,
    middle_name character varying(100),
    last_name character varying(100) not null,
    date_of_birth date not null,
    gender character varying(50),
    race character varying(50),
    ethnicity character varying(50),
    marital_status character varying(50),
    primary_language character varying(50),
    address_id integer,
    pcp_provider_id integer,
    primary_phone character varying(20),
    email character varying(100),
    next_of_kin_name character varying(200),
    next_of_kin_phone character varying(20),
    active_ind character(1) not null default 'Y'::bpchar,
    effective_start_date date,
    effective_end_date date,
    created_date timestamp without time zone not null default now(),
    updated_date timestamp without time zone,
    constraint fk_patient_address_id foreign key (address_id) references phm_edw.address (address_id),
    constraint fk_patient_pcp_provider_id foreign key (pcp_provider_id) references phm_edw.provider (provider_id)
);

create table if not exists phm_edw.care_gap (
    care_gap_id serial primary key,
    patient_id integer not null,
    measure_id integer not null,
    gap_status character varying(50) not null,
    identified_date timestamp without time zone not null,
    resolved_date timestamp without time zone,
    comments character varying(500),
    active_ind character(1) not null default 'Y'::bpchar,
    created_date timestamp without time zone not null default now(),
    updated_date timestamp without time zone,
    bundle_id integer,
    due_date date,
    gap_priority character varying(20),
    constraint fk_care_gap_patient_id foreign key (patient_id) references phm_edw.patient (patient_id),
    constraint fk_care_gap_measure_id foreign key (measure_id) references phm_edw.measure_definition (measure_id),
    constraint fk_care_gap_bundle_id foreign key (bundle_id) references phm_edw.condition_bundle (bundle_id)
);

create table if not exists phm_edw.code_crosswalk (
    crosswalk_id serial primary key,
    source_code character varying(50) not null,
    source_code_system character varying(50) not null,
    target_code character varying(50) not null,
    target_code_system character varying(50) not null,
    valid_from date,
    valid_to date,
    active_ind character(1) not null default 'Y'::bpchar,
    created_date timestamp without time zone not null default now(),
    updated_date timestamp without time zone
);

create table if not exists phm_edw.condition (
    condition_id serial primary key,
    condition_code character varying(50) not null,
    condition_name character varying(255) not null,
    code_system character varying(50) not null default 'ICD-10'::character varying,
    description character varying(500),
    active_ind character(1) not null default 'Y'::bpchar,
    effective_start_date date,
    effective_end_date date,
    created_date timestamp without time zone not null default now(),
    updated_date timestamp without time zone
);

create table if not exists phm_edw.encounter (
    encounter_id serial primary key,
    patient_id integer not null,
    provider_id integer,
    org_id integer,
    encounter_number character varying(50),
    encounter_type character varying(50),
    encounter_reason character varying(255),
    admission_datetime timestamp without time zone,
    discharge_datetime timestamp without time zone,
    encounter_datetime timestamp without time zone,
    disposition character varying(100),
    status character varying(50),
    active_ind character(1) not null default 'Y'::bpchar,
    effective_start_date date,
    effective_end_date date,
    created_date timestamp without time zone not null default now(),
    updated_date timestamp without time zone,
    constraint fk_encounter_patient_id foreign key (patient_id) references phm_edw.patient (patient_id),
    constraint fk_encounter_provider_id foreign key (provider_id) references phm_edw.provider (provider_id),
    constraint fk_encounter_org_id foreign key (org_id) references phm_edw.organization (org_id)
);

create table if not exists phm_edw.condition_diagnosis (
    condition_diagnosis_id serial primary key,
    patient_id integer not null,
    encounter_id integer,
    provider_id integer,
    condition_id integer not null,
    diagnosis_type character varying(50),
    diagnosis_status character varying(50),
    onset_date date,
    resolution_date date,
    primary_indicator character(1) not null default 'N'::bpchar,
    active_ind character(1) not null default 'Y'::bpchar,
    effective_start_date date,
    effective_end_date date,
    created_date timestamp without time zone not null default now(),
    updated_date timestamp without time zone,
    constraint fk_condition_diagnosis_patient_id foreign key (patient_id) references phm_edw.patient (patient_id),
    constraint fk_condition_diagnosis_encounter_id foreign key (encounter_id) references phm_edw.encounter (encounter_id),
    constraint fk_condition_diagnosis_provider_id foreign key (provider_id) references phm_edw.provider (provider_id),
    constraint fk_condition_diagnosis_condition_id foreign key (condition_id) references phm_edw.condition (condition_id)
);

create table if not exists phm_edw.etl_log (
    etl_log_id serial primary key,
    source_system character varying(100) not null,
    load_start_timestamp timestamp without time zone not null,
    load_end_timestamp timestamp without time zone,
    rows_inserted integer default 0,
    rows_updated integer default 0,
    load_status character varying(50) not null,
    error_message character varying(2000),
    created_date timestamp without time zone not null default now()
);

create table if not exists phm_edw.immunization (
    immunization_id serial primary key,
    patient_id integer not null,
    provider_id integer,
    vaccine_code character varying(50) not null,
    vaccine_name character varying(255) not null,
    administration_datetime timestamp without time zone not null,
    lot_number character varying(50),
    expiration_date date,
    administration_site character varying(50),
    reaction character varying(500),
    status character varying(50),
    active_ind character(1) not null default 'Y'::bpchar,
    created_date timestamp without time zone not null default now(),
    updated_date timestamp without time zone,
    constraint fk_immunization_patient_id foreign key (patient_id) references phm_edw.patient (patient_id),
    constraint fk_immunization_provider_id foreign key (provider_id) references phm_edw.provider (provider_id)
);

create table if not exists phm_edw.medication (
    medication_id serial primary key,
    medication_code character varying(50) not null,
    medication_name character varying(255) not null,
    code_system character varying(50),
    form character varying(50),
    strength character varying(50),
    active_ind character(1) not null default 'Y'::bpchar,
    effective_start_date date,
    effective_end_date date,
    created_date timestamp without time zone not null default now(),
    updated_date timestamp without time zone
);

create table if not exists phm_edw.medication_order (
    medication_order_id serial primary key,
    patient_id integer not null,
    encounter_id integer,
    provider_id integer,
    medication_id integer not null,
    dosage character varying(50),
    frequency character varying(50),
    route character varying(50),
    start_datetime timestamp without time zone,
    end_datetime timestamp without time zone,
    prescription_status character varying(50),
    refill_count integer,
    comments character varying(500),
    active_ind character(1) not null default 'Y'::bpchar,
    effective_start_date date,
    effective_end_date date,
    created_date timestamp without time zone not null default now(),
    updated_date timestamp without time zone,
    constraint fk_medication_order_patient_id foreign key (patient_id) references phm_edw.patient (patient_id),
    constraint fk_medication_order_encounter_id foreign key (encounter_id) references phm_edw.encounter (encounter_id),
    constraint fk_medication_order_provider_id foreign key (provider_id) references phm_edw.provider (provider_id),
    constraint fk_medication_order_medication_id foreign key (medication_id) references phm_edw.medication (medication_id)
);

create table if not exists phm_edw.observation (
    observation_id serial primary key,
    patient_id integer not null,
    encounter_id integer,
    provider_id integer,
    observation_datetime timestamp without time zone not null,
    observation_code character varying(50) not null,
    observation_desc character varying(255),
    value_numeric numeric(18,4),
    value_text character varying(500),
    units character varying(50),
    reference_range character varying(100),
    abnormal_flag character(1),
    status character varying(50),
    comments character varying(500),
    active_ind character(1) not null default 'Y'::bpchar,
    effective_start_date date,
    effective_end_date date,
    created_date timestamp without time zone not null default now(),
    updated_date timestamp without time zone,
    constraint fk_observation_patient_id foreign key (patient_id) references phm_edw.patient (patient_id),
    constraint fk_observation_encounter_id foreign key (encounter_id) references phm_edw.encounter (encounter_id),
    constraint fk_observation_provider_id foreign key (provider_id) references phm_edw.provider (provider_id)
);

create table if not exists phm_edw.patient_allergy (
    patient_allergy_id serial primary key,
    patient_id integer not null,
    allergy_id integer not null,
    reaction character varying(500),
    severity character varying(50),
    onset_date date,
    end_date date,
    status character varying(50),
    active_ind character(1) not null default 'Y'::bpchar,
    effective_start_date date,
    effective_end_date date,
    created_date timestamp without time zone not null default now(),
    updated_date timestamp without time zone,
    constraint fk_patient_allergy_patient_id foreign key (patient_id) references phm_edw.patient (patient_id),
    constraint fk_patient_allergy_allergy_id foreign key (allergy_id) references phm_edw.allergy (allergy_id)
);

create table if not exists phm_edw.patient_attribution (
    attribution_id serial primary key,
    patient_id integer not null,
    provider_id integer,
    org_id integer,
    program_name character varying(100) not null,
    attribution_start_date date not null,
    attribution_end_date date,
    active_ind character(1) not null default 'Y'::bpchar,
    created_date timestamp without time zone not null default now(),
    updated_date timestamp without time zone,
    constraint fk_patient_attribution_patient_id foreign key (patient_id) references phm_edw.patient (patient_id),
    constraint fk_patient_attribution_provider_id foreign key (provider_id) references phm_edw.provider (provider_id),
    constraint fk_patient_attribution_org_id foreign key (org_id) references phm_edw.organization (org_id)
);

create table if not exists phm_edw.payer (
    payer_id serial primary key,
    payer_name character varying(200) not null,
    payer_type character varying(50),
    address_id integer,
    active_ind character(1) not null default 'Y'::bpchar,
    effective_start_date date,
    effective_end_date date,
    created_date timestamp without time zone not null default now(),
    updated_date timestamp without time zone,
    constraint fk_payer_address_id foreign key (address_id) references phm_edw.address (address_id)
);

create table if not exists phm_edw.patient_insurance_coverage (
    coverage_id serial primary key,
    patient_id integer not null,
    payer_id integer not null,
    policy_number character varying(50),
    coverage_start_date date not null,
    coverage_end_date date,
    primary_indicator character(1) not null default 'Y'::bpchar,
    active_ind character(1) not null default 'Y'::bpchar,
    effective_start_date date,
    effective_end_date date,
    created_date timestamp without time zone not null default now(),
    updated_date timestamp without time zone,
    constraint fk_patient_insurance_coverage_patient_id foreign key (patient_id) references phm_edw.patient (patient_id),
    constraint fk_patient_insurance_coverage_payer_id foreign key (payer_id) references phm_edw.payer (payer_id)
);

create table if not exists phm_edw.procedure (
    procedure_id serial primary key,
    procedure_code character varying(50) not null,
    procedure_desc character varying(255) not null,
    code_system character varying(50),
    active_ind character(1) not null default 'Y'::bpchar,
    effective_start_date date,
    effective_end_date date,
    created_date timestamp without time zone not null default now(),
    updated_date timestamp without time zone
);

create table if not exists phm_edw.procedure_performed (
    procedure_performed_id serial primary key,
    patient_id integer not null,
    encounter_id integer,
    provider_id integer,
    procedure_id integer not null,
    procedure_datetime timestamp without time zone,
    modifiers character varying(50),
    comments character varying(500),
    active_ind character(1) not null default 'Y'::bpchar,
    effective_start_date date,
    effective_end_date date,
    created_date timestamp without time zone not null default now(),
    updated_date timestamp without time zone,
    constraint fk_procedure_performed_patient_id foreign key (patient_id) references phm_edw.patient (patient_id),
    constraint fk_procedure_performed_encounter_id foreign key (encounter_id) references phm_edw.encounter (encounter_id),
    constraint fk_procedure_performed_provider_id foreign key (provider_id) references phm_edw.provider (provider_id),
    constraint fk_procedure_performed_procedure_id foreign key (procedure_id) references phm_edw.procedure (procedure_id)
);

create table if not exists phm_edw.sdoh_assessment (
    sdoh_assessment_id serial primary key,
    patient_id integer not null,
    assessment_date date not null,
    housing_status character varying(100),
    food_insecurity_ind character(1),
    transportation_ind character(1),
    social_isolation_score integer,
    comments character varying(500),
    active_ind character(1) not null default 'Y'::bpchar,
    created_date timestamp without time zone not null default now(),
    updated_date timestamp without time zone,
    constraint fk_sdoh_assessment_patient_id foreign key (patient_id) references phm_edw.patient (patient_id)
);

-- upstream migration 010_edw_scheduling_clinical.sql

create table if not exists phm_edw.clinic_resource (
    resource_id serial primary key,
    org_id integer,
    resource_name character varying(100) not null,
    resource_type character varying(50) not null,
    capacity integer not null default 1,
    notes character varying(500),
    active_ind character(1) not null default 'Y'::bpchar,
    created_date timestamp without time zone not null default now(),
    updated_date timestamp without time zone,
    constraint fk_clinic_resource_org_id foreign key (org_id) references phm_edw.organization (org_id)
);

create table if not exists phm_edw.appointment (
    appointment_id serial primary key,
    patient_id integer not null,
    provider_id integer not null,
    org_id integer,
    encounter_id integer,
    resource_id integer,
    appointment_date date not null,
    start_time time without time zone not null,
    end_time time without time zone not null,
    appointment_type character varying(50) not null default 'office_visit'::character varying,
    chief_complaint character varying(500),
    visit_reason character varying(255),
    status character varying(30) not null default 'Scheduled'::character varying,
    check_in_time timestamp without time zone,
    rooming_time timestamp without time zone,
    visit_start_time timestamp without time zone,
    visit_end_time timestamp without time zone,
    is_telehealth boolean not null default false,
    telehealth_url character varying(500),
    notes text,
    active_ind character(1) not null default 'Y'::bpchar,
    created_date timestamp without time zone not null default now(),
    updated_date timestamp without time zone,
    constraint fk_appointment_patient_id foreign key (patient_id) references phm_edw.patient (patient_id),
    constraint fk_appointment_provider_id foreign key (provider_id) references phm_edw.provider (provider_id),
    constraint fk_appointment_org_id foreign key (org_id) references phm_edw.organization (org_id),
    constraint fk_appointment_encounter_id foreign key (encounter_id) references phm_edw.encounter (encounter_id),
    constraint fk_appointment_resource_id foreign key (resource_id) references phm_edw.clinic_resource (resource_id)
);

create table if not exists phm_edw.patient_check_in (
    check_in_id serial primary key,
    appointment_id integer not null,
    patient_id integer not null,
    check_in_timestamp timestamp without time zone not null default now(),
    check_in_method character varying(30) not null default 'front_desk'::character varying,
    copay_amount numeric(8,2),
    copay_collected boolean not null default false,
    insurance_verified boolean not null default false,
    id_verified boolean not null default false,
    notes character varying(500),
    active_ind character(1) not null default 'Y'::bpchar,
    created_date timestamp without time zone not null default now(),
    updated_date timestamp without time zone,
    constraint fk_patient_check_in_appointment_id foreign key (appointment_id) references phm_edw.appointment (appointment_id),
    constraint fk_patient_check_in_patient_id foreign key (patient_id) references phm_edw.patient (patient_id)
);

create table if not exists phm_edw.problem_list (
    problem_id serial primary key,
    patient_id integer not null,
    condition_id integer,
    problem_name character varying(255) not null,
    icd10_code character varying(20),
    onset_date date,
    resolved_date date,
    problem_status character varying(30) not null default 'Active'::character varying,
    problem_type character varying(50) not null default 'Chronic'::character varying,
    severity character varying(20),
    provider_id integer,
    notes text,
    active_ind character(1) not null default 'Y'::bpchar,
    created_date timestamp without time zone not null default now(),
    updated_date timestamp without time zone,
    constraint fk_problem_list_patient_id foreign key (patient_id) references phm_edw.patient (patient_id),
    constraint fk_problem_list_condition_id foreign key (condition_id) references phm_edw.condition (condition_id),
    constraint fk_problem_list_provider_id foreign key (provider_id) references phm_edw.provider (provider_id)
);

create table if not exists phm_edw.provider_schedule (
    schedule_id serial primary key,
    provider_id integer not null,
    org_id integer,
    day_of_week smallint not null,
    start_time time without time zone not null,
    end_time time without time zone not null,
    slot_duration_min smallint not null default 30,
    schedule_type character varying(50) not null default 'clinic'::character varying,
    effective_date date not null default CURRENT_DATE,
    end_date date,
    notes character varying(500),
    active_ind character(1) not null default 'Y'::bpchar,
    created_date timestamp without time zone not null default now(),
    updated_date timestamp without time zone,
    constraint fk_provider_schedule_provider_id foreign key (provider_id) references phm_edw.provider (provider_id),
    constraint fk_provider_schedule_org_id foreign key (org_id) references phm_edw.organization (org_id)
);

create table if not exists phm_edw.telehealth_session (
    session_id serial primary key,
    appointment_id integer,
    patient_id integer not null,
    provider_id integer not null,
    session_url character varying(500),
    session_token character varying(255),
    platform character varying(50) not null default 'Medgnosis Telehealth'::character varying,
    scheduled_start timestamp without time zone,
    actual_start timestamp without time zone,
    actual_end timestamp without time zone,
    duration_min smallint,
    status character varying(30) not null default 'Scheduled'::character varying,
    recording_url character varying(500),
    patient_device character varying(50),
    connection_quality character varying(20),
    notes character varying(500),
    active_ind character(1) not null default 'Y'::bpchar,
    created_date timestamp without time zone not null default now(),
    updated_date timestamp without time zone,
    constraint fk_telehealth_session_appointment_id foreign key (appointment_id) references phm_edw.appointment (appointment_id),
    constraint fk_telehealth_session_patient_id foreign key (patient_id) references phm_edw.patient (patient_id),
    constraint fk_telehealth_session_provider_id foreign key (provider_id) references phm_edw.provider (provider_id)
);

-- upstream migration 011_edw_orders_referrals_billing.sql

create table if not exists phm_edw.pharmacy (
    pharmacy_id serial primary key,
    pharmacy_name character varying(200) not null,
    ncpdp_id character varying(20),
    address character varying(500),
    city character varying(100),
    state character(2),
    zip character varying(10),
    phone character varying(20),
    fax character varying(20),
    pharmacy_type character varying(30) not null default 'retail'::character varying,
    accepts_erx boolean not null default true,
    active_ind character(1) not null default 'Y'::bpchar,
    created_date timestamp without time zone not null default now(),
    updated_date timestamp without time zone
);

create table if not exists phm_edw.billing_claim (
    claim_id serial primary key,
    patient_id integer not null,
    encounter_id integer,
    payer_id integer,
    provider_id integer,
    claim_number character varying(50),
    claim_type character varying(30) not null default 'professional'::character varying,
    service_date date not null,
    submission_date date,
    claim_status character varying(30) not null default 'Pending'::character varying,
    total_charges numeric(10,2) not null default 0,
    allowed_amount numeric(10,2),
    paid_amount numeric(10,2),
    patient_responsibility numeric(10,2),
    denial_reason character varying(500),
    denial_code character varying(20),
    remittance_date date,
    active_ind character(1) not null default 'Y'::bpchar,
    created_date timestamp without time zone not null default now(),
    updated_date timestamp without time zone,
    constraint fk_billing_claim_patient_id foreign key (patient_id) references phm_edw.patient (patient_id),
    constraint fk_billing_claim_encounter_id foreign key (encounter_id) references phm_edw.encounter (encounter_id),
    constraint fk_billing_claim_payer_id foreign key (payer_id) references phm_edw.payer (payer_id),
    constraint fk_billing_claim_provider_id foreign key (provider_id) references phm_edw.provider (provider_id)
);

create table if not exists phm_edw.billing_line_item (
    line_item_id serial primary key,
    claim_id integer not null,
    cpt_code character varying(20) not null,
    cpt_description character varying(255),
    modifier character varying(10),
    icd10_pointer_1 character varying(20),
    units smallint not null default 1,
    charge_amount numeric(10,2) not null,
    allowed_amount numeric(10,2),
    paid_amount numeric(10,2),
    line_status character varying(30) not null default 'Pending'::character varying,
    active_ind character(1) not null default 'Y'::bpchar,
    created_date timestamp without time zone not null default now(),
    updated_date timestamp without time zone,
    constraint fk_billing_line_item_claim_id foreign key (claim_id) references phm_edw.billing_claim (claim_id)
);

create table if not exists phm_edw.drug_interaction_alert (
    alert_id serial primary key,
    patient_id integer not null,
    drug_1_name character varying(200) not null,
    drug_2_name character varying(200) not null,
    interaction_type character varying(50) not null,
    description text not null,
    clinical_significance character varying(500),
    management text,
    triggered_datetime timestamp without time zone not null default now(),
    acknowledged_by integer,
    acknowledged_datetime timestamp without time zone,
    override_reason character varying(500),
    active_ind character(1) not null default 'Y'::bpchar,
    created_date timestamp without time zone not null default now(),
    updated_date timestamp without time zone,
    constraint fk_drug_interaction_alert_patient_id foreign key (patient_id) references phm_edw.patient (patient_id),
    constraint fk_drug_interaction_alert_acknowledged_by foreign key (acknowledged_by) references phm_edw.provider (provider_id)
);

create table if not exists phm_edw.e_prescription (
    erx_id serial primary key,
    medication_order_id integer,
    patient_id integer not null,
    prescriber_id integer not null,
    pharmacy_id integer,
    drug_name character varying(200) not null,
    ndc_code character varying(20),
    sig character varying(500) not null,
    quantity character varying(50) not null,
    days_supply smallint,
    refills_authorized smallint not null default 0,
    is_controlled boolean not null default false,
    dea_schedule character varying(5),
    transmission_status character varying(30) not null default 'Sent'::character varying,
    sent_datetime timestamp without time zone,
    filled_datetime timestamp without time zone,
    prior_auth_required boolean not null default false,
    notes character varying(500),
    active_ind character(1) not null default 'Y'::bpchar,
    created_date timestamp without time zone not null default now(),
    updated_date timestamp without time zone,
    constraint fk_e_prescription_medication_order_id foreign key (medication_order_id) references phm_edw.medication_order (medication_order_id),
    constraint fk_e_prescription_patient_id foreign key (patient_id) references phm_edw.patient (patient_id),
    constraint fk_e_prescription_prescriber_id foreign key (prescriber_id) references phm_edw.provider (provider_id),
    constraint fk_e_prescription_pharmacy_id foreign key (pharmacy_id) references phm_edw.pharmacy (pharmacy_id)
);

create table if not exists phm_edw.encounter_diagnosis_code (
    code_id serial primary key,
    encounter_id integer not null,
    patient_id integer not null,
    icd10_code character varying(20) not null,
    icd10_description character varying(500) not null,
    diagnosis_pointer smallint not null default 1,
    hcc_code character varying(20),
    hcc_description character varying(255),
    hcc_weight numeric(6,4),
    cpt_code character varying(20),
    modifier character varying(10),
    is_billable boolean not null default true,
    active_ind character(1) not null default 'Y'::bpchar,
    created_date timestamp without time zone not null default now(),
    updated_date timestamp without time zone,
    constraint fk_encounter_diagnosis_code_encounter_id foreign key (encounter_id) references phm_edw.encounter (encounter_id),
    constraint fk_encounter_diagnosis_code_patient_id foreign key (patient_id) references phm_edw.patient (patient_id)
);

create table if not exists phm_edw.insurance_eligibility (
    eligibility_id serial primary key,
    patient_id integer not null,
    payer_id integer,
    checked_datetime timestamp without time zone not null default now(),
    appointment_id integer,
    eligibility_status character varying(30) not null,
    coverage_start date,
    coverage_end date,
    copay_amount numeric(8,2),
    deductible_remaining numeric(10,2),
    out_of_pocket_max numeric(10,2),
    response_code character varying(20),
    response_message character varying(500),
    active_ind character(1) not null default 'Y'::bpchar,
    created_date timestamp without time zone not null default now(),
    updated_date timestamp without time zone,
    constraint fk_insurance_eligibility_patient_id foreign key (patient_id) references phm_edw.patient (patient_id),
    constraint fk_insurance_eligibility_payer_id foreign key (payer_id) references phm_edw.payer (payer_id),
    constraint fk_insurance_eligibility_appointment_id foreign key (appointment_id) references phm_edw.appointment (appointment_id)
);

-- medication_reconciliation.referral_id references upstream referral, a table outside the 46 this project keeps: the column stays, without its foreign key.

create table if not exists phm_edw.medication_reconciliation (
    reconciliation_id serial primary key,
    patient_id integer not null,
    referral_id integer,
    encounter_id integer,
    reconciled_by integer,
    reconciled_datetime timestamp without time zone not null default now(),
    source character varying(50) not null default 'referral'::character varying,
    medications_added jsonb,
    medications_changed jsonb,
    medications_stopped jsonb,
    reconciliation_notes text,
    active_ind character(1) not null default 'Y'::bpchar,
    created_date timestamp without time zone not null default now(),
    updated_date timestamp without time zone,
    constraint fk_medication_reconciliation_patient_id foreign key (patient_id) references phm_edw.patient (patient_id),
    constraint fk_medication_reconciliation_encounter_id foreign key (encounter_id) references phm_edw.encounter (encounter_id),
    constraint fk_medication_reconciliation_reconciled_by foreign key (reconciled_by) references phm_edw.provider (provider_id)
);

create table if not exists phm_edw.payment (
    payment_id serial primary key,
    claim_id integer not null,
    patient_id integer not null,
    payer_id integer,
    payment_date date not null default CURRENT_DATE,
    payment_type character varying(30) not null default 'insurance'::character varying,
    payment_method character varying(30),
    payment_amount numeric(10,2) not null,
    check_number character varying(50),
    eob_number character varying(50),
    notes character varying(500),
    active_ind character(1) not null default 'Y'::bpchar,
    created_date timestamp without time zone not null default now(),
    updated_date timestamp without time zone,
    constraint fk_payment_claim_id foreign key (claim_id) references phm_edw.billing_claim (claim_id),
    constraint fk_payment_patient_id foreign key (patient_id) references phm_edw.patient (patient_id),
    constraint fk_payment_payer_id foreign key (payer_id) references phm_edw.payer (payer_id)
);

-- prior_authorization.order_id references upstream clinical_order, a table outside the 46 this project keeps: the column stays, without its foreign key.

-- prior_authorization.referral_id references upstream referral, a table outside the 46 this project keeps: the column stays, without its foreign key.

create table if not exists phm_edw.prior_authorization (
    auth_id serial primary key,
    patient_id integer not null,
    payer_id integer,
    order_id integer,
    referral_id integer,
    service_type character varying(50) not null,
    service_description character varying(500) not null,
    cpt_code character varying(20),
    icd10_code character varying(20),
    requested_datetime timestamp without time zone not null default now(),
    auth_status character varying(30) not null default 'Pending'::character varying,
    auth_number character varying(50),
    approved_units integer,
    approved_from date,
    approved_to date,
    denial_reason character varying(500),
    submitted_by integer,
    active_ind character(1) not null default 'Y'::bpchar,
    created_date timestamp without time zone not null default now(),
    updated_date timestamp without time zone,
    constraint fk_prior_authorization_patient_id foreign key (patient_id) references phm_edw.patient (patient_id),
    constraint fk_prior_authorization_payer_id foreign key (payer_id) references phm_edw.payer (payer_id),
    constraint fk_prior_authorization_submitted_by foreign key (submitted_by) references phm_edw.provider (provider_id)
);

create table if not exists phm_edw.refill_request (
    refill_id serial primary key,
    patient_id integer not null,
    medication_order_id integer,
    pharmacy_id integer,
    drug_name character varying(200) not null,
    requested_datetime timestamp without time zone not null default now(),
    request_source character varying(30) not null default 'portal'::character varying,
    request_status character varying(30) not null default 'Pending'::character varying,
    provider_id integer,
    reviewed_datetime timestamp without time zone,
    denial_reason character varying(500),
    notes character varying(500),
    active_ind character(1) not null default 'Y'::bpchar,
    created_date timestamp without time zone not null default now(),
    updated_date timestamp without time zone,
    constraint fk_refill_request_patient_id foreign key (patient_id) references phm_edw.patient (patient_id),
    constraint fk_refill_request_medication_order_id foreign key (medication_order_id) references phm_edw.medication_order (medication_order_id),
    constraint fk_refill_request_pharmacy_id foreign key (pharmacy_id) references phm_edw.pharmacy (pharmacy_id),
    constraint fk_refill_request_provider_id foreign key (provider_id) references phm_edw.provider (provider_id)
);

-- upstream migration 012_edw_quality_ai_oncology_research.sql

create table if not exists phm_edw.quality_reporting_period (
    period_id serial primary key,
    period_name character varying(100) not null,
    period_type character varying(30) not null default 'quarterly'::character varying,
    start_date date not null,
    end_date date not null,
    reporting_year smallint not null,
    reporting_quarter smallint,
    program character varying(50) not null default 'MIPS'::character varying,
    active_ind character(1) not null default 'Y'::bpchar,
    created_date timestamp without time zone not null default now(),
    updated_date timestamp without time zone
);

create table if not exists phm_edw.provider_incentive (
    incentive_id serial primary key,
    provider_id integer not null,
    period_id integer,
    incentive_type character varying(50) not null default 'quality_bonus'::character varying,
    base_compensation numeric(12,2),
    incentive_potential numeric(12,2),
    incentive_earned numeric(12,2),
    performance_rate numeric(6,3),
    metrics_summary jsonb,
    payment_date date,
    notes text,
    active_ind character(1) not null default 'Y'::bpchar,
    created_date timestamp without time zone not null default now(),
    updated_date timestamp without time zone,
    constraint fk_provider_incentive_provider_id foreign key (provider_id) references phm_edw.provider (provider_id),
    constraint fk_provider_incentive_period_id foreign key (period_id) references phm_edw.quality_reporting_period (period_id)
);

create table if not exists phm_edw.quality_score (
    score_id serial primary key,
    provider_id integer not null,
    period_id integer not null,
    measure_id integer,
    bundle_id integer,
    numerator_count integer not null default 0,
    denominator_count integer not null default 0,
    performance_rate numeric(6,3),
    performance_score numeric(6,2),
    benchmark_percentile smallint,
    mips_points_earned numeric(6,2),
    active_ind character(1) not null default 'Y'::bpchar,
    created_date timestamp without time zone not null default now(),
    updated_date timestamp without time zone,
    constraint fk_quality_score_provider_id foreign key (provider_id) references phm_edw.provider (provider_id),
    constraint fk_quality_score_period_id foreign key (period_id) references phm_edw.quality_reporting_period (period_id),
    constraint fk_quality_score_measure_id foreign key (measure_id) references phm_edw.measure_definition (measure_id),
    constraint fk_quality_score_bundle_id foreign key (bundle_id) references phm_edw.condition_bundle (bundle_id),
    unique(provider_id,period_id,measure_id)
);
