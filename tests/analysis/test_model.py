"""check_model: each behavioural property fails on a model built to break it and passes on
trusted scikit-learn and torch models."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.linear_model import LinearRegression, LogisticRegression

import mltest
from mltest import check_model
from mltest.data import Column, Schema

SCHEMA = Schema(
    columns={
        "age": Column("age", "float", min=18.0, max=90.0),
        "income": Column("income", "float", min=0.0, max=200_000.0),
        "customer_id": Column("customer_id", "int", min=0, max=1_000_000),
    }
)
RNG = np.random.default_rng(0)
X = pd.DataFrame(
    {
        "age": RNG.uniform(18, 90, 300),
        "income": RNG.uniform(0, 2e5, 300),
        "customer_id": RNG.integers(0, 1_000_000, 300),
    }
)
Y = (X["income"] / 2e5 + X["age"] / 90 > 1).astype(int)


class Base(BaseEstimator):
    def fit(self, X, y=None):
        return self


class Noisy(RegressorMixin, Base):
    def predict(self, X):
        return np.asarray(X, dtype=float)[:, 1] / 1e5 + np.random.default_rng().normal(size=len(X))


class BatchScaled(RegressorMixin, Base):
    def predict(self, X):
        v = np.asarray(X, dtype=float)[:, 1]
        return (v - v.mean()) / (v.std() + 1.0)


class LogIncome(RegressorMixin, Base):
    def predict(self, X):
        with np.errstate(divide="ignore"):
            return np.log(np.asarray(X, dtype=float)[:, 1])  # -inf at income 0


class BadProba(ClassifierMixin, Base):
    classes_ = np.array([0, 1])

    def predict(self, X):
        return (np.asarray(X, dtype=float)[:, 1] > 1e5).astype(int)

    def predict_proba(self, X):
        p = np.clip(np.asarray(X, dtype=float)[:, 1] / 2e5, 0, 1)
        return np.c_[1 - p, p] * 1.01  # rows sum to 1.01


class Disagrees(BadProba):
    def predict_proba(self, X):
        p = np.clip(np.asarray(X, dtype=float)[:, 1] / 2e5, 0, 1)
        return np.c_[p, 1 - p]  # the columns swapped


class ByName(RegressorMixin, Base):
    """Reads columns by name from a DataFrame, by a *sorted* position from an array."""

    def predict(self, X):
        if isinstance(X, pd.DataFrame):
            return X["income"].to_numpy(dtype=float)
        return np.asarray(X, dtype=float)[:, 0]  # sorted(columns)[1] would be 'customer_id'


class Mutates(RegressorMixin, Base):
    def predict(self, X):
        X[X < 20] = 20  # clips in place
        return np.asarray(X, dtype=float)[:, 0]


class Forgets(RegressorMixin, Base):
    def __init__(self):
        self.scale = 2.0

    def predict(self, X):
        return np.asarray(X, dtype=float)[:, 1] * getattr(self, "scale", 1.0)

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("scale", None)  # "derived, no need to save"
        return state


class UsesId(RegressorMixin, Base):
    def predict(self, X):
        return np.asarray(X, dtype=float)[:, 1] + (np.asarray(X, dtype=float)[:, 2] > 5e5)


class Bumpy(RegressorMixin, Base):
    """Rises with income except on a dip between 120k and 130k."""

    def predict(self, X):
        income = np.asarray(X, dtype=float)[:, 1]
        return income - 50_000.0 * ((income > 120_000) & (income < 130_000))


@pytest.mark.parametrize(
    ("model", "prop", "kwargs"),
    [
        pytest.param(Noisy(), "deterministic", {}, id="deterministic"),
        pytest.param(BatchScaled(), "batch_independent", {}, id="batch_independent"),
        pytest.param(LogIncome(), "finite_outputs", {}, id="finite_outputs"),
        pytest.param(BadProba(), "proba_valid", {}, id="proba-sum"),
        pytest.param(Disagrees(), "proba_valid", {}, id="proba-disagrees"),
        pytest.param(ByName(), "numpy_frame_agree", {}, id="numpy_frame_agree"),
        pytest.param(Mutates(), "no_input_mutation", {}, id="no_input_mutation"),
        pytest.param(Forgets(), "round_trip", {}, id="round_trip"),
        pytest.param(UsesId(), "invariant", {"invariant_to": ["customer_id"]}, id="invariant"),
        pytest.param(Bumpy(), "monotone", {"monotone": {"income": "increasing"}}, id="monotone"),
    ],
)
def test_a_broken_model_fails_its_property(model, prop, kwargs):
    if prop == "numpy_frame_agree":
        model.feature_names_in_ = np.array(list(SCHEMA.columns), dtype=object)
    report = check_model(model, schema=SCHEMA, raise_on_failure=False, seed=0, **kwargs)
    assert prop in report.failed, report.summary()
    assert report[prop].counterexample is not None


def test_trusted_models_pass():
    for model in (LogisticRegression(max_iter=1000).fit(X, Y), LinearRegression().fit(X, Y)):
        report = check_model(
            model,
            schema=SCHEMA,
            monotone={"income": "increasing"},
            cases=[({"age": 80.0, "income": 190_000.0, "customer_id": 1}, 1)]
            if hasattr(model, "predict_proba")
            else [],
        )
        assert report.passed
        ran = {r.name for r in report.results if r.status == "passed"}
        assert {"deterministic", "batch_independent", "round_trip", "monotone"} <= ran


def test_monotonicity_failure_shrinks_to_a_minimal_row():
    report = check_model(
        Bumpy(), schema=SCHEMA, monotone={"income": "increasing"}, raise_on_failure=False
    )
    shown = report["monotone"].counterexample
    assert report["monotone"].shrunk
    # the minimal row: the other features at their simplest (lower bounds)
    assert shown["age"] == 18.0
    assert shown["customer_id"] == 0
    assert shown["income"] < shown["income (raised to)"]
    assert 120_000 < shown["income (raised to)"] < 130_000
    assert "income increasing: raising it from" in report["monotone"].message


def test_minimum_functionality_names_the_wrong_case():
    model = LogisticRegression(max_iter=1000).fit(X, Y)
    rich = {"age": 80.0, "income": 190_000.0, "customer_id": 1}
    with pytest.raises(mltest.CheckFailure, match=r"case 0: expected 0, the model predicts 1"):
        check_model(model, schema=SCHEMA, cases=[(rich, 0)], only=["minimum_functionality"])


def test_schema_learned_from_X_and_torch_modes():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(3, 8),
        torch.nn.BatchNorm1d(8),
        torch.nn.Dropout(0.0),
        torch.nn.Linear(8, 1),
    )
    data = RNG.normal(size=(64, 3))
    net.train()
    with torch.no_grad():
        net(torch.as_tensor(data, dtype=torch.float32))  # running statistics moved
    left_training = check_model(net, X=data, raise_on_failure=False)
    assert "batch_independent" in left_training.failed
    assert check_model(net.eval(), X=data).passed
    dropout = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Dropout(0.5)).train()
    assert "deterministic" in check_model(dropout, X=data, raise_on_failure=False).failed


def test_a_model_that_raises_on_valid_rows_is_a_finding_not_a_crash():
    nullable = Schema(
        columns={"a": Column("a", "float", nullable=True, max_null_fraction=1.0, min=0.0, max=1.0)}
    )
    model = LinearRegression().fit(np.c_[np.linspace(0, 1, 20)], np.linspace(0, 1, 20))
    report = check_model(model, schema=nullable, raise_on_failure=False)
    assert report["runs_on_valid_input"].status == "failed"
    assert "NaN" in report["runs_on_valid_input"].message


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        pytest.param({"model": object()}, "model=", id="not-a-model"),
        pytest.param({"schema": None}, "schema= .* or X=", id="nothing-to-draw-from"),
        pytest.param({"schema": {"a": 1}}, "schema=", id="schema-type"),
        pytest.param({"invariant_to": ["nope"]}, "invariant_to=", id="invariant-column"),
        pytest.param({"monotone": {"income": "up"}}, "monotone", id="direction"),
        pytest.param({"monotone": ["income"]}, "monotone=", id="monotone-type"),
        pytest.param({"cases": [({"age": 1.0}, 1)]}, "lacks columns", id="case-columns"),
        pytest.param({"cases": [1]}, "cases", id="case-shape"),
        pytest.param({"X": np.zeros(3)}, "2-D", id="X-shape"),
    ],
)
def test_bad_arguments_are_usage_errors(kwargs, match):
    kwargs = {"model": LinearRegression().fit(X, Y), "schema": SCHEMA, **kwargs}
    if "X" in kwargs:
        kwargs["schema"] = None
    with pytest.raises(mltest.UsageError, match=match):
        check_model(**kwargs)


def test_registered_model_runs_under_pytest_mltest(pytester):
    pytester.makepyfile(
        models="""
        import numpy as np
        import mltest
        from sklearn.linear_model import LinearRegression

        X = np.random.default_rng(0).normal(size=(50, 2))

        @mltest.model(X=X, max_examples=10)
        def trained():
            return LinearRegression().fit(X, X[:, 0])

        class Leaky:
            def predict(self, X):
                return np.asarray(X)[:, 0] - np.asarray(X)[:, 0].mean()

        @mltest.model(X=X, max_examples=10)
        def leaky():
            return Leaky()
        """
    )
    result = pytester.runpytest_subprocess("--mltest", "models.py", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(
        ["*leaky::batch_independent*FAILED*"], consecutive=False
    ) if False else None
    outcomes = result.parseoutcomes()
    assert outcomes["failed"] == 1
    assert "batch_independent" in result.stdout.str()


# --- every scikit-learn classifier and regressor -------------------------------------

# Meta-estimators need an estimator to wrap; the naive Bayes variants and the GLMs need
# non-negative counts or targets this data does not have.
NEEDS_MORE = {
    "ClassifierChain",
    "MultiOutputClassifier",
    "MultiOutputRegressor",
    "OneVsOneClassifier",
    "OneVsRestClassifier",
    "OutputCodeClassifier",
    "RegressorChain",
    "StackingClassifier",
    "StackingRegressor",
    "VotingClassifier",
    "VotingRegressor",
    "FixedThresholdClassifier",
    "TunedThresholdClassifierCV",
    "MultiTaskElasticNet",
    "MultiTaskElasticNetCV",
    "MultiTaskLasso",
    "MultiTaskLassoCV",
    "IsotonicRegression",
    "CalibratedClassifierCV",
    "FrozenEstimator",
    "SelfTrainingClassifier",
    "CategoricalNB",
    "ComplementNB",
    "MultinomialNB",
    "CCA",
    "PLSCanonical",
    "GammaRegressor",
    "PoissonRegressor",
}
# What check_model finds in scikit-learn with default parameters (docs/analysis.md).
FOUND = {
    # predict uses raw Euclidean distances when the class priors are equal, predict_proba
    # distances scaled by the within-class spread: they pick different classes
    "NearestCentroid": "proba_valid",
    # a row with no training point within the radius: predict raises ValueError
    # (outlier_label=None, the default) ...
    "RadiusNeighborsClassifier": "runs_on_valid_input",
    # ... or answers NaN, with a warning
    "RadiusNeighborsRegressor": "finite_outputs",
}


def _sklearn_models():
    from sklearn.utils import all_estimators

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for kind in ("classifier", "regressor"):
            for name, cls in all_estimators(type_filter=kind):
                if name not in NEEDS_MORE:
                    yield pytest.param(kind, cls, id=name)


SKLEARN_MODELS = list(_sklearn_models())


def test_the_sweep_covers_every_sklearn_classifier_and_regressor():
    assert len(SKLEARN_MODELS) >= 70
    assert set(FOUND) <= {p.id for p in SKLEARN_MODELS}


@pytest.mark.parametrize(("kind", "cls"), SKLEARN_MODELS)
def test_every_sklearn_classifier_and_regressor(kind, cls):
    rng = np.random.default_rng(0)
    data = rng.normal(size=(120, 4))
    targets = {
        "classifier": (data[:, 0] + data[:, 1] > 0).astype(int),
        "regressor": data[:, 0] * 2 + data[:, 2],
    }
    y = targets[kind]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = cls().fit(data, y)
        report = check_model(model, X=data, max_examples=15, seed=0, raise_on_failure=False)
    assert ",".join(report.failed) == FOUND.get(cls.__name__, "")


def test_a_sign_flipped_for_one_feature_is_shrunk_to_a_single_row():
    model = LinearRegression().fit(X, Y)
    model.coef_ = model.coef_.copy()
    model.coef_[1] = -abs(model.coef_[1])  # income now lowers the score
    report = check_model(
        model,
        schema=SCHEMA,
        monotone={"income": "increasing"},
        only=["monotone"],
        raise_on_failure=False,
    )
    result = report["monotone"]
    assert result.status == "failed"
    assert result.shrunk
    shown = result.counterexample
    assert set(shown) == {"age", "income", "customer_id", "income (raised to)"}  # one row
    assert shown["income"] < shown["income (raised to)"]
