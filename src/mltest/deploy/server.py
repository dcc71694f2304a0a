"""``serve``: a real HTTP server (starlette under uvicorn) for a model, as a context manager.

The server runs in a thread of the calling process, on a port the OS picks unless one is
given, and is stopped, joined and its audit log written out when the block exits. With
``tokens=None`` access control is on: one admin token is made for the block and offered
as ``server.headers``; only ``tokens=False`` serves without it.
"""

from __future__ import annotations

import contextlib
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mltest import arguments
from mltest.errors import UsageError

STARTUP_SECONDS = 30.0


class Server:
    """A running server: ``url``, ``port``, ``name``, ``headers`` (the bearer header of
    the block's own admin token, when ``serve`` made one), ``tokens``, ``store_url``."""

    def __init__(self, service: Any, host: str, port: int, store_url: str | None) -> None:
        self.service = service
        self.host, self.port = host, port
        self.name = service.name
        self.tokens = service.tokens
        self.store_url = store_url
        self.token: str | None = None
        self._folder: Any = None
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{port}"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def audit(self) -> Any:
        """Every request answered so far, as a DataFrame (the log is flushed first)."""
        if self.store_url is None:
            raise UsageError("store=False: this server keeps no audit log")
        from mltest.monitor.store import Store

        self.service.audit.flush()
        with Store(self.store_url) as store:
            return store.audit(self.name)

    def metrics(self) -> str:
        """The Prometheus text the ``/metrics`` endpoint would answer."""
        return self.service.metrics.text()[0].decode()


@contextlib.contextmanager
def serve(
    model: Any,
    *,
    schema: Any = None,
    tokens: Any = None,
    store: Any = None,
    host: str = "127.0.0.1",
    port: int = 0,
    name: str | None = None,
    trusted_proxies: Any = (),
    regions: dict[str, str] | None = None,
    max_body_bytes: int = 1_000_000,
    max_rows: int = 10_000,
) -> Iterator[Server]:
    """Serve ``model`` (a fitted scikit-learn estimator, a torch module or a callable) over
    HTTP for the duration of the ``with`` block.

    ``schema``: a ``mltest.data.Schema`` every record is checked against (422 naming the
    field and rule). ``tokens``: ``None`` (a fresh admin token, ``server.headers``), a
    ``Tokens`` object or a tokens file, or ``False`` to turn access control off.
    ``store``: where the audit log goes — a store URL or ``Store``; ``None`` keeps it in a
    SQLite file in a temporary folder (``server.store_url``); ``False`` keeps none.
    ``trusted_proxies``/``regions``: CIDR blocks whose ``X-Forwarded-For`` is believed,
    and CIDR -> region names for the log.
    """
    from mltest.deploy.app import Service
    from mltest.deploy.audit import Addresses, AuditLog

    label = _name(model, name)
    _check_model(model)
    schema = _schema(schema)
    own_token, tokens = _tokens(tokens)
    arguments.positive_int("port", port, minimum=0)
    if port > 65535:
        raise UsageError(f"port={port!r}: must be at most 65535")
    limit = arguments.positive_int("max_body_bytes", max_body_bytes, minimum=64)
    rows = arguments.positive_int("max_rows", max_rows)
    addresses = Addresses(trusted_proxies, regions)
    store_url, folder = _store(store)
    audit = AuditLog(store_url) if store_url is not None else None
    service = Service(
        model,
        name=label,
        schema=schema,
        tokens=tokens,
        addresses=addresses,
        audit=audit,
        max_body_bytes=limit,
        max_rows=rows,
    )
    try:
        from mltest.deploy.guard import Guard

        with run_app(Guard(service), host, port, label) as bound:
            server = Server(service, host, bound, store_url)
            server.token = own_token
            server._folder = folder  # a temporary store lives as long as the Server object
            yield server
    finally:
        if audit is not None:
            audit.close()


@contextlib.contextmanager
def run_app(app: Any, host: str, port: int, label: str = "app") -> Iterator[int]:
    """Run an ASGI ``app`` under uvicorn in a thread; yields the bound port, and stops and
    joins the server when the block exits."""
    import uvicorn

    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        server_header=False,
        proxy_headers=False,  # the guard decides whom to believe (trusted_proxies)
        timeout_graceful_shutdown=5,
    )
    runner = uvicorn.Server(config)
    failure: list[BaseException] = []

    def run() -> None:
        try:
            runner.run()
        except BaseException as exc:  # SystemExit when the port cannot be bound
            failure.append(exc)

    thread = threading.Thread(target=run, name=f"mltest-serve-{label}", daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_SECONDS
    while not runner.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            runner.should_exit = True
            thread.join(5)
            raise UsageError(f"host={host!r}, port={port!r}: cannot listen there")
        time.sleep(0.005)
    bound = runner.servers[0].sockets[0].getsockname()[1]
    try:
        yield bound
    finally:
        runner.should_exit = True
        thread.join(STARTUP_SECONDS)


def _name(model: Any, name: Any) -> str:
    if name is None:
        if hasattr(model, "predict") or not hasattr(model, "__name__"):
            return type(model).__name__.lower()
        return str(model.__name__).lower()
    if not isinstance(name, str) or not name or "/" in name:
        raise UsageError(f"name={arguments.short(name)}: must be a non-empty name without '/'")
    return name


def _check_model(model: Any) -> None:
    from mltest._models import predictor

    if predictor(model) is None:
        raise UsageError(
            f"model={arguments.short(model)}: needs a predict method, or to be a torch "
            "module or a callable"
        )
    if hasattr(model, "predict") and hasattr(model, "get_params"):
        from sklearn.exceptions import NotFittedError
        from sklearn.utils.validation import check_is_fitted

        try:
            check_is_fitted(model)
        except NotFittedError:
            raise UsageError(f"model={arguments.short(model)}: is not fitted") from None
        except TypeError:
            pass


def _schema(schema: Any) -> Any:
    if schema is None:
        return None
    from mltest.data import Schema

    if isinstance(schema, (str, Path)):
        return Schema.load(schema)
    if not isinstance(schema, Schema):
        raise UsageError(
            f"schema={arguments.short(schema)}: must be a mltest.data.Schema or its file"
        )
    return schema


def _tokens(tokens: Any) -> tuple[str | None, Any]:
    from mltest.deploy.auth import Tokens

    if tokens is False:
        return None, None
    if tokens is None:
        made = Tokens()
        return made.new("mltest", scopes=["admin"]), made
    if isinstance(tokens, (str, Path)):
        return None, Tokens.load(tokens)
    if not isinstance(tokens, Tokens):
        raise UsageError(
            f"tokens={arguments.short(tokens)}: give a Tokens object, a tokens file, None "
            "(a token made for this server) or False (no access control)"
        )
    if not tokens.callers:
        raise UsageError("tokens: holds no token, so every request would be refused")
    return None, tokens


def _store(store: Any) -> tuple[str | None, Any]:
    if store is False:
        return None, None
    if store is None:
        folder = tempfile.TemporaryDirectory(prefix="mltest-serve-", ignore_cleanup_errors=True)
        return f"sqlite:///{Path(folder.name) / 'audit.db'}", folder
    url = getattr(store, "url", store)
    if not isinstance(url, str):
        raise UsageError(f"store={arguments.short(store)}: give a store URL or a Store")
    if url.endswith(":memory:"):
        raise UsageError(
            f"store={url!r}: an in-memory database cannot be shared with the audit writer; "
            "give a file"
        )
    from mltest.monitor.store import Store

    Store(url).close()  # fails here, with the URL named, rather than in the writer thread
    return url, None
