"""``load_test``: drive an HTTP endpoint on loopback and judge latency, throughput and errors.

The traffic comes from ``_loadgen`` in a separate process (see there for the open and
closed models). Percentiles are exact: computed from every answered request's latency, not
from a histogram. Thresholds read like k6's (``{"p95": "<200ms", "error_rate": "<0.01"}``);
a value ending in ``x`` is relative to a stored baseline (``{"p99": "<=1.2x"}``).
"""

from __future__ import annotations

import ipaddress
import json
import math
import os
import re
import socket
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path
from typing import Any

import numpy as np

from mltest import arguments
from mltest.errors import UsageError
from mltest.report import PropertyResult, Report

PERCENTILES = {"p50": 50.0, "p90": 90.0, "p95": 95.0, "p99": 99.0, "p99.9": 99.9}
# figure -> unit of its thresholds ("s": a duration; "": a plain number)
FIGURES = {**{p: "s" for p in PERCENTILES}, "max": "s", "mean": "s"}
FIGURES.update({"rps": "", "error_rate": "", "errors": ""})
HIGHER_IS_BETTER = {"rps"}
DEFAULT_THRESHOLDS = {"error_rate": "<=0"}
_THRESHOLD = re.compile(r"^\s*(<=|>=|<|>)\s*([0-9]*\.?[0-9]+(?:e-?[0-9]+)?)\s*(ms|us|s|x)?\s*$")
_UNITS = {"ms": 1e-3, "us": 1e-6, "s": 1.0, None: 1.0}


def load_test(
    url: str,
    *,
    rate: float | None = None,
    concurrency: int | None = None,
    duration: float = 10.0,
    requests: int | None = None,
    payloads: Any = None,
    headers: dict[str, str] | None = None,
    method: str | None = None,
    thresholds: dict[str, str] | None = None,
    baseline: str | Path | dict[str, Any] | None = None,
    save_baseline: str | Path | None = None,
    progress: bool | None = None,
    grace: float = 5.0,
    raise_on_failure: bool = True,
) -> Report:
    """Send requests to ``url`` (a loopback address) and judge them against ``thresholds``.

    ``rate`` (requests/s) selects the open model, latency counted from each request's
    intended send time; without it, ``concurrency`` connections (default 16) send back to
    back (the closed model). The run stops at ``duration`` seconds or after ``requests``
    requests, whichever comes first; answers still pending ``grace`` seconds after that
    count as ``Timeout`` errors. ``payloads``: one body or a list of bodies (dicts are sent
    as JSON, ``bytes`` as they are) sent in turn; none means GET. The report's
    ``figures`` (on its ``load`` result) hold the percentiles (seconds), ``rps``,
    ``error_rate``, status and exception counts; ``report.data["latencies"]`` every
    latency (seconds).
    """
    host, port, target = _loopback(url)
    spec = _Spec(rate, concurrency, duration, requests, grace)
    bodies = _bodies(payloads)
    verb = _method(method, bodies)
    head = _headers(headers, host, port)
    rules = _rules(thresholds, baseline)
    wire = [_request(verb, target, head, body) for body in bodies]
    show = spec.duration > 3 if progress is None else arguments.flag("progress", progress)
    config = {
        "host": host,
        "port": port,
        "requests": wire,
        "rate": spec.rate,
        "concurrency": spec.concurrency,
        "duration": spec.duration,
        "max_requests": spec.max_requests,
        "grace": spec.grace,
        "progress": show,
    }
    summary, latencies = _drive(config)
    figures = _figures(summary, latencies, spec)
    report = Report(f"load {url}", kind="load", stage="deployment")
    model = (
        f"open model at {spec.rate:g}/s"
        if spec.rate
        else f"closed model, {spec.concurrency} connections"
    )
    report.add(
        PropertyResult(
            "load",
            "passed",
            f"{summary['answered']:,} of {summary['sent']:,} requests answered in "
            f"{summary['seconds']:.1f} s ({model}); p50 {_ms(figures['p50'])}, "
            f"p99 {_ms(figures['p99'])}, {figures['rps']:,.0f} req/s",
            examples=summary["answered"],
            figures=figures,
        )
    )
    for name, (op, value, relative) in rules.items():
        report.add(_judge(name, op, value, relative, figures, baseline))
    report.data["latencies"] = latencies
    if save_baseline is not None:
        Path(save_baseline).write_text(json.dumps({"figures": figures}, indent=2) + "\n")
    return report.conclude(raise_on_failure)


def assert_load(url: str, **kwargs: Any) -> Report:
    """``load_test(...)`` that raises ``CheckFailure`` naming every broken threshold."""
    __tracebackhide__ = True
    kwargs["raise_on_failure"] = True
    return load_test(url, **kwargs)


