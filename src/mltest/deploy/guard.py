"""The ASGI layer in front of every route: identity, limits, access control, metrics, audit.

Order of refusals: body over the limit (413), wrong content type (415), no or unknown token
(401), revoked token (401), scope missing (403), rate limit (429). Each refusal is answered
by the guard itself, counted in the metrics and written to the audit log like any answer.
The token itself is never stored or logged: the audit row names the caller.
"""

from __future__ import annotations

import json
import time
from typing import Any

from mltest.deploy.app import PUBLIC_PATHS, Service

HOT = ("/predict", "/v2/models/{name}/infer")  # answered by the guard, past the router


def endpoint_of(path: str) -> tuple[str, str | None]:
    """(the path's label for metrics, the scope a caller needs; None for open paths)."""
    if path in PUBLIC_PATHS:
        return path, None
    if path == "/predict":
        return path, "predict"
    if path == "/metrics":
        return path, "metrics"
    if path.startswith("/v2/models/"):
        rest = path[len("/v2/models/") :]
        if rest.endswith("/infer"):
            return "/v2/models/{name}/infer", "predict"
        if rest.endswith("/ready"):
            return "/v2/models/{name}/ready", None
        return "/v2/models/{name}", "predict"
    if path.startswith("/admin/"):
        return "/admin", "admin"
    return "other", "predict"  # unknown paths need a token too: no probing for free


class Guard:
    def __init__(self, service: Service) -> None:
        self.service = service

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.service.app(scope, receive, send)
            return
        service = self.service
        started = time.perf_counter()
        cpu = time.thread_time()
        endpoint, needed = endpoint_of(scope["path"])
        state: dict[str, Any] = {
            "request_id": f"{service.prefix}-{next(service.counter)}",
            "endpoint": endpoint,
            "caller": None,
            "rows": None,
            "error": None,
            "status": 500,
            "sent": 0,
            "body": b"",
            "path": scope["path"],
        }
        scope["mltest"] = state
        headers = _headers(scope)
        service.metrics.started()
        try:
            refusal = await self._admit(scope, receive, headers, needed, state)
            if refusal is not None:
                await _respond(send, state, *refusal)
            elif scope["method"] == "POST" and endpoint in HOT:
                status, answer = service.answer(state, v2=endpoint != "/predict")
                await _send_json(send, state, status, answer)
            else:
                await service.app(scope, _replay(state["body"]), _counting(send, state))
        except Exception as exc:  # a bug below the routes: still an answer, never a hang
            state["error"] = f"{type(exc).__name__}: {exc}"[:500]
            if not state.get("started"):
                await _respond(send, state, 500, "internal error")
        finally:
            self._record(scope, headers, state, time.perf_counter() - started, cpu)

    async def _admit(
        self,
        scope: dict[str, Any],
        receive: Any,
        headers: dict[bytes, bytes],
        needed: str | None,
        state: dict[str, Any],
    ) -> tuple[int, str, dict[str, str]] | None:
        service = self.service
        if scope["method"] in ("POST", "PUT", "PATCH"):
            too_big = await _read_body(receive, state, service.max_body_bytes, headers)
            if too_big:
                return 413, f"the body is over {service.max_body_bytes:,} bytes", {}
            kind = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
            if kind != b"application/json":
                return 415, "send the body as application/json", {}
        if needed is None or service.tokens is None:
            return None
        auth = headers.get(b"authorization", b"")
        scheme, _, token = auth.partition(b" ")
        if scheme.lower() != b"bearer" or not token.strip():
            return 401, "a bearer token is required", {"www-authenticate": "Bearer"}
        caller = service.tokens.identify(token.strip().decode("latin-1"))
        if caller is None or caller.revoked:
            state["caller"] = caller.name if caller is not None else None
            why = "the token was revoked" if caller is not None else "the token is not valid"
            return 401, why, {"www-authenticate": 'Bearer error="invalid_token"'}
        state["caller"] = caller.name
        if not caller.allows(needed):
            return 403, f"caller {caller.name!r} lacks the {needed!r} scope", {}
        wait = service.tokens.admit(caller)
        if wait is not None:
            return (
                429,
                f"rate limit of {caller.rate:g}/s reached",
                {"retry-after": f"{max(wait, 1):.0f}"},
            )
        return None

    def _record(
        self,
        scope: dict[str, Any],
        headers: dict[bytes, bytes],
        state: dict[str, Any],
        seconds: float,
        cpu: float,
    ) -> None:
        service = self.service
        status = state["status"]
        endpoint = state["endpoint"]
        cpu_seconds = max(time.thread_time() - cpu, 0.0)
        service.metrics.observe(
            endpoint, scope["method"], status, seconds, cpu_seconds, state["rows"]
        )
        if service.audit is None:
            return
        peer = scope.get("client")
        peer_ip = peer[0] if peer else None
        forwarded = headers.get(b"x-forwarded-for")
        chain = forwarded.decode("latin-1")[:1000] if forwarded else None
        client = service.addresses.client(peer_ip, chain)
        service.audit.record(
            (
                time.time_ns(),
                state["request_id"],
                service.name,
                state["caller"],
                client,
                chain,
                service.addresses.region(client),
                scope["method"],
                scope["path"][:300],
                status,
                seconds,
                len(state["body"]),
                state["sent"],
                state["rows"],
                state["error"],
            )
        )


def _headers(scope: dict[str, Any]) -> dict[bytes, bytes]:
    return {k.lower(): v for k, v in scope["headers"]}


async def _read_body(
    receive: Any, state: dict[str, Any], limit: int, headers: dict[bytes, bytes]
) -> bool:
    """Read the whole body into ``state``; True when it is over ``limit`` bytes."""
    declared = headers.get(b"content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return True
    parts, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return True
        parts.append(chunk)
        if not message.get("more_body", False):
            break
    state["body"] = b"".join(parts)
    return False


def _replay(body: bytes) -> Any:
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def _counting(send: Any, state: dict[str, Any]) -> Any:
    async def wrapped(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            state["status"] = message["status"]
            state["started"] = True
        elif message["type"] == "http.response.body":
            state["sent"] += len(message.get("body", b""))
        await send(message)

    return wrapped


async def _respond(
    send: Any,
    state: dict[str, Any],
    status: int,
    message: str,
    extra: dict[str, str] | None = None,
) -> None:
    answer = {"error": message, "request_id": state["request_id"]}
    await _send_json(send, state, status, answer, extra)


async def _send_json(
    send: Any,
    state: dict[str, Any],
    status: int,
    answer: dict[str, Any],
    extra: dict[str, str] | None = None,
) -> None:
    body = json.dumps(answer, allow_nan=False).encode()
    head = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    head += [(k.encode(), v.encode()) for k, v in (extra or {}).items()]
    state["status"] = status
    state["started"] = True
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": body})
    state["sent"] += len(body)
