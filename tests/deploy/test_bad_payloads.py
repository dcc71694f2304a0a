"""1,000 generated bad payloads (wrong types, missing and unknown fields, huge numbers,
NaN/inf, deep nesting, oversized and non-UTF-8 bodies) against a served model with a
schema: not one answer is a 5xx."""

from __future__ import annotations

import http.client
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mltest.deploy import serve

from .conftest import ROW, SCHEMA

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)
records = st.fixed_dictionaries({}, optional={**{k: values for k in ROW}, "extra": values})
nearly_good = st.builds(lambda k, v: {**ROW, k: v}, st.sampled_from(sorted(ROW)), values)


def _tensor(name, shape, kind, data):
    return {"name": name, "shape": shape, "datatype": kind, "data": data}


v2_bodies = st.builds(
    lambda inputs: {"inputs": inputs},
    st.lists(
        st.builds(
            _tensor,
            st.text(max_size=8) | st.sampled_from(list(ROW)),
            values,
            st.sampled_from(["FP64", "INT64", "BYTES", "BOOL", "FP8", 3]),
            values,
        ),
        max_size=5,
    ),
)
json_bodies = st.one_of(
    st.lists(records, max_size=4),
    st.lists(nearly_good, min_size=1, max_size=3),
    st.builds(lambda r: {"records": r}, st.lists(records, max_size=3)),
    values,
    v2_bodies,
)


def _encode(body: object) -> bytes:
    return json.dumps(body).encode()  # NaN and Infinity as JSON's non-standard literals


raw_bodies = st.one_of(
    json_bodies.map(_encode),
    st.binary(max_size=200),  # not UTF-8, not JSON
    st.integers(1, 5000).map(lambda n: b"[" * n + b"]" * n),  # deep nesting
    st.integers(5000, 6000).map(lambda n: b"[[1" + b"9" * n + b"]]"),  # huge numbers
    st.just(b"[[" + b"1," * 300_000 + b"1]]"),  # over the body limit
    json_bodies.map(lambda b: _encode(b)[:-1]),  # truncated
)
requests = st.tuples(
    st.sampled_from(["/predict", "/v2/models/churn/infer", "/v2/models/churn"]),
    raw_bodies,
    st.sampled_from(["application/json", "application/json; charset=utf-8", "text/plain", ""]),
)


@pytest.mark.slow
def test_no_bad_payload_gets_a_5xx(frame_model):
    statuses: dict[int, int] = {}
    with serve(
        frame_model, schema=SCHEMA, name="churn", max_body_bytes=500_000, store=False
    ) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)

        @settings(
            max_examples=1000,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(requests)
        def send(req):
            nonlocal conn
            path, body, kind = req
            headers = {**server.headers, "Content-Type": kind} if kind else dict(server.headers)
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
            except (http.client.HTTPException, OSError):  # the server closed after a 413
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
            statuses[response.status] = statuses.get(response.status, 0) + 1
            assert response.status < 500, (path, body[:200], kind)

        send()
        conn.close()
    assert sum(statuses.values()) >= 1000
    assert {s for s in statuses if s >= 500} == set()
    assert {400, 405, 413, 415, 422} <= set(statuses)  # every refusal kind was exercised
