"""Who called, from where: the audit log of a served model.

Each answered request becomes one row of the monitor store's ``audit`` table. The request
path only appends a tuple to a queue; a writer thread takes everything queued, writes it in
one transaction every ``interval`` seconds (or at once past ``batch`` rows), and on close
writes the rest, so no request is lost and none waits for the database.

The client address is the TCP peer, unless the peer is a configured trusted proxy: then the
``X-Forwarded-For`` chain is read from the right, skipping trusted proxies, and the first
address that is not one is the client (a forwarded chain from an untrusted peer is
recorded but never believed). ``regions`` maps CIDR blocks to a region name.
"""

from __future__ import annotations

import ipaddress
import queue
import threading
import time
from collections.abc import Iterable, Sequence
from typing import Any

from mltest import arguments
from mltest.errors import UsageError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def networks(argument: str, blocks: Iterable[Any]) -> list[Network]:
    out = []
    for block in blocks:
        try:
            out.append(ipaddress.ip_network(str(block), strict=False))
        except ValueError:
            raise UsageError(f"{argument}: {arguments.short(block)} is not a CIDR block") from None
    return out


class Addresses:
    """Resolve a request's client address and region."""

    def __init__(self, trusted_proxies: Any = (), regions: Any = None) -> None:
        if isinstance(trusted_proxies, str):
            trusted_proxies = [trusted_proxies]
        self.trusted = networks("trusted_proxies", trusted_proxies or ())
        if regions is not None and not isinstance(regions, dict):
            raise UsageError(f"regions={arguments.short(regions)}: must map CIDR blocks to names")
        pairs = list((regions or {}).items())
        blocks = networks("regions", [block for block, _ in pairs])
        # most specific block first, so 10.1.0.0/16 wins over 10.0.0.0/8
        self.regions = sorted(
            zip(blocks, (str(name) for _, name in pairs), strict=True),
            key=lambda item: -item[0].prefixlen,
        )

    def _is_trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in block for block in self.trusted)

    def client(self, peer: str | None, forwarded: str | None) -> str | None:
        if peer is None or not forwarded or not self._is_trusted(peer):
            return peer
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        for hop in reversed(hops):
            if not self._is_trusted(hop):
                return hop
        return hops[0] if hops else peer

    def region(self, address: str | None) -> str | None:
        if address is None or not self.regions:
            return None
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return None
        for block, name in self.regions:
            if ip.version == block.version and ip in block:
                return name
        return None


class AuditLog:
    """Rows go in with ``record(row)`` (any thread); the writer thread owns the store."""

    def __init__(self, url: str, *, interval: float = 0.2, batch: int = 2000) -> None:
        self.url = url
        self.interval = interval
        self.batch = batch
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self.written = 0
        self.lost = 0
        self._thread = threading.Thread(target=self._run, name="mltest-audit", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._failure is not None:
            raise self._failure

    def record(self, row: Sequence[Any]) -> None:
        self._queue.put(row)

    def _run(self) -> None:
        from mltest.monitor.store import Store

        try:
            store = Store(self.url)  # opened in this thread: SQLite connections stay here
        except BaseException as exc:  # reported to the constructor's caller
            self._failure = exc
            self._ready.set()
            return
        self._ready.set()
        stopping = False
        rows: list[Sequence[Any]] = []
        flushed: list[threading.Event] = []
        with store:
            while not stopping or rows:
                try:
                    item = self._queue.get()
                    # gather for one interval: one transaction per interval, not per request
                    # (a commit per request would cost the server more than its own work)
                    if item is not None and not isinstance(item, threading.Event):
                        time.sleep(self.interval)
                    while True:
                        if item is None:
                            stopping = True
                        elif isinstance(item, threading.Event):
                            flushed.append(item)
                        else:
                            rows.append(item)
                        if len(rows) >= self.batch:
                            break
                        item = self._queue.get_nowait()
                except queue.Empty:
                    pass
                if not rows:
                    for event in flushed:
                        event.set()
                    flushed = []
                if rows:
                    try:
                        self.written += store.log_requests(rows)
                        rows = []
                        for event in flushed:
                            event.set()
                        flushed = []
                    except Exception as exc:  # a busy or failing database: keep the rows, retry
                        self._failure = exc
                        if stopping:
                            self.lost = len(rows)
                            return
                        threading.Event().wait(self.interval)

    def flush(self, timeout: float = 30.0) -> None:
        """Return once every row recorded before the call is in the store."""
        done = threading.Event()
        self._queue.put(done)
        if self._thread.is_alive() and not done.wait(timeout):
            raise RuntimeError(f"the audit log was not written within {timeout:g} s")

    def close(self) -> None:
        """Write everything queued, then stop the writer."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        if self.lost:
            raise RuntimeError(f"{self.lost} audit rows could not be written: {self._failure}")
