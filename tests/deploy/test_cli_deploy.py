"""The deploy commands end to end: mltest token / serve / load, and the mltest_server
fixture."""

from __future__ import annotations

import pickle
import signal
import socket
import subprocess
import sys
import time

import numpy as np

from .conftest import request

MLTEST = [sys.executable, "-m", "mltest.cli"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the server did not start")


def test_token_serve_and_load_commands(numeric_model, tmp_path):
    model_path = tmp_path / "model.pkl"
    model_path.write_bytes(pickle.dumps(numeric_model))
    tokens = tmp_path / "tokens.json"
    made = subprocess.run(
        [*MLTEST, "token", "new", "alice", "--tokens", str(tokens), "--scopes", "predict"],
        capture_output=True,
        text=True,
    )
    assert made.returncode == 0
    secret = made.stdout.strip()
    assert secret.startswith("mlt_")
    assert secret not in tokens.read_text()
    port = _free_port()
    store = f"sqlite:///{tmp_path / 'audit.db'}"
    server = subprocess.Popen(
        [
            *MLTEST,
            "serve",
            str(model_path),
            "--tokens",
            str(tokens),
            "--port",
            str(port),
            "--store",
            store,
            "--name",
            "churn",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait(port, server)
        url = f"http://127.0.0.1:{port}"
        bearer = {"Authorization": f"Bearer {secret}"}
        status, body, _ = request(url + "/predict", "POST", [[0.0, 1.0, 2.0]], bearer)
        assert status == 200
        assert body["predictions"] == numeric_model.predict(np.array([[0.0, 1.0, 2.0]])).tolist()
        assert request(url + "/predict", "POST", [[0.0, 1.0, 2.0]])[0] == 401
        payload = tmp_path / "body.json"
        payload.write_text("[[0.0, 1.0, 2.0]]")
        common = [
            url + "/predict",
            "--requests",
            "50",
            "--payload",
            str(payload),
            "--header",
            f"Authorization: Bearer {secret}",
        ]
        ok = subprocess.run(
            [*MLTEST, "load", *common, "--threshold", "p99=<5s"], capture_output=True, text=True
        )
        assert ok.returncode == 0, ok.stdout + ok.stderr
        assert "passed  p99" in ok.stdout
        slow = subprocess.run(
            [*MLTEST, "load", *common, "--threshold", "p50=<1us"], capture_output=True, text=True
        )
        assert slow.returncode == 1
        assert "failed  p50" in slow.stdout
        misuse = subprocess.run(
            [*MLTEST, "load", *common, "--threshold", "p50<1ms"], capture_output=True, text=True
        )
        assert misuse.returncode == 2
        assert "--threshold" in misuse.stderr
    finally:
        server.send_signal(signal.SIGINT)
        out, err = server.communicate(timeout=30)
    assert server.returncode == 0, err
    assert f"serving churn at http://127.0.0.1:{port}" in out
    assert secret not in out + err
    from mltest.monitor import Store

    with Store(store) as opened:
        log = opened.audit("churn")
    assert (log["caller"] == "alice").sum() == 1 + 50 + 50 + 0  # 401s carry no caller
    assert (log["status"] == 401).sum() == 1


def test_serve_command_misuse_exits_2(tmp_path):
    done = subprocess.run(
        [*MLTEST, "serve", str(tmp_path / "none.pkl")], capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "none.pkl" in done.stderr


def test_mltest_server_fixture(pytester):
    pytester.makepyfile(
        """
        import http.client, json
        import numpy as np
        from sklearn.linear_model import LogisticRegression

        def test_served(mltest_server):
            X = np.random.default_rng(0).normal(size=(50, 2))
            model = LogisticRegression().fit(X, (X[:, 0] > 0).astype(int))
            server = mltest_server(model, name="m")
            conn = http.client.HTTPConnection("127.0.0.1", server.port)
            conn.request("POST", "/predict", body=json.dumps([[1.0, 0.0]]),
                         headers={"Content-Type": "application/json", **server.headers})
            assert conn.getresponse().status == 200
            assert len(server.audit()) == 1
        """
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)
