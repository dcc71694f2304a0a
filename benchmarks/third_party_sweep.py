"""check_transformer over every public transformer of scikit-lego and skrub, fed data
inferred (``mltest.data.infer_schema``) from frames like those of their own documentation,
as a user following the docs would. The triage of what it flags is docs/third-party.md.

Not part of the test suite (neither library is a dependency of mltest):
    pip install scikit-lego skrub
    python benchmarks/third_party_sweep.py [NAME ...]
Prints one line per transformer: the failed properties, with their first message line,
and the time the check took (goal: none over 60 s at defaults).
"""

from __future__ import annotations

import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import strategies as st
from sklearn.datasets import load_diabetes

import mltest
from mltest.data import infer_schema

warnings.simplefilter("ignore")
RNG = np.random.default_rng(0)


# --- frames like the libraries' documentation examples --------------------------------------


def _employees(n: int = 40) -> pd.DataFrame:
    """As skrub's employee salaries (its TableVectorizer and Cleaner examples)."""
    return pd.DataFrame(
        {
            "gender": RNG.choice(["F", "M"], n),
            "department": RNG.choice(["POL", "FRS", "HHS", "DOT"], n),
            "assignment": RNG.choice(["Fire/Rescue", "Police", "Health", "Transit"], n),
            "year_first_hired": RNG.integers(1980, 2020, n),
            "date_first_hired": pd.Timestamp("1990-01-01")
            + pd.to_timedelta(RNG.integers(0, 10_000, n), unit="D"),
            "salary": RNG.gamma(9.0, 9_000.0, n).round(2),
        }
    )


def _numbers() -> pd.DataFrame:
    return load_diabetes(as_frame=True).frame.drop(columns="target").iloc[:60]


CITIES = pd.DataFrame(
    {
        "city": ["Paris, FR", "Paris", "London, UK", "Paris, France", "london", "London, England"]
        * 4
    }
)
FLIGHTS = pd.DataFrame(
    {
        "from_airport": [1, 1, 1, 2, 2, 2] * 4,
        "total_passengers": RNG.integers(60, 130, 24),
        "company": RNG.choice(["DL", "AF", "TR"], 24),
    }
)
DATES = pd.DataFrame(
    {"login": pd.Timestamp("2024-05-13") + pd.to_timedelta(RNG.integers(0, 10**6, 30), unit="s")}
)
# infer_schema has no duration kind (see docs/third-party.md): drawn directly
DURATION_SERIES = st.lists(st.integers(0, 10**6), min_size=2, max_size=20).map(
    lambda seconds: pd.Series(pd.to_timedelta(seconds, unit="s"), name="d")
)
CLEANER = pd.DataFrame(
    {
        "A": ["one", "two", "two", "three"] * 5,
        "B": ["02/02/2024", "23/02/2024", "12/03/2024", "13/03/2024"] * 5,
        "C": ["1.5", "N/A", "12.2", "N/A"] * 5,
        "D": [1.5, 2.0, 2.5, 3.0] * 5,
    }
)
EVENTS = pd.DataFrame(
    {
        "user_id": RNG.integers(1, 4, 30),
        "timestamp": pd.Timestamp("2024-01-01")
        + pd.to_timedelta(RNG.integers(0, 20_000, 30), unit="s"),
    }
)
DAYS = pd.DataFrame({"day": RNG.integers(1, 366, 50), "x": RNG.normal(size=50)})


def _series(frame: pd.DataFrame) -> Any:
    """Data for a single-column encoder: the schema's frames, as a Series."""
    return infer_schema(frame).strategy(min_rows=2).map(lambda df: df.iloc[:, 0])


def _frames(frame: pd.DataFrame) -> Any:
    return infer_schema(frame)


