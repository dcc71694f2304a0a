"""The load generator's engine: a minimal HTTP/1.1 keep-alive client on asyncio.

It runs in its own Python process (``python -m mltest.deploy._loadgen CONFIG OUT``), so the
client never competes for the GIL with a server running inside the test process, and it
imports only the standard library (plus uvloop when present). ``load.py`` builds the
configuration, starts this process and turns what it writes into a ``Report``.

Two models of traffic:

- **open** (``rate`` set): request *i* is due at ``start + i / rate`` whatever the server
  does; its latency is measured from that intended time, so a server that stalls is
  charged for every request that should have been sent during the stall (the
  coordinated-omission correction of wrk2). Requests wait for a free connection in a queue.
- **closed** (``rate`` unset): ``concurrency`` connections each send the next request as
  soon as the previous answer arrives; latency is measured from the actual send.

Every loop is bounded by both a deadline and a count. Output: a JSON summary plus the raw
latencies (nanoseconds, native int64) of every answered request.
"""

from __future__ import annotations

import array
import asyncio
import json
import sys
import time
from typing import Any

_CHUNK_END = b"0\r\n\r\n"
_SPIN = 0.0012  # seconds before a due time the open model stops sleeping and yields


class _Connection(asyncio.Protocol):
    """One keep-alive connection: ``request(bytes)`` resolves to (status, body length)."""

    def __init__(self) -> None:
        self.transport: Any = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future[tuple[int, int]] | None = None
        self.closed = False

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def connection_lost(self, exc: BaseException | None) -> None:
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("connection closed by the server"))

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if self.waiter is not None and not self.waiter.done():
            parsed = _parse(self.buffer)
            if parsed is not None:
                status, length, used = parsed
                del self.buffer[:used]
                self.waiter.set_result((status, length))

    def request(self, payload: bytes) -> asyncio.Future[tuple[int, int]]:
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(payload)
        return self.waiter


def _parse(buffer: bytearray) -> tuple[int, int, int] | None:
    """(status, body bytes, bytes used) of the first complete response, or None."""
    head_end = buffer.find(b"\r\n\r\n")
    if head_end < 0:
        return None
    head = bytes(buffer[:head_end]).lower()
    status = int(head[9:12])
    start = head_end + 4
    at = head.find(b"\r\ncontent-length:")
    if at >= 0:
        eol = head.find(b"\r\n", at + 2)
        length = int(head[at + 17 : eol if eol >= 0 else len(head)])
        return (status, length, start + length) if len(buffer) >= start + length else None
    if b"transfer-encoding: chunked" in head:
        end = buffer.find(_CHUNK_END, start)
        return None if end < 0 else (status, end - start, end + len(_CHUNK_END))
    return status, 0, start  # no body (204, 304)


