"""The one check convention: every check_* returns a Report, every assert_* raises it, a
kind is a Checker object, and a plugin adds a kind through a hook."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
from hypothesis import strategies as st
from sklearn.preprocessing import StandardScaler

import mltest
from mltest.data import Column, Schema, Source
from mltest.report import REASONS, STAGES, STATUSES

from .properties import buggy_metrics, buggy_transformers


def _unseeded():
    return np.random.default_rng().random(2)


FAILING_CHECKS = [
    pytest.param(
        lambda **kw: mltest.check_transformer(buggy_transformers.NaiveScaler(), **kw),
        "transformer",
        "code",
        id="transformer",
    ),
    pytest.param(
        lambda **kw: mltest.check_metric(
            buggy_metrics.accuracy_percent, task="binary", bounds=(0, 1), **kw
        ),
        "metric",
        "code",
        id="metric",
    ),
    pytest.param(
        lambda **kw: mltest.check_reproducible(_unseeded, **kw),
        "reproducible",
        "reproducibility",
        id="reproducible",
    ),
    pytest.param(
        lambda **kw: mltest.check_equivalent(abs, lambda x: x, st.integers(), **kw),
        "equivalent",
        "code",
        id="equivalent",
    ),
    pytest.param(
        lambda **kw: mltest.data.check_valid(
            pd.DataFrame({"x": [-1.0]}), Schema({"x": Column("x", "float", min=0.0)}), **kw
        ),
        "schema",
        "data-verification",
        id="valid",
    ),
    pytest.param(
        lambda **kw: mltest.data.check_sources(
            [Source("a", pd.DataFrame({"k": [1, 1]}), key="k")], **kw
        ),
        "sources",
        "data-collection",
        id="sources",
    ),
    pytest.param(
        lambda **kw: mltest.perf.check_scaling(
            lambda xs: [x for x in xs if xs.count(x) > 0],
            lambda n: list(range(n)),
            [200, 400, 800],
            max_exponent=1.2,
            **kw,
        ),
        "scaling",
        "performance",
        id="scaling",
    ),
]


@pytest.mark.parametrize(("check", "kind", "stage"), FAILING_CHECKS)
def test_every_check_returns_a_stamped_report_or_raises_it(check, kind, stage):
    report = check(raise_on_failure=False)
    assert isinstance(report, mltest.Report)
    assert not report.passed
    assert (report.kind, report.stage) == (kind, stage)
    assert all(r.stage == stage for r in report.results)
    assert all(r.status in STATUSES for r in report.results)
    assert all(r.reason is None or r.reason in REASONS for r in report.results)
    json.dumps(report.to_dict())
    with pytest.raises(mltest.CheckFailure) as info:
        check()
    assert info.value.report.failed == report.failed
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__


def test_statuses_that_are_not_failures_are_fields_not_message_text():
    report = mltest.check_transformer(StandardScaler(), skip=["pickle_roundtrip"], max_examples=5)
    assert report["pickle_roundtrip"].reason == "declared_off"
    assert report["not_fitted_raises"].status == "passed"
    from sklearn.preprocessing import Normalizer

    report = mltest.check_transformer(Normalizer(), only=["not_fitted_raises"], max_examples=5)
    assert report["not_fitted_raises"].reason == "not_applicable"
    assert report.passed


def test_stages_are_the_documented_ones():
    assert set(STAGES) == {
        "data-collection",
        "data-verification",
        "code",
        "reproducibility",
        "model-analysis",
        "deployment",
        "monitoring",
        "performance",
    }
    with pytest.raises(mltest.UsageError, match="stage="):

        class Wrong(mltest.Checker):  # a kind must name a documented stage
            stage = "testing"


def test_version_is_exposed():
    assert mltest.__version__.count(".") == 2
    out = subprocess.run(
        [sys.executable, "-m", "mltest.cli", "--version"], capture_output=True, text=True
    )
    assert out.stdout.strip() == f"mltest {mltest.__version__}"


def test_decorating_imports_nothing_heavy():
    code = textwrap.dedent(
        """
        import sys
        import mltest

        @mltest.transformer(max_examples=5)
        class Scaler:
            def fit(self, X, y=None):
                return self

        @mltest.metric(task="binary")
        def metric(y_true, y_pred):
            return 1.0

        @mltest.reproducible(seed=1)
        def train():
            return 1

        heavy = ("hypothesis", "pandas", "sklearn", "numpy", "torch", "scipy")
        print(sorted(m for m in heavy if m in sys.modules))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- a kind added through the hook, with no edit to mltest ---------------------------------

