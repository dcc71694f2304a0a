"""Data collection and verification: schemas, validation, sources, synthetic data."""

from mltest.data.infer import infer_schema
from mltest.data.schema import Column, Rule, Schema
from mltest.data.sources import Source, check_join, check_schema_agreement, check_sources
from mltest.data.validate import assert_valid, check_valid

__all__ = [
    "Column",
    "Rule",
    "Schema",
    "Source",
    "assert_valid",
    "check_join",
    "check_schema_agreement",
    "check_sources",
    "check_valid",
    "infer_schema",
]
