"""A throwaway PostgreSQL server for the store's tests: initdb and pg_ctl on a temporary
folder and a free port on 127.0.0.1, as the ``postgres`` user when running as root (the
server refuses root). Skipped, with the reason, where no server binary or psycopg exists."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile

import pytest


def _binaries() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return os.path.dirname(found[-1])
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def postgres_url():
    pytest.importorskip("psycopg", reason="PostgreSQL tests need psycopg")
    bindir = _binaries()
    if bindir is None:
        pytest.skip("no PostgreSQL server binaries (initdb) on this machine")
    root = tempfile.mkdtemp(prefix="mltest-pg-")
    data, port = os.path.join(root, "data"), _free_port()
    as_root = os.geteuid() == 0

    def run(*args: str) -> None:
        cmd = [os.path.join(bindir, args[0]), *args[1:]]
        if as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    if as_root:
        shutil.chown(root, "postgres")
    try:
        run("initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync")
        options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
        run("pg_ctl", "-D", data, "-o", options, "-l", os.path.join(root, "log"), "-w", "start")
    except (subprocess.CalledProcessError, OSError) as exc:
        shutil.rmtree(root, ignore_errors=True)
        detail = getattr(exc, "stderr", b"") or b""
        pytest.skip(f"could not start a PostgreSQL server: {exc} {detail.decode()[-300:]}")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        try:
            run("pg_ctl", "-D", data, "-m", "immediate", "stop")
        finally:
            shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def fresh_postgres(postgres_url):
    """The server with an empty database for one test."""
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    return postgres_url
