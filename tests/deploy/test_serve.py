"""serve(): the endpoints, input validation, errors, metrics, clean shutdown."""

from __future__ import annotations

import pickle
import socket
import threading

import numpy as np
import pytest

import mltest
from mltest.deploy import Tokens, serve

from .conftest import ROW, SCHEMA, request


def test_predict_and_v2_infer_agree_with_the_model(frame_model):
    import pandas as pd

    rows = [ROW, {**ROW, "age": 70, "score": 0.9, "plan": "basic"}]
    expected = frame_model.predict(pd.DataFrame(rows)).tolist()
    with serve(frame_model, schema=SCHEMA, name="churn") as server:
        status, body, _ = request(server.url + "/predict", "POST", rows, server.headers)
        assert status == 200
        assert body["predictions"] == expected
        tensors = [
            {
                "name": k,
                "shape": [2],
                "datatype": "FP64" if k != "plan" else "BYTES",
                "data": [r[k] for r in rows],
            }
            for k in ROW
        ]
        tensors[0]["datatype"] = "INT64"
        status, body, _ = request(
            server.url + "/v2/models/churn/infer", "POST", {"inputs": tensors}, server.headers
        )
        assert status == 200, body
        assert body["model_name"] == "churn"
        assert body["outputs"][0]["data"] == expected
        status, meta, _ = request(server.url + "/v2/models/churn", headers=server.headers)
        assert status == 200
        assert [i["name"] for i in meta["inputs"]] == list(ROW)


def test_v2_tensor_input_and_health_without_token(numeric_model):
    X = np.array([[0.5, -1.0, 2.0], [-2.0, 0.0, 0.1]])
    with serve(numeric_model) as server:
        for path, key in (("/v2/health/live", "live"), ("/v2/health/ready", "ready")):
            status, body, _ = request(server.url + path)
            assert status == 200
            assert body == {key: True}
        payload = {
            "inputs": [{"name": "x", "shape": [2, 3], "datatype": "FP64", "data": X.tolist()}]
        }
        status, body, _ = request(
            server.url + "/v2/models/logisticregression/infer", "POST", payload, server.headers
        )
        assert status == 200
        assert body["outputs"][0]["data"] == numeric_model.predict(X).tolist()
        status, _, _ = request(
            server.url + "/v2/models/other/infer", "POST", payload, server.headers
        )
        assert status == 404


@pytest.mark.parametrize(
    ("record", "field", "rule"),
    [
        pytest.param({**ROW, "age": "forty"}, "age", "kind", id="string-for-int"),
        pytest.param({**ROW, "age": 40.5}, "age", "kind", id="fraction-for-int"),
        pytest.param({**ROW, "age": 12}, "age", "range", id="below-min"),
        pytest.param({**ROW, "income": float("nan")}, "income", "finite", id="nan"),
        pytest.param({**ROW, "income": float("inf")}, "income", "finite", id="inf"),
        pytest.param({**ROW, "plan": "gold"}, "plan", "categories", id="unseen-category"),
        pytest.param(
            {k: v for k, v in ROW.items() if k != "plan"}, "plan", "missing", id="missing"
        ),
        pytest.param({**ROW, "income": None}, "income", "nulls", id="null"),
        pytest.param({**ROW, "extra": 1}, "extra", "extra", id="unknown-field"),
        pytest.param({**ROW, "age": True}, "age", "kind", id="bool-for-int"),
    ],
)
def test_bad_records_get_422_naming_field_and_rule(frame_model, record, field, rule):
    import json

    with serve(frame_model, schema=SCHEMA, tokens=False, store=False) as server:
        raw = json.dumps([ROW, record]).encode()  # NaN/inf travel as JSON's NaN/Infinity
        status, body, _ = request(server.url + "/predict", "POST", raw=raw)
    assert status == 422, body
    assert {"row": 1, "field": field, "rule": rule} == {
        k: body["problems"][0][k] for k in ("row", "field", "rule")
    }


@pytest.mark.parametrize(
    ("raw", "content_type", "status"),
    [
        pytest.param(b"{not json", "application/json", 400, id="malformed"),
        pytest.param(b"\xff\xfe[1]", "application/json", 400, id="not-utf8"),
        pytest.param(b"[" * 100_000 + b"]" * 100_000, "application/json", 400, id="deep-nesting"),
        pytest.param(b"[[1" + b"0" * 5000 + b", 1, 1]]", "application/json", 400, id="huge-int"),
        pytest.param(b"[[1,2,3]]", "text/plain", 415, id="wrong-content-type"),
        pytest.param(b"[[" + b"1," * 600_000 + b"1]]", "application/json", 413, id="over-limit"),
        pytest.param(b"{}", "application/json", 422, id="empty-object"),
        pytest.param(b"[]", "application/json", 422, id="no-records"),
        pytest.param(b"[[1,2]]", "application/json", 422, id="wrong-width"),
        pytest.param(b'[{"a": 1}]', "application/json", 422, id="object-without-names"),
    ],
)
def test_malformed_bodies_get_4xx(numeric_model, raw, content_type, status):
    with serve(numeric_model, tokens=False, store=False) as server:
        got, body, _ = request(server.url + "/predict", "POST", raw=raw, content_type=content_type)
    assert got == status, body
    assert body["error"]
    assert body["request_id"]


def test_a_model_that_raises_is_a_500_with_request_id_and_is_logged():
    def broken(X):
        raise RuntimeError("weights not loaded")

    with serve(broken, tokens=False) as server:
        status, body, _ = request(server.url + "/predict", "POST", [[1.0, 2.0]])
        assert status == 500
        assert body["request_id"]
        log = server.audit()
    row = log.iloc[-1]
    assert row["request_id"] == body["request_id"]
    assert row["status"] == 500
    assert "weights not loaded" in row["error"]


