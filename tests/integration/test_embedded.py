"""The embedded server: shared by processes of one data folder, durable, and crash-tolerant."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import psycopg
import pytest
from sqlalchemy.engine import make_url

from abm.embedded import server_url

SERVE = "import sys; from pathlib import Path; from abm.embedded import server_url; " \
        "print(server_url(Path(sys.argv[1])))"


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _postmaster_pid(folder: Path) -> int:
    return int((folder / "pg" / "postmaster.pid").read_text().splitlines()[0])


def _postmasters(folder: Path) -> list[psutil.Process]:
    """The postgres processes of this folder that are not children of another postgres."""
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if process.info["name"] == "postgres" and f"-D {folder / 'pg'}" in cmdline:
            found.append(process)
    return [p for p in found if p.parent() is None or p.parent().name() != "postgres"]


def _stop(folder: Path) -> None:
    pid_file = folder / "pg" / "postmaster.pid"
    if pid_file.exists():
        try:
            process = psutil.Process(_postmaster_pid(folder))
            process.terminate()
            process.wait(20)
        except psutil.Error:
            pass


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Path]:
    data = tmp_path / "abm-data"
    data.mkdir()
    yield data
    _stop(data)


def test_two_processes_starting_at_once_share_one_server(folder: Path) -> None:
    runs = [
        subprocess.Popen([sys.executable, "-c", SERVE, str(folder)], stdout=subprocess.PIPE,
                         text=True)
        for _ in range(2)
    ]
    urls = [run.communicate(timeout=120)[0].strip() for run in runs]
    assert all(run.returncode == 0 for run in runs)
    assert urls[0] == urls[1]
    assert len(_postmasters(folder)) == 1


def test_data_survives_a_server_restart(folder: Path) -> None:
    url = _libpq(server_url(folder))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (note text)")
        conn.execute("INSERT INTO kept VALUES ('still here')")
    _stop(folder)
    with psycopg.connect(_libpq(server_url(folder))) as conn:
        assert conn.execute("SELECT note FROM kept").fetchone() == ("still here",)


def test_a_stale_pid_file_after_a_crash_does_not_block_the_next_start(folder: Path) -> None:
    server_url(folder)
    os.kill(_postmaster_pid(folder), signal.SIGKILL)
    time.sleep(1)  # let the orphaned backends notice their postmaster is gone
    pid_file = folder / "pg" / "postmaster.pid"
    assert pid_file.exists()
    # Worse than a dead pid: one that a live process of another program now holds.
    lines = pid_file.read_text().splitlines()
    lines[0] = str(os.getpid())
    pid_file.write_text("\n".join(lines) + "\n")
    with psycopg.connect(_libpq(server_url(folder))) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_a_server_of_another_folder_is_never_reused(folder: Path, tmp_path: Path) -> None:
    other = tmp_path / "other-data"
    other.mkdir()
    try:
        first, second = server_url(folder), server_url(other)
        assert first != second
        assert _postmaster_pid(folder) != _postmaster_pid(other)
    finally:
        _stop(other)
