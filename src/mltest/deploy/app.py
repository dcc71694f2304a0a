"""The ASGI application a model is served by (starlette), and the guard around it.

The guard is plain ASGI (no per-request middleware objects): it numbers the request, reads
the body within the size limit, checks content type, token, scope and rate limit, runs the
route, and then records the request in the Prometheus metrics and the audit log. Routes
never raise: bad input is a 4xx with a message, a model that raises is a 500 naming the
request id.
"""

from __future__ import annotations

import bisect
import itertools
import json
import secrets
import threading
import time
from typing import Any

from mltest.deploy.inputs import Features, Invalid, encode_outputs

JSON = "application/json"
# paths open to anyone, as orchestrators' health probes must be
PUBLIC_PATHS = ("/v2/health/live", "/v2/health/ready", "/v2")
ROW_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000, 10000)


class Histogram:
    """A Prometheus histogram kept as plain counts: an observation is a ``bisect`` and two
    additions (prometheus_client's own ``Histogram.observe`` walks its buckets in Python
    under a lock per value, several times this serving cost per request). Rendered by
    ``Metrics`` as a standard histogram family at scrape time."""

    def __init__(self, name: str, documentation: str, labels: tuple[str, ...], bounds: Any):
        self.name, self.documentation, self.labels = name, documentation, labels
        self.bounds = tuple(float(b) for b in bounds if b != float("inf"))
        self.les = [_go_float(b) for b in self.bounds] + ["+Inf"]  # the `le` label values
        self.series: dict[tuple[str, ...], list[float]] = {}

    def observe(self, labels: tuple[str, ...], value: float) -> None:
        counts = self.series.get(labels)
        if counts is None:  # one count per bound, one for +Inf, then the sum
            counts = self.series[labels] = [0.0] * (len(self.bounds) + 2)
        counts[bisect.bisect_left(self.bounds, value)] += 1  # le: value <= bound
        counts[-1] += value

    def family(self) -> Any:
        from prometheus_client.core import HistogramMetricFamily

        family = HistogramMetricFamily(self.name, self.documentation, labels=self.labels)
        for labels, counts in self.series.items():
            cumulative = itertools.accumulate(counts[:-1])
            family.add_metric(
                list(labels), list(zip(self.les, cumulative, strict=True)), counts[-1]
            )
        return family


def _go_float(bound: float) -> str:
    from prometheus_client.utils import floatToGoString

    return str(floatToGoString(bound))


class Metrics:
    """The Prometheus metrics of one server (its own registry, one collector)."""

    def __init__(self) -> None:
        import prometheus_client as prom

        self._lock = threading.Lock()
        self.in_flight = 0
        seconds = prom.Histogram.DEFAULT_BUCKETS
        self.duration = Histogram(
            "mltest_request_duration_seconds",
            "Time from the request's arrival to its answer",
            ("endpoint", "method", "status"),
            seconds,
        )
        self.model_time = Histogram(
            "mltest_model_duration_seconds",
            "Time spent inside the model's predict",
            ("endpoint",),
            seconds,
        )
        self.cpu_time = Histogram(
            "mltest_request_cpu_seconds",
            "CPU time of the serving thread per request",
            ("endpoint",),
            (1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 5e-3, 0.01, 0.05, 0.1, 0.5, 1.0),
        )
        self.rows = Histogram(
            "mltest_request_rows", "Rows per prediction request", ("endpoint",), ROW_BUCKETS
        )
        self.registry = prom.CollectorRegistry(auto_describe=True)
        self.registry.register(self)

    def started(self) -> None:
        with self._lock:
            self.in_flight += 1

    def observe_model(self, endpoint: str, seconds: float) -> None:
        with self._lock:
            self.model_time.observe((endpoint,), seconds)

    def observe(
        self, endpoint: str, method: str, status: int, seconds: float, cpu: float, rows: Any
    ) -> None:
        """Record one answered request (and that it is no longer in flight)."""
        with self._lock:
            self.in_flight -= 1
            self.duration.observe((endpoint, method, str(status)), seconds)
            self.cpu_time.observe((endpoint,), cpu)
            if rows is not None:
                self.rows.observe((endpoint,), rows)

    def collect(self) -> Any:
        """The families, for the registry (prometheus_client's custom-collector API)."""
        from prometheus_client.core import GaugeMetricFamily

        with self._lock:
            histograms = [
                h.family() for h in (self.duration, self.model_time, self.cpu_time, self.rows)
            ]
            flight = self.in_flight
        yield histograms[0]
        yield GaugeMetricFamily(
            "mltest_requests_in_flight", "Requests being answered now", value=flight
        )
        yield from histograms[1:]

    def text(self) -> tuple[bytes, str]:
        import prometheus_client as prom

        return prom.generate_latest(self.registry), prom.CONTENT_TYPE_LATEST


