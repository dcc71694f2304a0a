"""Access control and the audit log: every request without a valid token and scope is
refused, tokens never reach a log, and every answered request is in the audit table."""

from __future__ import annotations

import logging
import sqlite3

import pytest

from mltest.deploy import Tokens, load_test, serve

from .conftest import request

PAYLOAD = [[0.0, 1.0, 2.0]]


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_no_request_without_a_valid_token_and_scope_is_accepted(numeric_model, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    tokens = Tokens()
    alice = tokens.new("alice", scopes=["predict"])
    ops = tokens.new("ops", scopes=["metrics"])
    gone = tokens.new("mallory", scopes=["admin"])
    admin = tokens.new("root", scopes=["admin"])
    store = f"sqlite:///{tmp_path / 'audit.db'}"
    attempts = {
        "missing": {},
        "empty": {"Authorization": "Bearer "},
        "basic-scheme": {"Authorization": f"Basic {alice}"},
        "no-scheme": {"Authorization": alice},
        "wrong": _bearer(alice[:-2] + "xx"),
        "truncated": _bearer(alice[:20]),
        "padded": _bearer(alice + "a"),
        "non-ascii": {"Authorization": "Bearer t\u00f6ken-" + "\u00e9" * 12},
        "revoked": _bearer(gone),
        "other-callers-scope": _bearer(ops),  # a metrics token on /predict
    }
    with serve(numeric_model, tokens=tokens, store=store) as server:
        status, body, _ = request(
            server.url + "/admin/tokens/mallory", "DELETE", headers=_bearer(admin)
        )
        assert status == 200
        assert body["revoked"] == 1
        answers = {}
        for label, headers in attempts.items():
            for path, method in (
                ("/predict", "POST"),
                ("/v2/models/logisticregression/infer", "POST"),
            ):
                status, body, _head = request(server.url + path, method, PAYLOAD, headers)
                answers[(label, path)] = status
        status, _, _ = request(server.url + "/metrics", headers=_bearer(alice))  # wrong scope
        assert status == 403
        status, _, _ = request(server.url + "/admin/tokens/ops", "DELETE", headers=_bearer(alice))
        assert status == 403
        assert request(server.url + "/predict", "POST", PAYLOAD, _bearer(alice))[0] == 200
        assert request(server.url + "/metrics", headers=_bearer(ops))[0] == 200
        log = server.audit()
    accepted = {k: v for k, v in answers.items() if v < 400}
    assert accepted == {}
    assert {v for (label, _), v in answers.items() if label != "other-callers-scope"} == {401}
    assert {v for (label, _), v in answers.items() if label == "other-callers-scope"} == {403}
    # tokens are nowhere: not in the store's file, not in any log record
    dump = "\n".join(sqlite3.connect(tmp_path / "audit.db").iterdump())
    for secret in (alice, ops, gone, admin):
        assert secret not in dump
        assert secret not in caplog.text
        assert secret[:20] not in log.to_string()
    assert set(log.loc[log["status"] == 200, "caller"]) == {"alice", "ops", "root"}
    assert (log.loc[log["status"] == 401, "caller"].dropna() == "mallory").all()


def test_rate_limit_answers_429(numeric_model):
    tokens = Tokens()
    slow = tokens.new("batch-job", scopes=["predict"], rate=2, burst=2)
    with serve(numeric_model, tokens=tokens, store=False) as server:
        codes = [
            request(server.url + "/predict", "POST", PAYLOAD, _bearer(slow))[0] for _ in range(6)
        ]
    assert codes[:2] == [200, 200]
    assert 429 in codes[2:]


def test_forwarded_for_is_believed_only_from_trusted_proxies(numeric_model):
    chain = {"X-Forwarded-For": "203.0.113.7, 10.1.2.3"}
    regions = {"203.0.113.0/24": "eu-west", "127.0.0.0/8": "local"}
    with serve(numeric_model, tokens=False, regions=regions) as untrusted:
        request(untrusted.url + "/predict", "POST", PAYLOAD, chain)
        first = untrusted.audit().iloc[-1]
    with serve(
        numeric_model,
        tokens=False,
        regions=regions,
        trusted_proxies=["127.0.0.1/32", "10.0.0.0/8"],
    ) as trusted:
        request(trusted.url + "/predict", "POST", PAYLOAD, chain)
        second = trusted.audit().iloc[-1]
    assert (first["client"], first["region"]) == ("127.0.0.1", "local")
    assert first["forwarded_for"] == "203.0.113.7, 10.1.2.3"  # recorded, not believed
    assert (second["client"], second["region"]) == ("203.0.113.7", "eu-west")


@pytest.mark.slow
def test_audit_is_complete_under_64_connections_for_10_seconds(numeric_model, tmp_path):
    tokens = Tokens()
    secrets = {name: tokens.new(name, scopes=["predict"]) for name in ("alice", "bob")}
    store = f"sqlite:///{tmp_path / 'audit.db'}"
    with serve(numeric_model, tokens=tokens, store=store) as server:
        reports = {}
        for name in ("alice", "bob"):  # one caller after the other, 5 s each: 10 s in all
            reports[name] = load_test(
                server.url + "/predict",
                concurrency=64,
                duration=5,
                payloads=[PAYLOAD],
                headers=_bearer(secrets[name]),
                progress=False,
            )
        log = server.audit()
    for name, report in reports.items():
        figures = report["load"].figures
        assert figures["requests"] == figures["answered"] == figures["statuses"]["200"]
        assert (log["caller"] == name).sum() == figures["answered"]
    assert len(log) == sum(r["load"].figures["answered"] for r in reports.values())
    assert log["request_id"].is_unique


def test_audit_log_in_postgresql(numeric_model, postgres_url):
    tokens = Tokens()
    secret = tokens.new("pg-client", scopes=["predict"])
    with serve(numeric_model, tokens=tokens, store=postgres_url, name="pg-model") as server:
        for _ in range(5):
            assert request(server.url + "/predict", "POST", PAYLOAD, _bearer(secret))[0] == 200
        assert request(server.url + "/predict", "POST", PAYLOAD)[0] == 401
        log = server.audit()
    assert len(log) == 6
    assert (log["caller"] == "pg-client").sum() == 5
    assert set(log["status"]) == {200, 401}