class _Spec:
    def __init__(
        self,
        rate: Any,
        concurrency: Any,
        duration: Any,
        requests: Any,
        grace: Any,
    ) -> None:
        self.rate = None if rate is None else arguments.number("rate", rate, minimum=1e-3)
        if self.rate is not None and self.rate > 1e6:
            raise UsageError(f"rate={rate!r}: at most 1,000,000 requests/s")
        default = 16 if self.rate is None else 64
        conc = default if concurrency is None else concurrency
        self.concurrency = arguments.positive_int("concurrency", conc)
        if self.concurrency > 4096:
            raise UsageError(f"concurrency={concurrency!r}: at most 4096 connections")
        self.duration = arguments.number("duration", duration, minimum=0.01)
        if self.duration > 3600:
            raise UsageError(f"duration={duration!r}: at most 3600 seconds")
        cap = 50_000_000 if requests is None else arguments.positive_int("requests", requests)
        if self.rate is not None:  # the open model sends at most what is due in the duration
            cap = min(cap, max(math.ceil(self.rate * self.duration), 1))
        self.max_requests = cap
        self.grace = arguments.number("grace", grace, minimum=0.0)


def _loopback(url: Any) -> tuple[str, int, str]:
    if not isinstance(url, str):
        raise UsageError(f"url={arguments.short(url)}: must be an http:// URL")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise UsageError(f"url={url!r}: must be an http://HOST:PORT/... URL")
    try:
        infos = socket.getaddrinfo(parts.hostname, None)
    except socket.gaierror:
        raise UsageError(f"url={url!r}: the host {parts.hostname!r} does not resolve") from None
    addresses = {str(info[4][0]) for info in infos}
    if not all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses):
        raise UsageError(
            f"url={url!r}: load tests only target loopback addresses (127.0.0.0/8, ::1); "
            f"{parts.hostname!r} resolves to {sorted(addresses)}"
        )
    try:
        port = parts.port or 80
    except ValueError:
        raise UsageError(f"url={url!r}: the port is not a number") from None
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return parts.hostname, port, target


def _bodies(payloads: Any) -> list[bytes | None]:
    if payloads is None:
        return [None]
    items = list(payloads) if isinstance(payloads, (list, tuple)) else [payloads]
    if not items:
        raise UsageError("payloads=[]: give at least one payload, or None for GET")
    out: list[bytes | None] = []
    for i, item in enumerate(items):
        if isinstance(item, bytes):
            out.append(item)
        elif isinstance(item, str):
            out.append(item.encode())
        else:
            try:
                out.append(json.dumps(item, allow_nan=False).encode())
            except (TypeError, ValueError) as exc:
                raise UsageError(f"payloads[{i}]: not JSON-serialisable ({exc})") from None
    return out


def _method(method: Any, bodies: list[bytes | None]) -> str:
    if method is None:
        return "GET" if bodies == [None] else "POST"
    return str(arguments.choice("method", str(method).upper(), ["GET", "POST", "PUT", "DELETE"]))


def _headers(headers: Any, host: str, port: int) -> dict[str, str]:
    if headers is None:
        headers = {}
    if not isinstance(headers, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
    ):
        raise UsageError(f"headers={arguments.short(headers)}: must map names to strings")
    for k, v in headers.items():
        if "\r" in k + v or "\n" in k + v or ":" in k:
            raise UsageError(f"headers: {k!r} is not a valid header")
    out = {"Host": f"{host}:{port}"}
    out.update(headers)
    return out


def _request(method: str, target: str, headers: dict[str, str], body: bytes | None) -> str:
    lines = [f"{method} {target} HTTP/1.1"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body is not None:
        if not any(k.lower() == "content-type" for k in headers):
            lines.append("Content-Type: application/json")
        lines.append(f"Content-Length: {len(body)}")
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")
    return raw.decode("latin-1")  # bytes travel to the engine as latin-1 text in JSON


def _rules(thresholds: Any, baseline: Any) -> dict[str, tuple[str, float, bool]]:
    given = DEFAULT_THRESHOLDS if thresholds is None else thresholds
    if not isinstance(given, dict):
        raise UsageError(f"thresholds={arguments.short(thresholds)}: must be a dict")
    rules = {}
    for name, text in given.items():
        if name not in FIGURES:
            raise UsageError(f"thresholds: unknown figure {name!r}; choose from {list(FIGURES)}")
        match = _THRESHOLD.match(text) if isinstance(text, str) else None
        if match is None:
            raise UsageError(
                f"thresholds[{name!r}]={text!r}: write it as '<200ms', '<0.01' or '<=1.2x'"
            )
        op, number, unit = match.groups()
        if unit in ("ms", "us", "s") and FIGURES[name] != "s":
            raise UsageError(f"thresholds[{name!r}]={text!r}: {name} is not a duration")
        if unit == "x" and baseline is None:
            raise UsageError(
                f"thresholds[{name!r}]={text!r}: a ratio needs baseline= (a file or dict)"
            )
        rules[name] = (op, float(number) * _UNITS.get(unit, 1.0), unit == "x")
    return rules


def _drive(config: dict[str, Any]) -> tuple[dict[str, Any], np.ndarray]:
    with tempfile.TemporaryDirectory(prefix="mltest-load-") as tmp:
        config_path, out_path = os.path.join(tmp, "config.json"), os.path.join(tmp, "out.json")
        Path(config_path).write_text(json.dumps(config))
        limit = config["duration"] + config["grace"] + 30
        command = [sys.executable, "-m", "mltest.deploy._loadgen", config_path, out_path]
        try:
            done = subprocess.run(command, timeout=limit, stdout=subprocess.DEVNULL, check=False)
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"the load generator did not stop within {limit:.0f} s") from None
        if done.returncode != 0 or not os.path.exists(out_path):
            raise RuntimeError(f"the load generator failed (exit {done.returncode})")
        summary = json.loads(Path(out_path).read_text())
        latencies = np.fromfile(out_path + ".ns", dtype=np.int64) / 1e9
        lags = np.fromfile(out_path + ".lag", dtype=np.int64) / 1e9
    summary["send_lag"] = lags
    return summary, latencies


