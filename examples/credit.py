"""The credit model of the example project: who will default on a loan.

The applicants are generated here (nothing is downloaded): income, debt, age, region and an
applicant id. The model uses income, debt and age only, and is constrained to be
monotone — more income never raises the predicted risk, more debt never lowers it.
``pytest --mltest examples/`` checks the trained model's behaviour (``@mltest.model``);
``examples/test_lifecycle.py`` runs the other stages on it.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import Pipeline

import mltest
from mltest.data import Column, Schema, Source

REGIONS = ["north", "south", "east", "west"]
SCHEMA = Schema(
    columns={
        "applicant_id": Column("applicant_id", "int", min=0, max=10_000_000, unique=True),
        "income": Column("income", "float", min=10_000.0, max=300_000.0),
        "debt": Column("debt", "float", min=0.0, max=200_000.0),
        "age": Column("age", "int", min=18, max=90),
        "region": Column("region", "category", categories=REGIONS),
    }
)
FEATURES = ["income", "debt", "age"]


def applicants(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "applicant_id": rng.permutation(10_000_000)[:n],
            "income": np.clip(rng.lognormal(11, 0.5, n), 10_000, 300_000),
            "debt": np.clip(rng.gamma(2.0, 15_000, n), 0, 200_000),
            "age": rng.integers(18, 91, n),
            "region": pd.Categorical(rng.choice(REGIONS, n), categories=REGIONS),
        }
    )


def defaults(frame: pd.DataFrame, seed: int) -> np.ndarray:
    """1 where the applicant defaulted: more likely with debt, less with income and age."""
    rng = np.random.default_rng(seed)
    logit = 2.0 * frame["debt"] / frame["income"] - 1.5e-5 * frame["income"] - 0.01 * frame["age"]
    return (rng.random(len(frame)) < 1 / (1 + np.exp(-logit))).astype(int)


def production(days: int, per_day: int, seed: int, *, start: str = "2026-11-01") -> pd.DataFrame:
    """``days`` of decisions in production: the applicants, when each was decided
    (``decided_at``, ascending) and whether they defaulted (``defaulted``, known later)."""
    frame = applicants(days * per_day, seed=seed)
    offsets = np.sort(np.random.default_rng(seed + 1).integers(0, days * 86_400, len(frame)))
    frame["decided_at"] = pd.Timestamp(start) + pd.to_timedelta(offsets, unit="s")
    frame["defaulted"] = defaults(frame, seed=seed + 2)
    return frame


@functools.cache
def training_data() -> tuple[pd.DataFrame, np.ndarray]:
    frame = applicants(8_000, seed=0)
    return frame, defaults(frame, seed=1)


def sources(now: str = "2026-11-01") -> tuple[Source, Source]:
    """Where the training data comes from: the applications received in the 30 days before
    ``now`` (one row per applicant) and, from the loan system, whether each defaulted."""
    frame, y = training_data()
    seconds = np.random.default_rng(9).integers(0, 30 * 86_400, len(frame))
    received = pd.Timestamp(now) - pd.to_timedelta(seconds, unit="s")
    applications = Source(
        "applications",
        frame.assign(received_at=received),
        timestamp="received_at",
        max_age="1D",  # the export runs daily
        volume=(6_000, 12_000),
        key="applicant_id",
    )
    outcomes = Source(
        "outcomes",
        pd.DataFrame({"applicant_id": frame["applicant_id"], "defaulted": y}),
        volume=(6_000, 12_000),
        key="applicant_id",
    )
    return applications, outcomes


@functools.cache
def train() -> Pipeline:
    frame, y = training_data()
    features = ColumnTransformer([("keep", "passthrough", FEATURES)], remainder="drop")
    model = HistGradientBoostingClassifier(
        max_iter=60,
        monotonic_cst=[-1, 1, 0],
        random_state=0,  # income down, debt up
    )
    return Pipeline([("features", features), ("model", model)]).fit(frame, y)


@mltest.model(
    schema=SCHEMA,
    invariant_to=["applicant_id", "region"],
    monotone={"income": "decreasing", "debt": "increasing"},
    max_examples=20,
)
def credit_model() -> Pipeline:
    return train()