def test_metrics_in_prometheus_text(numeric_model):
    tokens = Tokens()
    ops = tokens.new("ops", scopes=["metrics"])
    app = tokens.new("app", scopes=["predict"])
    with serve(numeric_model, tokens=tokens) as server:
        for _ in range(3):
            request(
                server.url + "/predict",
                "POST",
                [[0, 0, 0], [1, 1, 1]],
                {"Authorization": f"Bearer {app}"},
            )
        status, text, _ = request(
            server.url + "/metrics", headers={"Authorization": f"Bearer {ops}"}
        )
    assert status == 200
    assert (
        'mltest_request_duration_seconds_count{endpoint="/predict",method="POST",status="200"} 3.0'
        in text
    )
    assert 'mltest_request_rows_sum{endpoint="/predict"} 6.0' in text
    assert 'mltest_model_duration_seconds_count{endpoint="/predict"} 3.0' in text
    assert "mltest_request_cpu_seconds_bucket" in text
    assert "mltest_requests_in_flight" in text


def test_metrics_histograms_read_as_prometheus_clients_own():
    """mltest keeps its histograms as plain counts; the exposition must be the one
    prometheus_client's Histogram gives for the same observations (bounds inclusive)."""
    import prometheus_client as prom

    from mltest.deploy.app import ROW_BUCKETS, Metrics

    rows = [1, 2, 3, 5, 7, 10, 10000, 10001, 50, 0]
    seconds = [0.0, 0.005, 0.0051, 0.01, 2.5, 11.0, 0.3, 0.075, 1e-9, 7.5]
    ours = Metrics()
    registry = prom.CollectorRegistry()
    theirs = prom.Histogram(
        "mltest_request_rows", "x", ["endpoint"], buckets=ROW_BUCKETS, registry=registry
    )
    duration = prom.Histogram(
        "mltest_request_duration_seconds", "x", ["endpoint", "method", "status"], registry=registry
    )
    for n, s in zip(rows, seconds, strict=True):
        ours.started()
        ours.observe("/predict", "POST", 200, s, 0.0, n)
        theirs.labels("/predict").observe(n)
        duration.labels("/predict", "POST", "200").observe(s)

    def samples(text, name):
        return sorted(
            line for line in text.splitlines() if line.startswith(name) and "_created" not in line
        )

    mine, reference = ours.text()[0].decode(), prom.generate_latest(registry).decode()
    for name in ("mltest_request_rows", "mltest_request_duration_seconds"):
        assert samples(mine, name) == samples(reference, name)
    assert "mltest_requests_in_flight 0.0" in mine


def test_shutdown_leaves_no_thread_and_frees_the_port(numeric_model):
    before = set(threading.enumerate())
    with serve(numeric_model) as server:
        port = server.port
        request(server.url + "/predict", "POST", [[0, 0, 0]], server.headers)
    assert set(threading.enumerate()) <= before
    with socket.socket() as s:  # the port is free again
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))


def test_torch_module_is_served(tmp_path):
    torch = pytest.importorskip("torch")
    net = torch.nn.Sequential(torch.nn.Linear(3, 2)).eval()
    X = np.array([[0.1, 0.2, 0.3]], dtype=np.float32)
    with serve(net, tokens=False, store=False) as server:
        status, body, _ = request(server.url + "/predict", "POST", X.tolist())
    assert status == 200
    np.testing.assert_allclose(
        body["predictions"], net(torch.as_tensor(X)).detach().numpy(), rtol=1e-6
    )


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        pytest.param({"model": object()}, "model=", id="not-a-model"),
        pytest.param({"tokens": "nope"}, "tokens=", id="missing-tokens-file"),
        pytest.param({"tokens": Tokens()}, "holds no token", id="empty-tokens"),
        pytest.param({"tokens": 3}, "tokens=", id="tokens-type"),
        pytest.param({"store": "sqlite:///:memory:"}, "in-memory", id="memory-store"),
        pytest.param({"store": "mysql://x"}, "url=", id="store-url"),
        pytest.param({"port": -1}, "port=", id="port"),
        pytest.param({"max_body_bytes": 0}, "max_body_bytes=", id="body-limit"),
        pytest.param({"schema": {"a": 1}}, "schema=", id="schema-type"),
        pytest.param({"trusted_proxies": ["not-an-ip"]}, "trusted_proxies", id="proxies"),
        pytest.param({"name": "a/b"}, "name=", id="name"),
    ],
)
def test_bad_arguments_are_usage_errors(numeric_model, kwargs, match):
    kwargs = {"model": numeric_model, **kwargs}
    with pytest.raises(mltest.UsageError, match=match):
        with serve(**kwargs):
            pass


def test_unfitted_model_and_taken_port_are_usage_errors(numeric_model):
    from sklearn.linear_model import LogisticRegression

    with pytest.raises(mltest.UsageError, match="not fitted"):
        with serve(LogisticRegression()):
            pass
    with serve(numeric_model, store=False) as server:
        with pytest.raises(mltest.UsageError, match="cannot listen"):
            with serve(numeric_model, port=server.port, store=False):
                pass


def test_tokens_file_round_trip_keeps_only_hashes(tmp_path):
    tokens = Tokens()
    secret = tokens.new("alice", scopes=["predict", "metrics"], rate=5)
    path = tokens.save(tmp_path / "tokens.json")
    assert secret not in path.read_text()
    loaded = Tokens.load(path)
    assert loaded.identify(secret).name == "alice"
    assert loaded.identify(secret).scopes == frozenset({"predict", "metrics"})
    assert pickle.loads(pickle.dumps(loaded.callers)) == loaded.callers
