"""Access control for a served model: bearer tokens (API keys) held only as hashes.

``Tokens`` maps the SHA-256 of each token to its caller and scopes. A presented token is
hashed and compared with every stored hash by ``hmac.compare_digest`` (the time taken does
not depend on how much of a token matched); the plain token exists only in the value
``Tokens.new`` returns once. ``save``/``load`` write and read the hashes, never the tokens.
An optional per-caller rate limit (a token bucket) answers 429 when exceeded.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import secrets
import threading
import time
from pathlib import Path
from typing import Any

from mltest import arguments
from mltest.errors import UsageError

SCOPES = ("predict", "metrics", "admin")


@dataclasses.dataclass
class Caller:
    """Who a token belongs to and what it may do (``admin`` may do everything)."""

    name: str
    scopes: frozenset[str]
    digest: str
    rate: float | None = None  # requests per second, None for unlimited
    burst: int = 1
    revoked: bool = False

    def allows(self, scope: str) -> bool:
        return not self.revoked and (scope in self.scopes or "admin" in self.scopes)


class Tokens:
    """The tokens a server accepts. ``tokens.new("alice", scopes=["predict"])`` returns the
    plain token (shown once); ``tokens.revoke("alice")`` refuses her tokens from then on."""

    def __init__(self) -> None:
        self._callers: list[Caller] = []
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # caller -> (tokens, last time)

    def new(
        self,
        caller: str,
        *,
        scopes: Any = ("predict",),
        rate: float | None = None,
        burst: int | None = None,
    ) -> str:
        """Create a token for ``caller`` and return it; only its hash is kept."""
        token = "mlt_" + secrets.token_urlsafe(32)
        self.add(caller, token, scopes=scopes, rate=rate, burst=burst)
        return token

    def add(
        self,
        caller: str,
        token: str,
        *,
        scopes: Any = ("predict",),
        rate: float | None = None,
        burst: int | None = None,
    ) -> None:
        """Accept an existing ``token`` (at least 16 characters) for ``caller``."""
        if not isinstance(caller, str) or not caller:
            raise UsageError(f"caller={arguments.short(caller)}: must be a non-empty name")
        if not isinstance(token, str) or len(token) < 16:
            raise UsageError("token: must be a string of at least 16 characters")
        wanted = _scopes(scopes)
        if rate is not None:
            rate = arguments.number("rate", rate, minimum=1e-6)
        size = max(int(rate or 1), 1) if burst is None else arguments.positive_int("burst", burst)
        entry = Caller(caller, wanted, _digest(token), rate, size)
        with self._lock:
            if any(hmac.compare_digest(c.digest, entry.digest) for c in self._callers):
                raise UsageError(f"token for caller {caller!r}: this token is already in use")
            self._callers.append(entry)

    def revoke(self, caller: str) -> int:
        """Refuse every token of ``caller``; returns how many were revoked."""
        with self._lock:
            hits = [c for c in self._callers if c.name == caller and not c.revoked]
            for c in hits:
                c.revoked = True
        if not hits:
            raise UsageError(f"caller={caller!r}: has no active token")
        return len(hits)

    def identify(self, token: str) -> Caller | None:
        """The caller a presented token belongs to (revoked ones included), or None."""
        digest = _digest(token)
        found = None
        for caller in self._callers:  # no early exit: every hash is compared
            if hmac.compare_digest(caller.digest, digest):
                found = caller
        return found

    def admit(self, caller: Caller) -> float | None:
        """None when the caller's rate limit lets one more request through, else the
        seconds until it would."""
        if caller.rate is None:
            return None
        now = time.monotonic()
        with self._lock:
            level, last = self._buckets.get(caller.name, (float(caller.burst), now))
            level = min(float(caller.burst), level + (now - last) * caller.rate)
            if level >= 1.0:
                self._buckets[caller.name] = (level - 1.0, now)
                return None
            self._buckets[caller.name] = (level, now)
            return (1.0 - level) / caller.rate

    @property
    def callers(self) -> list[Caller]:
        return list(self._callers)

    def save(self, path: str | Path) -> Path:
        """Write the hashes, callers, scopes and limits (never a token) as JSON."""
        rows = [
            {
                "caller": c.name,
                "sha256": c.digest,
                "scopes": sorted(c.scopes),
                "rate": c.rate,
                "burst": c.burst,
                "revoked": c.revoked,
            }
            for c in self._callers
        ]
        target = Path(path)
        target.write_text(json.dumps({"mltest_tokens": 1, "callers": rows}, indent=2) + "\n")
        return target

    @classmethod
    def load(cls, path: str | Path) -> Tokens:
        try:
            data = json.loads(Path(path).read_text())
            rows = data["callers"] if data.get("mltest_tokens") == 1 else None
        except (OSError, ValueError, AttributeError, KeyError, TypeError) as exc:
            raise UsageError(f"tokens={str(path)!r}: not a tokens file ({exc})") from None
        if not isinstance(rows, list):
            raise UsageError(f"tokens={str(path)!r}: not a tokens file written by Tokens.save")
        tokens = cls()
        for i, row in enumerate(rows):
            try:
                entry = Caller(
                    str(row["caller"]),
                    _scopes(row["scopes"]),
                    str(row["sha256"]),
                    row.get("rate"),
                    int(row.get("burst", 1)),
                    bool(row.get("revoked", False)),
                )
            except (KeyError, TypeError, ValueError) as exc:
                raise UsageError(
                    f"tokens={str(path)!r}: caller {i} is malformed ({exc})"
                ) from None
            tokens._callers.append(entry)
        return tokens


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _scopes(scopes: Any) -> frozenset[str]:
    if isinstance(scopes, str):
        scopes = [scopes]
    try:
        wanted = frozenset(scopes)
    except TypeError:
        raise UsageError(f"scopes={arguments.short(scopes)}: must be a list of {SCOPES}") from None
    unknown = wanted - set(SCOPES)
    if not wanted or unknown:
        raise UsageError(f"scopes={sorted(map(str, wanted))}: choose one or more of {SCOPES}")
    return wanted
