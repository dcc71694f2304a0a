"""Serving overhead: mltest's /predict (bearer token, Prometheus metrics and the audit log
on) against a bare starlette + uvicorn app returning the same predictions, under wrk.

Goal (issue 12): at least 0.9x the bare app's requests/s, a LogisticRegression on one
4-feature row per request, 16 connections, both served the same way (uvicorn in a thread
of this process), alternated three times.
Run: pytest benchmarks/bench_serve.py -s
"""

from __future__ import annotations

import json
import statistics

import numpy as np
from _deploy import wrk
from sklearn.linear_model import LogisticRegression

from mltest.deploy import serve
from mltest.deploy.server import run_app

ROW = [[0.3, -1.2, 2.5, 0.7]]


def _bare_app(model):
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    async def predict(request):
        X = np.asarray(json.loads(await request.body()), dtype=np.float64)
        body = json.dumps({"predictions": model.predict(X).tolist()})
        return Response(body, media_type="application/json")

    return Starlette(routes=[Route("/predict", predict, methods=["POST"])])


def _script(path, headers):
    lines = ['wrk.method = "POST"', f"wrk.body = '{json.dumps(ROW)}'"]
    lines.append('wrk.headers["Content-Type"] = "application/json"')
    lines += [f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items()]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_predict_overhead_vs_bare_starlette(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 4))
    model = LogisticRegression().fit(X, (X[:, 0] + X[:, 1] > 0).astype(int))
    bare_rps, ours_rps = [], []
    with serve(model) as server, run_app(_bare_app(model), "127.0.0.1", 0) as bare_port:
        ours_script = _script(tmp_path / "ours.lua", server.headers)
        bare_script = _script(tmp_path / "bare.lua", {})
        bare_url = f"http://127.0.0.1:{bare_port}/predict"
        wrk(bare_url, connections=16, seconds=1, script=bare_script)  # warm up
        wrk(server.url + "/predict", connections=16, seconds=1, script=ours_script)
        for _ in range(3):
            bare_rps.append(wrk(bare_url, connections=16, seconds=4, script=bare_script)["rps"])
            ours_rps.append(
                wrk(server.url + "/predict", connections=16, seconds=4, script=ours_script)["rps"]
            )
        log = server.audit()
    statuses = log["status"].value_counts().to_dict()
    ratio = statistics.median(ours_rps) / statistics.median(bare_rps)
    print(
        f"\n/predict LogisticRegression, 16 connections: mltest (auth+metrics+audit) "
        f"{statistics.median(ours_rps):,.0f} req/s, bare starlette "
        f"{statistics.median(bare_rps):,.0f} req/s: {ratio:.2f}x; audit rows {len(log):,} "
        f"{statuses}"
    )
    assert statuses == {200: len(log)}  # every request authorised, answered and logged
    assert ratio >= 0.9
