"""The deploy commands of the ``mltest`` CLI: ``serve``, ``token``, ``load`` and ``env``.

- ``mltest serve MODEL.pkl [--schema S] [--tokens FILE | --no-auth] [--store URL]``: serve
  until interrupted; without ``--tokens`` an admin token is made and printed once.
- ``mltest token new CALLER --tokens FILE [--scopes predict,metrics] [--rate R]``: add a
  caller to a tokens file (hashes only) and print the new token once.
- ``mltest load URL [--rate R | --concurrency C] [--duration S] [--threshold p95=<200ms]``:
  exit 1 when a threshold is broken.
- ``mltest env capture [--out FILE]`` and ``mltest env diff A B``: exit 1 when something
  that can change numbers differs.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from typing import Any

from mltest.errors import UsageError


def add_parsers(sub: Any) -> None:
    serve = sub.add_parser("serve", help="serve a pickled model over HTTP until interrupted")
    serve.add_argument("model", help="the model, pickled (.pkl) or joblib (.joblib)")
    serve.add_argument("--schema", default=None, help="schema file every record must meet")
    auth = serve.add_mutually_exclusive_group()
    auth.add_argument("--tokens", default=None, help="tokens file (mltest token new)")
    auth.add_argument("--no-auth", action="store_true", help="serve without access control")
    serve.add_argument("--store", default=None, help="audit store URL (default: a temp file)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--name", default=None, help="the model's name in /v2/models/NAME")
    serve.add_argument("--trusted-proxy", action="append", default=[], metavar="CIDR")
    serve.add_argument("--max-body-bytes", type=int, default=1_000_000)
    token = sub.add_parser("token", help="manage the tokens file a server accepts")
    actions = token.add_subparsers(dest="action", required=True)
    new = actions.add_parser("new", help="add a caller and print its token once")
    new.add_argument("caller")
    new.add_argument("--tokens", required=True, help="tokens file (created if missing)")
    new.add_argument("--scopes", default="predict", help="comma-separated: predict,metrics,admin")
    new.add_argument("--rate", type=float, default=None, help="requests per second allowed")
    load = sub.add_parser("load", help="load-test an endpoint on loopback")
    load.add_argument("url")
    load.add_argument("--rate", type=float, default=None, help="open model: requests/s")
    load.add_argument("--concurrency", type=int, default=None)
    load.add_argument("--duration", type=float, default=10.0)
    load.add_argument("--requests", type=int, default=None)
    load.add_argument("--payload", action="append", default=[], help="JSON file of one body")
    load.add_argument("--header", action="append", default=[], metavar="'NAME: VALUE'")
    load.add_argument("--threshold", action="append", default=[], metavar="FIGURE=RULE")
    load.add_argument("--baseline", default=None, help="figures file of an earlier run")
    load.add_argument("--save-baseline", default=None, help="write this run's figures here")
    load.add_argument("--out", default=None, help="write the report as JSON here")
    env = sub.add_parser("env", help="capture an environment, or diff two")
    what = env.add_subparsers(dest="action", required=True)
    capture = what.add_parser("capture", help="record this environment as JSON")
    capture.add_argument("--out", default=None, help="file to write (default: stdout)")
    diff = what.add_parser("diff", help="name what differs; exit 1 if it can change numbers")
    diff.add_argument("before")
    diff.add_argument("after")


def run(args: argparse.Namespace) -> int:
    return {"serve": _serve, "token": _token, "load": _load, "env": _env}[args.command](args)


def _serve(args: argparse.Namespace) -> int:
    from mltest._models import load_model
    from mltest.deploy.server import serve

    model = load_model(args.model)
    tokens: Any = False if args.no_auth else args.tokens
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with serve(
        model,
        schema=args.schema,
        tokens=tokens,
        store=args.store,
        host=args.host,
        port=args.port,
        name=args.name,
        trusted_proxies=args.trusted_proxy,
        max_body_bytes=args.max_body_bytes,
    ) as server:
        print(f"serving {server.name} at {server.url} (Ctrl-C stops)", flush=True)
        if server.token:
            print(f"admin token (shown once): {server.token}", file=sys.stderr, flush=True)
        print(f"audit log: {server.store_url}", flush=True)
        stop.wait()
    return 0


def _token(args: argparse.Namespace) -> int:
    from pathlib import Path

    from mltest.deploy.auth import Tokens

    path = Path(args.tokens)
    tokens = Tokens.load(path) if path.exists() else Tokens()
    scopes = [s.strip() for s in args.scopes.split(",") if s.strip()]
    secret = tokens.new(args.caller, scopes=scopes, rate=args.rate)
    try:
        tokens.save(path)
    except OSError as exc:
        raise UsageError(f"--tokens {args.tokens!r}: cannot be written ({exc.strerror})") from None
    print(secret)
    return 0


def _load(args: argparse.Namespace) -> int:
    from mltest.deploy.load import load_test

    payloads = []
    for name in args.payload:
        try:
            with open(name) as handle:
                payloads.append(json.load(handle))
        except (OSError, ValueError) as exc:
            raise UsageError(f"--payload {name!r}: not a readable JSON file ({exc})") from None
    headers = _pairs(args.header, ":", "--header", "'Name: value'")
    thresholds = _pairs(args.threshold, "=", "--threshold", "FIGURE=RULE (p95=<200ms)")
    report = load_test(
        args.url,
        rate=args.rate,
        concurrency=args.concurrency,
        duration=args.duration,
        requests=args.requests,
        payloads=payloads or None,
        headers=headers,
        thresholds=thresholds or None,
        baseline=args.baseline,
        save_baseline=args.save_baseline,
        raise_on_failure=False,
    )
    for result in report.results:
        print(f"{result.status:>12}  {result.name}: {result.message}")
    if args.out:
        with open(args.out, "w") as handle:
            json.dump(report.to_dict(), handle, indent=2)
    return 0 if report.passed else 1


def _pairs(items: list[str], sep: str, flag: str, form: str) -> dict[str, str]:
    """``NAME<sep>VALUE`` options as a dict; ``UsageError`` naming the flag otherwise."""
    out = {}
    for item in items:
        key, found, value = item.partition(sep)
        if not found:
            raise UsageError(f"{flag} {item!r}: write it as {form}")
        out[key.strip()] = value.strip()
    return out


def _env(args: argparse.Namespace) -> int:
    from mltest.deploy.environment import (
        capture_environment,
        diff_environments,
        load_environment,
        save_environment,
    )

    if args.action == "capture":
        environment = capture_environment()
        if args.out:
            save_environment(environment, args.out)
            print(f"wrote {args.out} ({len(environment['packages'])} packages)")
        else:
            print(json.dumps(environment, indent=2, sort_keys=True))
        return 0
    diffs = diff_environments(load_environment(args.before), load_environment(args.after))
    if not diffs:
        print("no differences")
        return 0
    for diff in diffs:
        print(diff.describe())
    return 1 if any(d.changes_numbers for d in diffs) else 0
