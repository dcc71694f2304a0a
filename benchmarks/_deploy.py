"""Helpers of the deploy benchmarks: an app in a uvicorn subprocess, wrk, and a reference
open-model client written the way wrk2 measures (one thread per connection, each with its
own slice of a constant-rate schedule, latency from the intended send time)."""

from __future__ import annotations

import contextlib
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def uvicorn_app(target: str):
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        target,
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
        "--app-dir",
        str(HERE),
    ]
    process = subprocess.Popen(command)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


def wrk(url: str, *, connections: int, seconds: int, script: str | None = None) -> dict:
    """wrk's requests/s and its latency percentiles (seconds)."""
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (Debian package 'wrk')")
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if script is not None:
        command[1:1] = ["-s", script]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    figures = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}
    units = {"us": 1e-6, "ms": 1e-3, "s": 1.0}
    for pct in ("50", "99"):
        value, unit = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)", out).groups()
        figures[f"p{pct}"] = float(value) * units[unit]
    return figures


def reference_open_model(url: str, *, rate: float, connections: int, seconds: float) -> np.ndarray:
    """Constant-rate traffic measured from each request's intended time (wrk2's method),
    with blocking sockets in threads: an implementation independent of mltest's. Returns
    every latency (seconds)."""
    host, port, path = re.match(r"http://([^:/]+):(\d+)(/.*)?", url).groups()
    request = f"GET {path or '/'} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
    total = int(rate * seconds)
    start = time.perf_counter() + 0.2
    latencies: list[list[float]] = [[] for _ in range(connections)]

    def connection(k: int) -> None:
        sock = socket.create_connection((host, int(port)))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for i in range(k, total, connections):
            due = start + i / rate
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            sock.sendall(request)
            buffer = b""
            while True:
                buffer += sock.recv(65536)
                head, sep, body = buffer.partition(b"\r\n\r\n")
                if sep:
                    length = int(re.search(rb"content-length: (\d+)", head.lower()).group(1))
                    if len(body) >= length:
                        break
            latencies[k].append(time.perf_counter() - due)
        sock.close()

    threads = [threading.Thread(target=connection, args=(k,)) for k in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return np.concatenate([np.asarray(v) for v in latencies])
