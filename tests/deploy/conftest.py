"""A served LogisticRegression with a schema, and a tiny HTTP client for the tests."""

from __future__ import annotations

import http.client
import json
import urllib.parse
from typing import Any

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("starlette", reason="the deploy harness needs the 'serve' extra")
pytest.importorskip("uvicorn", reason="the deploy harness needs the 'serve' extra")

from mltest.data import Column, Rule, Schema

SCHEMA = Schema(
    columns={
        "age": Column("age", "int", min=18, max=100),
        "income": Column("income", "float", min=0.0, max=1e6),
        "score": Column("score", "float", nullable=True, min=0.0, max=1.0),
        "plan": Column("plan", "category", categories=["basic", "pro"]),
    },
    rules=[Rule("le", "age", "age")],
)
ROW = {"age": 40, "income": 52000.0, "score": 0.5, "plan": "pro"}


def _frame(n: int = 300) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "age": rng.integers(18, 90, n),
            "income": rng.uniform(0, 2e5, n),
            "score": rng.uniform(0, 1, n),
            "plan": rng.choice(["basic", "pro"], n),
        }
    )
    return frame, (frame["score"] > 0.5).to_numpy().astype(int)


@pytest.fixture(scope="session")
def numeric_model():
    from sklearn.linear_model import LogisticRegression

    X = np.random.default_rng(1).normal(size=(200, 3))
    return LogisticRegression().fit(X, (X[:, 0] > 0).astype(int))


@pytest.fixture(scope="session")
def frame_model():
    from sklearn.compose import make_column_transformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    frame, y = _frame()
    pre = make_column_transformer(
        # score is nullable in the schema, so the model must take a missing one
        (make_pipeline(SimpleImputer(), StandardScaler()), ["age", "income", "score"]),
        (OneHotEncoder(), ["plan"]),
    )
    return make_pipeline(pre, LogisticRegression()).fit(frame, y)


def request(
    url: str,
    method: str = "GET",
    body: Any = None,
    headers: dict[str, str] | None = None,
    *,
    raw: bytes | None = None,
    content_type: str = "application/json",
) -> tuple[int, Any, dict[str, str]]:
    """(status, JSON or text body, headers) of one request; never raises on 4xx/5xx."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    head = dict(headers or {})
    if data is not None:
        head.setdefault("Content-Type", content_type)
    try:
        conn.request(method, parts.path or "/", body=data, headers=head)
        response = conn.getresponse()
        text = response.read()
        kind = response.getheader("content-type", "")
        payload = json.loads(text) if kind.startswith("application/json") else text.decode()
        return response.status, payload, {k.lower(): v for k, v in response.getheaders()}
    finally:
        conn.close()


from tests.monitor.conftest import postgres_url  # noqa: E402,F401  (a throwaway PostgreSQL)