class _Run:
    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.host, self.port = config["host"], config["port"]
        self.requests = [r.encode("latin-1") for r in config["requests"]]
        self.latencies = array.array("q")
        self.lags = array.array("q")  # send time minus intended time: the generator's own lateness
        self.statuses: dict[str, int] = {}
        self.exceptions: dict[str, int] = {}
        self.sent = 0
        self.answered = 0
        self.bytes_in = 0
        self.limit = int(config["max_requests"])
        self.deadline = 0.0

    async def _connect(self) -> _Connection:
        loop = asyncio.get_running_loop()
        _, conn = await loop.create_connection(_Connection, self.host, self.port)
        return conn

    async def _one(
        self, conn: _Connection | None, index: int, since_ns: int
    ) -> _Connection | None:
        """Send request ``index`` (on ``conn``, or a new connection); record the outcome."""
        if time.monotonic() > self.deadline + self.config["grace"]:
            # due long ago and never sent: the server held every connection past the grace
            self.exceptions["Timeout"] = self.exceptions.get("Timeout", 0) + 1
            return conn
        self.sent += 1
        try:
            if conn is None or conn.closed:
                conn = await self._connect()
            payload = self.requests[index % len(self.requests)]
            self.lags.append(time.perf_counter_ns() - since_ns)
            timeout = max(self.deadline + self.config["grace"] - time.monotonic(), 0.001)
            status, length = await asyncio.wait_for(conn.request(payload), timeout)
        except (OSError, asyncio.TimeoutError, ValueError) as exc:
            name = "Timeout" if isinstance(exc, asyncio.TimeoutError) else type(exc).__name__
            self.exceptions[name] = self.exceptions.get(name, 0) + 1
            if conn is not None and conn.transport is not None:
                conn.transport.close()
            return None
        self.latencies.append(time.perf_counter_ns() - since_ns)
        key = str(status)
        self.statuses[key] = self.statuses.get(key, 0) + 1
        self.answered += 1
        self.bytes_in += length
        return conn

    async def closed_model(self) -> None:
        counter = iter(range(self.limit))

        async def worker() -> None:
            conn: _Connection | None = None
            for index in counter:
                if time.monotonic() >= self.deadline:
                    break
                conn = await self._one(conn, index, time.perf_counter_ns())
            if conn is not None and conn.transport is not None:
                conn.transport.close()

        await asyncio.gather(*(worker() for _ in range(self.config["concurrency"])))

    async def open_model(self) -> None:
        rate = float(self.config["rate"])
        queue: asyncio.Queue[tuple[int, int] | None] = asyncio.Queue()
        start_ns = time.perf_counter_ns()
        interval_ns = 1e9 / rate

        async def worker() -> None:
            conn: _Connection | None = None
            while True:
                item = await queue.get()
                if item is None:
                    break
                conn = await self._one(conn, item[0], item[1])
            if conn is not None and conn.transport is not None:
                conn.transport.close()

        workers = [asyncio.ensure_future(worker()) for _ in range(self.config["concurrency"])]
        index = 0
        while index < self.limit and time.monotonic() < self.deadline:
            due = int((time.perf_counter_ns() - start_ns) / interval_ns) + 1  # due by now
            while index < min(due, self.limit):
                queue.put_nowait((index, start_ns + int(index * interval_ns)))
                index += 1
            wake = (start_ns + index * interval_ns - time.perf_counter_ns()) / 1e9
            # The loop's timers tick in milliseconds and a sleeping thread would have to hand
            # each request to the loop: both would send late, and lateness is charged to the
            # server (latency counts from the intended time). So sleep to just before the
            # due time and then yield until it; the price is CPU in that last stretch.
            await asyncio.sleep(wake - _SPIN if wake > _SPIN else 0)
        for _ in workers:
            queue.put_nowait(None)
        await asyncio.gather(*workers)

    async def progress(self) -> None:
        started = time.monotonic()
        total = self.config["duration"]
        while True:
            await asyncio.sleep(1.0)
            elapsed = time.monotonic() - started
            print(
                f"mltest load: {min(elapsed, total):.0f}/{total:.0f} s, "
                f"{self.answered:,} answered, {sum(self.exceptions.values()):,} errors",
                file=sys.stderr,
                flush=True,
            )

    async def main(self) -> dict[str, Any]:
        started = time.monotonic()
        self.deadline = started + float(self.config["duration"])
        reporter = None
        if self.config["progress"]:
            reporter = asyncio.ensure_future(self.progress())
        if self.config["rate"] is None:
            await self.closed_model()
        else:
            await self.open_model()
        if reporter is not None:
            reporter.cancel()
        return {
            "seconds": time.monotonic() - started,
            "sent": self.sent,
            "answered": self.answered,
            "statuses": self.statuses,
            "exceptions": self.exceptions,
            "bytes_in": self.bytes_in,
        }


def run(config_path: str, out_path: str) -> None:
    with open(config_path) as f:
        config = json.load(f)
    runner: Any = asyncio.run
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:  # plain asyncio works, a little slower
        pass
    loader = _Run(config)
    summary = runner(loader.main())
    with open(out_path + ".ns", "wb") as f:
        loader.latencies.tofile(f)
    with open(out_path + ".lag", "wb") as f:
        loader.lags.tofile(f)
    with open(out_path, "w") as f:
        json.dump(summary, f)


if __name__ == "__main__":
    run(sys.argv[1], sys.argv[2])