def _figures(summary: dict[str, Any], latencies: np.ndarray, spec: _Spec) -> dict[str, Any]:
    failures = sum(summary["exceptions"].values())
    sent = summary["answered"] + failures  # every request has one outcome
    bad = sum(n for status, n in summary["statuses"].items() if int(status) >= 400)
    errors = bad + failures
    figures: dict[str, Any] = {}
    for name, q in PERCENTILES.items():
        figures[name] = (
            float(np.percentile(latencies, q, method="inverted_cdf"))
            if latencies.size
            else math.nan
        )
    figures["max"] = float(latencies.max()) if latencies.size else math.nan
    figures["mean"] = float(latencies.mean()) if latencies.size else math.nan
    seconds = max(summary["seconds"], 1e-9)
    figures["rps"] = summary["answered"] / seconds
    figures["errors"] = errors
    figures["error_rate"] = errors / max(sent, 1)
    figures["requests"] = sent
    figures["answered"] = summary["answered"]
    figures["seconds"] = summary["seconds"]
    figures["statuses"] = {k: summary["statuses"][k] for k in sorted(summary["statuses"])}
    figures["exceptions"] = dict(sorted(summary["exceptions"].items()))
    lag = summary["send_lag"]
    # how late the generator itself sent (open model): all of it is inside the latencies
    figures["send_lag_p50"] = float(np.percentile(lag, 50)) if lag.size and spec.rate else None
    figures["send_lag_p99"] = float(np.percentile(lag, 99)) if lag.size and spec.rate else None
    figures["model"] = "open" if spec.rate else "closed"
    figures["rate"] = spec.rate
    figures["concurrency"] = spec.concurrency
    return figures


def _judge(
    name: str, op: str, value: float, relative: bool, figures: dict[str, Any], baseline: Any
) -> PropertyResult:
    measured = figures[name]
    limit = value
    where = ""
    if relative:
        stored = _baseline(baseline)
        if not isinstance(stored.get(name), (int, float)):
            raise UsageError(f"baseline: holds no figure {name!r} to compare with")
        base = float(stored[name])
        limit = value * base
        where = f" ({value:g}x the baseline's {_show(name, base)})"
    ok = {"<": measured < limit, "<=": measured <= limit, ">": measured > limit}.get(
        op, measured >= limit
    )
    if isinstance(measured, float) and math.isnan(measured):
        return PropertyResult(
            name,
            "inconclusive",
            "no request was answered, so it cannot be measured",
            reason="insufficient_data",
        )
    message = f"{name} = {_show(name, measured)}, required {op} {_show(name, limit)}{where}"
    return PropertyResult(
        name,
        "passed" if ok else "failed",
        message,
        examples=int(figures["answered"]),
        figures={"measured": measured, "limit": limit, "op": op},
    )


def _baseline(baseline: Any) -> dict[str, float]:
    if isinstance(baseline, dict):
        data = baseline
    else:
        try:
            data = json.loads(Path(baseline).read_text())
        except (OSError, ValueError) as exc:
            raise UsageError(f"baseline={str(baseline)!r}: cannot be read ({exc})") from None
    figures = data.get("figures", data) if isinstance(data, dict) else None
    if not isinstance(figures, dict):
        raise UsageError(f"baseline={arguments.short(baseline)}: holds no figures")
    return figures


def _show(name: str, value: float) -> str:
    if FIGURES.get(name) == "s":
        return _ms(value)
    return f"{value:,.4g}"


def _ms(seconds: float) -> str:
    return "n/a" if math.isnan(seconds) else f"{seconds * 1e3:.3g} ms"
