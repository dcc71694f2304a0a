"""The credit model's lifecycle with one planted regression per stage, each visible in the
report (``pytest --mltest broken_examples/ --mltest-report report``) and named by
``mltest gate report/report.json``.

- data-collection: the loan system's export lost the outcomes of one applicant in 40
  (orphans in the join);
- model-analysis: a model that charges one region more (biased across groups);
- deployment: an endpoint that takes 1.2 s a request (p99 over the main job's 1 s);
- monitoring: next month's applicants earn a third less (drifted inputs), and a month in
  production whose applicants carry twice the debt from its 15th day (a replay alert);
- (code and reproducibility: the other modules of broken_examples/.)
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from examples.credit import (
    SCHEMA,
    applicants,
    defaults,
    production,
    sources,
    train,
    training_data,
)

import mltest


class RegionPenalty:
    """The credit model, plus a surcharge on the west region: a biased model."""

    def predict(self, frame):
        base = train().predict(frame)
        west = (frame["region"] == "west").to_numpy()
        return np.where(west & (np.arange(len(frame)) % 3 == 0), 1, base)


class SlowModel:
    """The credit model behind a 1.2 s dependency call."""

    def predict(self, frame):
        time.sleep(1.2)
        return train().predict(frame)


@pytest.mark.mltest_stage("data-collection")
def test_outcomes_with_missing_rows_fail_the_join():
    applications, outcomes = sources()
    lost = outcomes.load().iloc[::40].index
    outcomes = mltest.data.Source("outcomes", outcomes.load().drop(index=lost))
    mltest.data.check_join(applications, outcomes, on="applicant_id")


@pytest.mark.mltest_stage("model-analysis")
def test_biased_model_fails_fairness():
    held_out = applicants(6_000, seed=2)
    truth, predicted = defaults(held_out, seed=3), RegionPenalty().predict(held_out)
    mltest.analysis.assert_fair(
        truth, predicted, held_out["region"], criterion="demographic_parity", max_difference=0.05
    )


@pytest.mark.mltest_stage("deployment")
def test_slow_endpoint_fails_its_latency_threshold(mltest_server):
    pytest.importorskip("uvicorn", reason="the deploy harness needs the 'serve' extra")
    server = mltest_server(SlowModel(), schema=SCHEMA, name="credit")
    row = applicants(1, seed=4).astype({"region": str}).to_dict("records")
    mltest.deploy.load_test(
        server.url + "/predict",
        concurrency=2,
        requests=10,
        payloads=[row],
        headers=server.headers,
        thresholds={"p99": "<1s"},  # the main job's threshold
    )


@pytest.mark.mltest_stage("monitoring")
def test_drifted_inputs_fail_the_drift_check():
    frame, _ = training_data()
    next_month = applicants(4_000, seed=5)
    next_month["income"] *= 0.66  # a recession, or a currency bug upstream
    columns = ["income", "debt", "age", "region"]
    mltest.monitor.assert_no_drift(frame[columns], next_month[columns])


@pytest.mark.mltest_stage("monitoring")
def test_a_month_with_doubled_debt_raises_replay_alerts():
    frame, _ = training_data()
    month = production(days=30, per_day=300, seed=6)
    late = month["decided_at"] >= "2026-11-15"
    month.loc[late, "debt"] = (month.loc[late, "debt"] * 2).clip(upper=200_000)
    columns = ["income", "debt", "age", "region"]
    mltest.monitor.assert_no_alerts(
        train(), month, time_column="decided_at", reference=frame[columns], labels="defaulted"
    )
