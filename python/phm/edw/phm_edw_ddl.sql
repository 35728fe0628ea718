-- phm_edw: the Medgnosis 3NF enterprise data warehouse (source of the star).
-- Tables and columns of upstream migrations 001 (core EDW) and 006 (care-gap bundles),
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
