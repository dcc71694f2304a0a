"""Schema inference and validation on scikit-learn's bundled data sets and generated
frames: no false alarms on clean splits, and every planted fault found with the right
column and row count."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine
from sklearn.model_selection import train_test_split

import mltest
from mltest.data import Column, Rule, Schema, assert_valid, infer_schema


def _generated(n=400, seed=0):
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2026-01-01")
    return pd.DataFrame(
        {
            "customer_id": np.arange(n) + 10_000,
            "sku": [f"AB{i:04d}" for i in rng.integers(0, 9999, n)],
            "channel": rng.choice(["web", "store", "phone"], n),
            "tier": pd.Categorical(rng.choice(["gold", "silver"], n)),
            "amount": rng.gamma(2.0, 30.0, n),
            "discount": np.where(rng.random(n) < 0.1, np.nan, rng.random(n) * 5),
            "ordered_at": start + pd.to_timedelta(rng.integers(0, 86400 * 30, n), unit="s"),
        }
    )


DATASETS = {
    "wine": lambda: load_wine(as_frame=True).frame,
    "breast_cancer": lambda: load_breast_cancer(as_frame=True).frame,
    "diabetes": lambda: load_diabetes(as_frame=True).frame,
    "generated": _generated,
}


@pytest.mark.parametrize("name", sorted(DATASETS))
@pytest.mark.parametrize("seed", range(5))
def test_schema_from_train_split_validates_test_split(name, seed):
    df = DATASETS[name]()
    train, test = train_test_split(df, test_size=0.3, random_state=seed)
    report = infer_schema(train).validate(test)
    assert report.passed, report.failed


@pytest.fixture
def split():
    df = _generated(600)
    train, test = train_test_split(df, test_size=0.3, random_state=0)
    return infer_schema(train), test.copy()


def _failure(report, name):
    return next(r for r in report.results if r.name == name)


def test_out_of_range_values(split):
    schema, test = split
    test.iloc[:7, test.columns.get_loc("amount")] = -5.0
    result = _failure(schema.validate(test), "amount.range")
    assert result.examples == 7
    assert result.counterexample["values"][:1] == [-5.0]


def test_unseen_categories(split):
    schema, test = split
    test.iloc[:4, test.columns.get_loc("channel")] = "fax"
    assert _failure(schema.validate(test), "channel.categories").examples == 4


def test_wrong_dtype(split):
    schema, test = split
    test["amount"] = test["amount"].astype(str)
    assert "not float" in _failure(schema.validate(test), "amount.kind").message


def test_nulls_in_non_null_column(split):
    schema, test = split
    test["amount"] = test["amount"].astype("float64")
    test.iloc[:3, test.columns.get_loc("amount")] = np.nan
    assert _failure(schema.validate(test), "amount.nulls").examples == 3


def test_duplicated_keys(split):
    schema, test = split
    ids = test["customer_id"].to_numpy().copy()
    ids[1:6] = ids[0]
    test["customer_id"] = ids
    assert _failure(schema.validate(test), "customer_id.unique").examples == 6


def test_pattern_and_extra_and_missing_columns(split):
    schema, test = split
    assert schema.columns["sku"].pattern == "[A-Z]{2}[0-9]{4}"
    test.iloc[:2, test.columns.get_loc("sku")] = "x-1"
    test = test.drop(columns=["tier"]).assign(extra=1)
    failed = schema.validate(test).failed
    assert {"sku.pattern", "tier.present", "<columns>.extra"} <= set(failed)


def test_validation_never_modifies_the_frame(split):
    schema, test = split
    before = test.copy()
    test.iloc[0, test.columns.get_loc("amount")] = -1.0
    before.iloc[0, before.columns.get_loc("amount")] = -1.0
    schema.validate(test)
    pd.testing.assert_frame_equal(test, before)


def test_assert_valid_raises_a_table(split):
    schema, test = split
    test.iloc[:2, test.columns.get_loc("channel")] = "fax"
    with pytest.raises(mltest.CheckFailure) as info:
        assert_valid(test, schema)
    text = str(info.value)
    assert "check" in text.splitlines()[1]
    assert "channel.categories" in text


def test_round_trip_yaml_and_json(tmp_path, split):
    schema, _test = split
    schema.rules.append(Rule("le", "discount", "amount"))
    for name in ("schema.yaml", "schema.json"):
        path = schema.save(tmp_path / name)
        again = Schema.load(path)
        assert again.to_dict() == schema.to_dict()
    assert (
        json.loads((tmp_path / "schema.json").read_text())["columns"][0]["name"] == "customer_id"
    )


def test_environments_and_cross_column_rules():
    schema = Schema(
        {
            "x": Column("x", "float"),
            "y": Column("y", "float", nullable=True, max_null_fraction=1.0),
            "label": Column("label", "int", required_in=["training"]),
        },
        rules=[Rule("le", "x", "y"), Rule("present_iff", "y", "label")],
        environments=["training", "serving"],
    )
    serving = pd.DataFrame({"x": [1.0, 2.0], "y": [np.nan, np.nan]})
    assert schema.validate(serving, env="serving").passed
    assert "label.present" in schema.validate(serving, env="training").failed
    bad = pd.DataFrame({"x": [1.0, 5.0], "y": [2.0, 3.0], "label": [1, 1]})
    result = _failure(schema.validate(bad, env="training"), "rule: x <= y")
    assert result.examples == 1
    assert result.counterexample["rows"] == [1]


@pytest.mark.parametrize(
    ("make", "match"),
    [
        pytest.param(lambda: infer_schema(pd.DataFrame({"a": []})), "no rows", id="empty"),
        pytest.param(
            lambda: infer_schema(pd.DataFrame({"a": [1, "x"]})), "mixes value types", id="mixed"
        ),
        pytest.param(lambda: infer_schema([[1]]), "DataFrame", id="not-frame"),
        pytest.param(lambda: Column("a", "complex"), "kind='complex'", id="kind"),
        pytest.param(
            lambda: Schema({"a": Column("a", "int")}, rules=[Rule("le", "a", "b")]),
            "unknown column",
            id="rule",
        ),
        pytest.param(lambda: Schema.from_dict({"cols": []}), "columns", id="malformed"),
        pytest.param(
            lambda: Schema({"a": Column("a", "int")}).validate(pd.DataFrame(), env="x"),
            "env='x'",
            id="env",
        ),
    ],
)
def test_bad_input_is_a_usage_error(make, match):
    with pytest.raises(mltest.UsageError, match=match):
        make()


def test_malformed_schema_file_is_a_usage_error(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("columns: [unclosed")
    with pytest.raises(mltest.UsageError, match="malformed"):
        Schema.load(path)


def test_all_null_column_is_inferred_nullable():
    schema = infer_schema(pd.DataFrame({"a": [np.nan, np.nan], "b": [1.0, 2.0]}))
    assert schema.columns["a"].nullable
    assert schema.columns["a"].max_null_fraction == 1.0


WIDE = infer_schema(
    pd.concat(
        [_generated(300, seed=1)]
        + [pd.DataFrame({f"f{i}": np.random.default_rng(i).normal(size=300)}) for i in range(13)],
        axis=1,
    )
)


@settings(max_examples=200, deadline=None, database=None, derandomize=True)
@given(WIDE.strategy())
def test_strategy_frames_always_validate(df):
    assert len(WIDE.columns) == 20
    report = WIDE.validate(df)
    assert report.passed, report.failed


def test_check_transformer_on_schema_shaped_data():
    from sklearn.compose import make_column_transformer
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    schema = infer_schema(_generated(200)[["channel", "amount"]])
    est = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), ["channel"]), (StandardScaler(), ["amount"])
    )
    report = mltest.check_transformer(
        est, data=schema, max_examples=15, skip=["numpy_frame_agree", "n_features_mismatch_raises"]
    )
    assert report.passed, report.failure_message()


# --- whatever is saved loads back exactly --------------------------------------------------

_NUMBERS = {
    "int": st.integers(-5, 5),
    "float": st.sampled_from([0.0, -0.0, 1.0, 0.5, -2.25, 1e-9, 1e6]),
}


@st.composite
def _columns(draw, name):
    kind = draw(st.sampled_from(["int", "float", "bool", "string", "category", "datetime"]))
    fields = {"nullable": draw(st.booleans()), "unique": draw(st.booleans())}
    if fields["nullable"]:
        fields["max_null_fraction"] = draw(st.sampled_from([0.0, 0.05, 1.0]))
    if kind in _NUMBERS:
        lo, hi = sorted(draw(st.lists(_NUMBERS[kind], min_size=2, max_size=2)))
        fields["min"] = draw(st.sampled_from([None, lo]))
        fields["max"] = draw(st.sampled_from([None, hi]))
    if kind == "datetime":
        fields["min"] = draw(st.sampled_from([None, "2026-01-01T00:00:00"]))
    if kind in ("string", "category"):
        fields["categories"] = draw(st.sampled_from([None, [], ["a", "b"], ["0", "False"]]))
        fields["min_length"] = draw(st.sampled_from([None, 0, 1]))
        fields["max_length"] = draw(st.sampled_from([None, 0, 4]))
        if fields["min_length"] is not None and fields["max_length"] is not None:
            fields["max_length"] = max(fields["min_length"], fields["max_length"])
        fields["pattern"] = draw(st.sampled_from([None, "", "[A-Z]{2}"]))
    fields["required_in"] = draw(st.sampled_from([None, [], ["serving"]]))
    return Column(name, kind, **fields)


@st.composite
def _schemas(draw):
    names = draw(st.lists(st.sampled_from(["a", "b", "c", "0", "x y"]), unique=True, min_size=1))
    columns = {name: draw(_columns(name)) for name in names}
    rules = []
    if len(names) > 1 and draw(st.booleans()):
        rules.append(Rule(draw(st.sampled_from(["le", "present_iff"])), names[0], names[1]))
    return Schema(columns, rules, environments=["serving"], strict=draw(st.booleans()))


@settings(max_examples=150, deadline=None)
@given(schema=_schemas(), suffix=st.sampled_from([".yaml", ".json"]))
def test_every_schema_loads_back_exactly(tmp_path_factory, schema, suffix):
    path = schema.save(tmp_path_factory.mktemp("schemas") / f"schema{suffix}")
    again = Schema.load(path)
    assert again == schema
    for name, col in schema.columns.items():  # 0 == 0.0 == False: the types must survive too
        for field in ("min", "max", "min_length", "max_length", "max_null_fraction"):
            assert type(getattr(again.columns[name], field)) is type(getattr(col, field))


# --- each validation rule, pinned by a frame that breaks only it ---------------------------


@pytest.mark.parametrize(
    ("column", "frame", "rule", "rows"),
    [
        pytest.param(
            Column("x", "float", min=0.0, max=10.0),
            {"x": [1.0, 10.5, 99.0]},
            "x.range",
            [1, 2],
            id="upper-bound",
        ),
        pytest.param(
            Column("x", "float", min=0.0, max=10.0),
            {"x": [1.0, -0.5]},
            "x.range",
            [1],
            id="lower-bound",
        ),
        pytest.param(
            Column("c", "string", min_length=4, max_length=4),
            {"c": ["abcd", "abc", "abcde"]},
            "c.length",
            [1, 2],
            id="fixed-length",
        ),
        pytest.param(
            Column("v", "float", nullable=True, max_null_fraction=0.25),
            {"v": [1.0, np.nan, np.nan, 2.0]},
            "v.nulls",
            [1, 2],
            id="null-fraction-limit",
        ),
    ],
)
def test_each_rule_catches_exactly_its_rows(column, frame, rule, rows):
    report = Schema({column.name: column}).validate(pd.DataFrame(frame))
    assert report.failed == [rule]
    assert report[rule].counterexample["rows"] == rows


def test_null_fraction_within_the_limit_passes():
    column = Column("v", "float", nullable=True, max_null_fraction=0.5)
    assert Schema({"v": column}).validate(pd.DataFrame({"v": [1.0, np.nan, np.nan, 2.0]})).passed


def test_present_iff_rule_flags_rows_where_one_is_missing():
    schema = Schema(
        {
            "refund": Column("refund", "float", nullable=True, max_null_fraction=1.0),
            "reason": Column("reason", "string", nullable=True, max_null_fraction=1.0),
        },
        rules=[Rule("present_iff", "refund", "reason")],
    )
    frame = pd.DataFrame(
        {"refund": [5.0, np.nan, 3.0, np.nan], "reason": ["late", None, None, "x"]}
    )
    report = schema.validate(frame)
    assert report.failed == ["rule: refund present iff reason"]
    assert report["rule: refund present iff reason"].counterexample["rows"] == [2, 3]


@pytest.mark.parametrize(
    ("change", "caught"),
    [
        pytest.param(lambda s: s * 100, True, id="unit-error-x100"),
        pytest.param(lambda s: -s, True, id="sign-flip"),
        pytest.param(lambda s: s + s.max() * 4, True, id="shifted-far"),
        pytest.param(lambda s: s * 1.1, False, id="ten-percent-drift"),
    ],
)
def test_learned_range_is_wide_enough_for_fresh_data_and_no_wider(change, caught):
    rng = np.random.default_rng(3)
    train = pd.DataFrame({"amount": rng.gamma(2.0, 30.0, 2000)})
    schema = infer_schema(train)
    fresh = pd.DataFrame({"amount": change(rng.gamma(2.0, 30.0, 500))})
    assert ("amount.range" in schema.validate(fresh).failed) is caught


def test_rule_failures_carry_their_rows_values_and_reason():
    schema = Schema(
        {
            "low": Column("low", "float", nullable=True, max_null_fraction=1.0),
            "high": Column("high", "float", nullable=True, max_null_fraction=1.0),
        },
        rules=[Rule("le", "low", "high"), Rule("present_iff", "low", "high")],
    )
    # equal values satisfy `<=`; a missing side is left to `present_iff`, never to `<=`
    frame = pd.DataFrame(
        {"low": [1.0, 2.0, 7.0, np.nan, 4.0], "high": [1.0, 3.0, 5.0, 2.0, np.nan]},
        index=[10, 11, 12, 13, 14],
    )
    report = schema.validate(frame)
    assert report.failed == ["rule: low <= high", "rule: low present iff high"]
    le = report["rule: low <= high"]
    assert le.message == "1 row(s) with low > high"
    assert le.counterexample == {"rows": [12], "values": [(7.0, 5.0)]}
    iff = report["rule: low present iff high"]
    assert iff.message == "2 row(s) with low and high not present together"
    # a missing side reads as None, as in every other example (and as Spark gives it)
    assert iff.counterexample == {"rows": [13, 14], "values": [(None, 2.0), (4.0, None)]}


def test_check_valid_and_assert_valid_pass_the_environment_on():
    schema = Schema(
        {
            "x": Column("x", "float"),
            "label": Column("label", "int", required_in=["training"]),
        },
        environments=["training", "serving"],
    )
    serving = pd.DataFrame({"x": [1.0, 2.0]})
    assert mltest.data.check_valid(serving, schema, env="serving").passed
    assert mltest.data.assert_valid(serving, schema, env="serving").passed
    with pytest.raises(mltest.CheckFailure, match=r"label\.present"):
        mltest.data.assert_valid(serving, schema, env="training")
    report = mltest.data.check_valid(serving, schema, env="training", raise_on_failure=False)
    assert report.failed == ["label.present"]
    with pytest.raises(mltest.UsageError, match=r"^raise_on_failure='no'"):
        mltest.data.check_valid(serving, schema, raise_on_failure="no")


RULED = Schema(
    {
        "low": Column("low", "float", min=0.0, max=100.0),
        "high": Column("high", "float", min=0.0, max=100.0),
        "count": Column("count", "int", min=5, max=9),
        "done": Column("done", "bool"),
    },
    rules=[Rule("le", "low", "high")],
)


@settings(max_examples=100, deadline=None, database=None, derandomize=True)
@given(RULED.strategy())
def test_generated_frames_keep_ranges_and_cross_column_rules(df):
    assert RULED.validate(df).passed
    assert (df["low"] <= df["high"]).all()
    assert df["count"].between(5, 9).all()


def test_generated_integers_cover_their_range():
    seen: set[int] = set()

    @settings(max_examples=100, deadline=None, database=None, derandomize=True)
    @given(RULED.strategy())
    def collect(df):
        seen.update(int(v) for v in df["count"])

    collect()
    assert seen == {5, 6, 7, 8, 9}


def test_null_failures_say_how_many_nulls_are_allowed():
    frame = pd.DataFrame({"v": [1.0, np.nan, np.nan, 2.0], "w": [1.0, np.nan, 3.0, 4.0]})
    schema = Schema(
        {
            "v": Column("v", "float", nullable=True, max_null_fraction=0.25),
            "w": Column("w", "float"),
        }
    )
    report = schema.validate(frame)
    assert report["v.nulls"].message == "2 row(s) null (at most 25.0% allowed)"
    assert report["w.nulls"].message == "1 row(s) null (none allowed)"


# --- the saved file itself, and every way a file or argument is refused -----------------

_SMALL = Schema(
    {
        "prix": Column("prix", "float", min=0.0),
        "größe": Column("größe", "category", categories=["ä", "b"], required_in=["serving"]),
    },
    rules=[Rule("le", "prix", "prix")],
    environments=["serving"],
    strict=False,
)


def test_a_saved_yaml_schema_reads_in_field_order_with_unicode_kept(tmp_path):
    for suffix in (".yaml", ".yml"):
        path = _SMALL.save(tmp_path / f"s{suffix}")
        assert path.read_text(encoding="utf-8") == (
            "columns:\n"
            "- name: prix\n"
            "  kind: float\n"
            "  min: 0.0\n"
            "- name: größe\n"
            "  kind: category\n"
            "  categories:\n"
            "  - ä\n"
            "  - b\n"
            "  required_in:\n"
            "  - serving\n"
            "rules:\n"
            "- kind: le\n"
            "  left: prix\n"
            "  right: prix\n"
            "environments:\n"
            "- serving\n"
            "strict: false\n"
        )
        assert Schema.load(path) == _SMALL


def test_a_saved_json_schema_is_indented_and_ends_with_a_newline(tmp_path):
    path = Schema({"v": Column("v", "int")}).save(tmp_path / "s.json")
    assert path.read_text() == (
        '{\n  "columns": [\n    {\n      "name": "v",\n      "kind": "int"\n    }\n  ]\n}\n'
    )
    # a bound given as a Timestamp is written as its text, and reads back as the same bound
    stamped = Schema({"d": Column("d", "datetime", min=pd.Timestamp("2026-01-01"))})
    again = Schema.load(stamped.save(tmp_path / "d.json"))
    frame = pd.DataFrame({"d": pd.to_datetime(["2025-12-31", "2026-01-01"])})
    assert again.validate(frame).failed == stamped.validate(frame).failed == ["d.range"]


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ([], r"^schema: expected a mapping with a 'columns' list$"),
        ({"columns": {}}, r"^schema: expected a mapping with a 'columns' list$"),
        ({"columns": ["v"]}, r"^schema: column #0 needs at least 'name' and 'kind'$"),
        ({"columns": [{"name": "v"}]}, r"^schema: column #0 needs at least 'name' and 'kind'$"),
        ({"columns": [{"kind": "int"}]}, r"^schema: column #0 needs at least 'name' and 'kind'$"),
        (
            {"columns": [{"name": "v", "kind": "int", "lo": 1, "hi": 2}]},
            r"^schema: column 'v' has unknown keys \['hi', 'lo'\]$",
        ),
        (
            {"columns": [{"name": "v", "kind": "int"}], "rules": [{"kind": "le"}]},
            r"^schema: malformed rule: .*missing 2 required positional arguments",
        ),
        (
            {
                "columns": [{"name": "v", "kind": "int"}],
                "rules": [{"kind": "ge", "left": "v", "right": "v"}],
            },
            r"^rule kind='ge'; choose from \['le', 'present_iff'\]$",
        ),
    ],
)
def test_a_malformed_schema_mapping_is_refused_with_the_reason(data, match):
    with pytest.raises(mltest.UsageError, match=match):
        Schema.from_dict(data)


def test_unreadable_and_unwritable_schema_files_name_the_path(tmp_path):
    missing = tmp_path / "none.json"
    with pytest.raises(mltest.UsageError, match=r"^schema file '.*none\.json': No such file"):
        Schema.load(missing)
    bad = tmp_path / "bad.yml"
    bad.write_text("columns: [\n")
    with pytest.raises(mltest.UsageError, match=r"^schema file '.*bad\.yml' is malformed: "):
        Schema.load(bad)
    with pytest.raises(mltest.UsageError, match=r"^schema file '.*nowhere.*': cannot be written"):
        _SMALL.save(tmp_path / "nowhere" / "s.json")


def test_yaml_without_pyyaml_says_what_to_install(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "yaml", None)
    with pytest.raises(mltest.UsageError, match=r"^YAML schema files need PyYAML \(pip install"):
        _SMALL.save(tmp_path / "s.yaml")
    assert Schema.load(_SMALL.save(tmp_path / "s.json")) == _SMALL  # JSON needs nothing


def test_the_default_strategy_draws_one_to_twenty_rows():
    sizes = set()

    @settings(max_examples=300, deadline=None, database=None, derandomize=True)
    @given(Schema({"v": Column("v", "int")}).strategy())
    def collect(df):
        sizes.add(len(df))

    collect()
    assert min(sizes) == 1
    assert max(sizes) == 20


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (
            lambda: Column("v", "float", nullable=True, max_null_fraction=1.5),
            r"^column 'v': max_null_fraction=1\.5 not in \[0, 1\]$",
        ),
        (lambda: Column("v", "int", min=3, max=2), r"^column 'v': min=3 above max=2$"),
        (
            lambda: Schema({"v": Column("v", "int", required_in=["prod", "dev"])}),
            r"^column 'v': required_in names unknown environments \['dev', 'prod'\]$",
        ),
    ],
)
def test_an_impossible_column_is_refused_with_the_reason(make, match):
    with pytest.raises(mltest.UsageError, match=match):
        make()
    assert Column("v", "float", nullable=True, max_null_fraction=1.0).max_null_fraction == 1.0