# name -> (factory, check_transformer options)
def _cases() -> dict[str, tuple[Callable[[], Any], dict[str, Any]]]:
    import sklego.feature_selection as lfs
    import sklego.meta as lm
    import sklego.pipeline as lpl
    import sklego.preprocessing as lp
    import skrub
    from sklearn.ensemble import IsolationForest
    from sklearn.linear_model import LinearRegression
    from sklearn.preprocessing import StandardScaler

    numbers, regression = _frames(_numbers()), {"target": "regression"}
    return {
        # scikit-lego
        "ColumnCapper": (lp.ColumnCapper, {"data": numbers}),
        "ColumnDropper": (lambda: lp.ColumnDropper(columns=["age"]), {"data": numbers}),
        "ColumnSelector": (lambda: lp.ColumnSelector(columns=["age", "bmi"]), {"data": numbers}),
        "DictMapper": (
            lambda: lp.DictMapper(mapper={"F": 1, "M": 2}, default=0),
            {"data": _frames(_employees()[["gender"]])},
        ),
        "EstimatorTransformer": (
            lambda: lm.EstimatorTransformer(LinearRegression()),
            {"data": numbers, **regression},
        ),
        "GroupedTransformer": (
            lambda: lm.GroupedTransformer(StandardScaler(), groups=["sex"]),
            {"data": numbers},
        ),
        "IdentityTransformer": (lp.IdentityTransformer, {"data": numbers}),
        "InformationFilter": (lambda: lp.InformationFilter(columns=["sex"]), {"data": numbers}),
        "IntervalEncoder": (lp.IntervalEncoder, {"data": numbers, **regression}),
        "LinearEmbedder": (lp.LinearEmbedder, {"data": numbers, **regression}),
        "MaximumRelevanceMinimumRedundancy": (
            lambda: lfs.MaximumRelevanceMinimumRedundancy(k=2),
            {"data": numbers, **regression},
        ),
        "MonotonicSplineTransformer": (lp.MonotonicSplineTransformer, {"data": numbers}),
        "OrthogonalTransformer": (lp.OrthogonalTransformer, {"data": numbers}),
        "OutlierRemover": (
            lambda: lp.OutlierRemover(outlier_detector=IsolationForest(random_state=0)),
            {"data": numbers},
        ),
        "PandasTypeSelector": (
            lambda: lp.PandasTypeSelector(include="number"),
            {"data": _frames(_employees())},
        ),
        "TypeSelector": (
            lambda: lp.TypeSelector(include="number"),
            {"data": _frames(_employees())},
        ),
        "RandomAdder": (lp.RandomAdder, {"data": numbers, **regression}),
        "RepeatingBasisFunction": (
            lambda: lp.RepeatingBasisFunction(column="day", input_range=(1, 365)),
            {"data": _frames(DAYS)},
        ),
        "DebugPipeline": (
            lambda: lpl.DebugPipeline([("scale", StandardScaler())]),
            {"data": numbers},
        ),
        # skrub
        "AggTarget": (
            lambda: skrub.AggTarget(main_key="company", operations=["mean"]),
            {"data": _frames(FLIGHTS), "target": "binary"},
        ),
        "ApplyToCols": (
            lambda: skrub.ApplyToCols(StandardScaler(), cols=["age"]),
            {"data": numbers},
        ),
        "CatEncoder": (
            lambda: skrub.CatEncoder(max_categories=3),
            {"data": _series(_employees()[["department"]]), "target": "binary"},
        ),
        "Cleaner": (skrub.Cleaner, {"data": _frames(CLEANER)}),
        "DatetimeEncoder": (skrub.DatetimeEncoder, {"data": _series(DATES)}),
        "DropCols": (lambda: skrub.DropCols(["age"]), {"data": numbers}),
        "SelectCols": (lambda: skrub.SelectCols(["age", "bmi"]), {"data": numbers}),
        "Drop": (skrub.Drop, {"data": _series(_numbers()[["age"]])}),
        "DropSimilar": (lambda: skrub.DropSimilar(threshold=0.8), {"data": numbers}),
        "DropUninformative": (
            skrub.DropUninformative,
            {"data": _series(_employees()[["gender"]])},
        ),
        "DurationToFloat": (skrub.DurationToFloat, {"data": DURATION_SERIES}),
        "GapEncoder": (lambda: skrub.GapEncoder(n_components=2), {"data": _series(CITIES)}),
        "MinHashEncoder": (
            lambda: skrub.MinHashEncoder(n_components=5),
            {"data": _series(CITIES)},
        ),
        "SessionEncoder": (
            lambda: skrub.SessionEncoder(timestamp_col="timestamp", split_by="user_id"),
            {"data": _frames(EVENTS)},
        ),
        "SimilarityEncoder": (
            skrub.SimilarityEncoder,
            {"data": _frames(_employees()[["gender", "department"]])},
        ),
        "SquashingScaler": (skrub.SquashingScaler, {"data": numbers}),
        "StringEncoder": (lambda: skrub.StringEncoder(n_components=2), {"data": _series(CITIES)}),
        "TableVectorizer": (skrub.TableVectorizer, {"data": _frames(_employees())}),
        "ToCategorical": (skrub.ToCategorical, {"data": _series(_employees()[["department"]])}),
        "ToDatetime": (
            skrub.ToDatetime,
            {"data": _series(pd.DataFrame({"d": ["2024-05-13", "2024-06-01", "2023-12-31"] * 4}))},
        ),
        "ToFloat": (
            skrub.ToFloat,
            {"data": _series(pd.DataFrame({"x": ["1.5", "2", "3.25"] * 4}))},
        ),
        "Joiner": (
            lambda: skrub.Joiner(
                pd.DataFrame({"company": ["DL", "AF", "TR"], "country": ["US", "FR", "TR"]}),
                key="company",
                suffix="_aux",
            ),
            {"data": _frames(FLIGHTS)},
        ),
        "AggJoiner": (
            lambda: skrub.AggJoiner(
                FLIGHTS.assign(delay=RNG.normal(size=24)),
                key="company",
                cols="delay",
                operations="mean",
            ),
            {"data": _frames(FLIGHTS)},
        ),
    }


NOT_CHECKED = {
    "TextEncoder": "downloads a language model from a hub at fit time",
    "LLMEncoder": "calls a language model service",
    "InterpolationJoiner": "fits one estimator per auxiliary column: covered by Joiner",
    "MultiAggJoiner": "several AggJoiners: covered by AggJoiner",
    "FormulaicTransformer": "needs the formulaic package",
    "TrainOnlyTransformerMixin": "a mixin, not a transformer",
    "GroupedTransformer": None,
}


def main(names: list[str]) -> None:
    cases = _cases()
    for name in names or sorted(cases):
        make, options = cases[name]
        start = time.perf_counter()
        try:
            report = mltest.check_transformer(make(), raise_on_failure=False, **options)
            flags = [
                f"{r.name} [{r.status}]: {r.message.splitlines()[0][:160]}"
                for r in report.results
                if r.status in ("failed", "error")
            ]
        except mltest.UsageError as exc:
            flags = [f"UsageError: {str(exc).splitlines()[0][:200]}"]
        seconds = time.perf_counter() - start
        print(f"{name} ({seconds:.1f}s): {'; '.join(flags) or 'passed'}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
