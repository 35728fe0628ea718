"""The phm_edw source schema: DDL and the synthetic data generator."""