class Service:
    """Everything a request needs: the model, its inputs, tokens, addresses, logs."""

    def __init__(
        self,
        model: Any,
        *,
        name: str,
        schema: Any,
        tokens: Any,
        addresses: Any,
        audit: Any,
        max_body_bytes: int,
        max_rows: int,
    ) -> None:
        self.model, self.name = model, name
        from mltest._models import predictor

        predict = predictor(model)
        if predict is None:  # serve() refuses such a model first, naming it
            raise TypeError(type(model).__name__)
        self.predict = predict
        self.features = Features(model, schema)
        self.tokens, self.addresses, self.audit = tokens, addresses, audit
        self.max_body_bytes, self.max_rows = max_body_bytes, max_rows
        self.metrics = Metrics()
        self.prefix = secrets.token_hex(4)
        self.counter = itertools.count(1)
        self.app = self._routes()

    # --- routes -------------------------------------------------------------------------

    def _routes(self) -> Any:
        from starlette.applications import Starlette
        from starlette.routing import Route

        return Starlette(
            routes=[  # the prediction routes first: routes are matched in order
                Route("/predict", self.predict_route, methods=["POST"]),
                Route("/v2/models/{name}/infer", self.predict_route, methods=["POST"]),
                Route("/v2/health/live", self.live, methods=["GET"]),
                Route("/v2/health/ready", self.live, methods=["GET"]),
                Route("/v2", self.server_metadata, methods=["GET"]),
                Route("/v2/models/{name}", self.model_metadata, methods=["GET"]),
                Route("/v2/models/{name}/ready", self.live, methods=["GET"]),
                Route("/metrics", self.prometheus, methods=["GET"]),
                Route("/admin/tokens/{caller}", self.revoke, methods=["DELETE"]),
            ]
        )

    async def live(self, request: Any) -> Any:
        key = "live" if request.url.path.endswith("live") else "ready"
        return _json({key: True})

    async def server_metadata(self, request: Any) -> Any:
        from mltest import __version__

        return _json({"name": "mltest", "version": __version__, "extensions": []})

    async def model_metadata(self, request: Any) -> Any:
        if request.path_params["name"] != self.name:
            return _error(404, f"no model named {request.path_params['name']!r}", request)
        return _json(
            {
                "name": self.name,
                "versions": [],
                "platform": type(self.model).__module__.split(".")[0],
                "inputs": self.features.metadata(),
                "outputs": [{"name": "predict", "datatype": "FP64", "shape": [-1]}],
            }
        )

    async def predict_route(self, request: Any) -> Any:
        """Behind the guard, a POST to either prediction path is answered before routing;
        the routes stand for the other methods (405) and for the app used on its own."""
        status, answer = self.answer(request.scope["mltest"], v2=request.url.path != "/predict")
        return _json(answer, status)

    def answer(self, state: dict[str, Any], *, v2: bool) -> tuple[int, dict[str, Any]]:
        """(status, JSON answer) of a prediction request whose body is in ``state``. The
        guard calls it directly for the two prediction paths (no framework layers on the
        hot path); the starlette routes above call it too."""
        rid = state["request_id"]
        if v2:
            name = state["path"][len("/v2/models/") : -len("/infer")]
            if name != self.name:
                return 404, {"error": f"no model named {name!r}", "request_id": rid}
        try:
            body = json.loads(state["body"])
        except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
            return 400, {
                "error": f"the body is not valid JSON ({_first_line(exc)})",
                "request_id": rid,
            }
        parse = self.features.from_v2 if v2 else self.features.from_records
        try:
            batch, rows = parse(body, self.max_rows)
        except Invalid as exc:
            problems = {"problems": exc.problems, "total": exc.total}
            return exc.status, {"error": "invalid input", "request_id": rid, **problems}
        except RecursionError:
            return 400, {"error": "the body nests too deeply", "request_id": rid}
        state["rows"] = rows
        started = time.perf_counter()
        try:
            values, kind, shape = encode_outputs(self.predict(batch))
        except Exception as exc:  # the model's own failure: a finding about it, logged
            state["error"] = f"{type(exc).__name__}: {_first_line(exc)}"[:500]
            return 500, {"error": "the model raised an exception", "request_id": rid}
        finally:
            self.metrics.observe_model(state["endpoint"], time.perf_counter() - started)
        if v2:
            out = {"name": "predict", "datatype": kind, "shape": shape, "data": _flat(values)}
            return 200, {"model_name": self.name, "id": rid, "outputs": [out]}
        return 200, {"predictions": values, "request_id": rid}

    async def prometheus(self, request: Any) -> Any:
        from starlette.responses import Response

        body, kind = self.metrics.text()
        return Response(body, media_type=kind.split(";")[0])

    async def revoke(self, request: Any) -> Any:
        if self.tokens is None:
            return _error(404, "access control is off on this server", request)
        caller = request.path_params["caller"]
        try:
            n = self.tokens.revoke(caller)
        except ValueError:
            return _error(404, f"caller {caller!r} has no active token", request)
        return _json({"caller": caller, "revoked": n})


def _json(data: Any, status: int = 200) -> Any:
    from starlette.responses import Response

    return Response(json.dumps(data, allow_nan=False), status_code=status, media_type=JSON)


def _error(status: int, message: str, request: Any, **extra: Any) -> Any:
    rid = request.scope["mltest"]["request_id"]
    return _json({"error": message, "request_id": rid, **extra}, status)


def _first_line(exc: BaseException) -> str:
    text = str(exc).splitlines()
    return text[0][:200] if text else type(exc).__name__


def _flat(values: Any) -> list[Any]:
    if values and isinstance(values[0], list):
        return [v for row in values for v in row]
    return list(values)