TOY_PLUGIN = textwrap.dedent(
    '''
    from hypothesis import strategies as st

    import mltest
    from mltest.engine import Violation, call_user, prop

    PROPERTIES = []


    @prop(PROPERTIES)
    def no_empty_tokens(case):
        """Every token has at least one character.

        An empty token becomes an all-zero embedding row.
        """
        if any(token == "" for token in case.tokens):
            raise Violation(f"an empty token in {case.tokens!r}")


    @prop(PROPERTIES)
    def joins_back(case):
        """Joining the tokens with spaces gives the text with its spaces normalised.

        A tokenizer that drops characters loses information before the model sees it.
        """
        if " ".join(case.tokens) != " ".join(case.text.split()):
            raise Violation(f"{case.tokens!r} does not join back to {case.text!r}")


    class Case:
        def __init__(self, spec, text):
            self.text = text
            self.tokens = call_user("tokenize", spec, text)


    class TokenizerChecker(mltest.PropertyChecker):
        name = "tokenizer"
        stage = "code"
        argument = "fn"
        max_examples = 30

        def kind_properties(self):
            return PROPERTIES

        def prepare(self, fn):
            if not callable(fn):
                raise mltest.UsageError(f"fn={fn!r}: must be callable")
            return fn

        def strategy(self, spec):
            return st.text(alphabet="ab ", max_size=8)

        def make_case(self, spec, example):
            return Case(spec, example)


    def pytest_mltest_checkers(config):
        return [TokenizerChecker()]
    '''
)

TOKENIZERS = textwrap.dedent(
    """
    import mltest


    @mltest.register("tokenizer")
    def split_words(text):
        return text.split()


    @mltest.register("tokenizer", max_examples=50)
    def split_on_space(text):
        return text.split(" ")
    """
)


def test_a_kind_added_through_the_hook_gets_items(pytester):
    pytester.makeconftest(TOY_PLUGIN)
    pytester.makepyfile(tokenizers=TOKENIZERS)
    result = pytester.runpytest_subprocess(
        "--mltest", "tokenizers.py", "-v", "-p", "no:cacheprovider"
    )
    result.stdout.fnmatch_lines(
        [
            "*tokenizers.py::split_words::runs_on_valid_input PASSED*",
            "*tokenizers.py::split_words::no_empty_tokens PASSED*",
            "*tokenizers.py::split_words::joins_back PASSED*",
            "*tokenizers.py::split_on_space::no_empty_tokens FAILED*",
            "*no_empty_tokens: an empty token in*",
            "*minimal counterexample: ' '*",
        ]
    )


def test_a_kind_nobody_provides_is_a_collection_error_naming_the_hook(pytester):
    pytester.makepyfile(tokenizers=TOKENIZERS)
    result = pytester.runpytest_subprocess("--mltest", "tokenizers.py", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*no kind of check is named 'tokenizer'*pytest_mltest_checkers*"])
    assert result.ret != 0


def test_unknown_option_of_a_hook_kind_is_a_usage_error_at_collection(pytester):
    pytester.makeconftest(TOY_PLUGIN)
    pytester.makepyfile(
        tokenizers='import mltest\n\n@mltest.register("tokenizer", lang="en")\ndef t(s):\n'
        "    return s.split()\n"
    )
    result = pytester.runpytest_subprocess("--mltest", "tokenizers.py", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*UsageError*lang*"])
    assert "Traceback" not in result.stdout.str()
