"""Files that cannot be imported get a clear message; an interrupted import leaves nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from import_helpers import counts, write_csv
from sqlalchemy import Engine
from sqlmodel import Session

from abm.importing import ImportFileError, import_csv


def test_wrong_encoding_names_the_line_and_the_encoding(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("name,domain\nAcme,acme.com\nCafé Müller,cafe.de\n".encode("cp1252"))
    with pytest.raises(ImportFileError) as info:
        import_csv(session, "companies", path)
    assert info.value.line == 3
    assert "line 3: the file is not valid UTF-8" in str(info.value)
    assert "Windows-1252" in str(info.value)
    report = import_csv(session, "companies", path, encoding="cp1252")
    assert report.ok and report.created == 2


def test_missing_required_column_is_named(session: Session, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", ["contact_email", "strength"], [["a@b.com", "weak"]])
    with pytest.raises(ImportFileError, match="missing required column.*related_email") as info:
        import_csv(session, "relationships", path)
    assert info.value.field == "related_email"


def test_a_quote_never_closed_is_a_broken_line(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "broken.csv"
    path.write_text('name,domain\nAcme,acme.com\n"Beta,beta.com\nGamma,gamma.com\n')
    with pytest.raises(ImportFileError, match="line 3: broken line") as info:
        import_csv(session, "companies", path)
    assert info.value.line == 3


def test_a_row_with_too_many_cells_is_rejected_by_line(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "cells.csv"
    path.write_text("name,domain\nAcme,acme.com\nBeta,beta.com,oops,more\n")
    report = import_csv(session, "companies", path)
    assert not report.ok and report.rejected == 1
    assert report.outcomes[1].line == 3 and "4 cells where the header has 2" in (
        report.outcomes[1].reason)


def test_a_too_large_file_is_refused_before_reading(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as handle:  # 200 MB, sparse: costs no disk
        handle.write(b"name,domain\n")
        handle.truncate(200 * 1024 * 1024)
    with pytest.raises(ImportFileError, match=r"209\.7 MB, over the import limit of 134 MB"):
        import_csv(session, "companies", path)


def test_empty_file(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(ImportFileError, match="empty"):
        import_csv(session, "companies", path)


KILLED = textwrap.dedent("""
    import sys, time
    from sqlmodel import Session
    from sqlalchemy import create_engine
    from abm import import_plan
    from abm.importing import import_csv

    finish = import_plan.Job._finish_batch

    def stall(job):
        finish(job)  # every row is written, the transaction is not committed yet
        job.cur.execute("SELECT count(*) FROM companies")
        print(job.cur.fetchone()[0], flush=True)
        time.sleep(60)

    import_plan.Job._finish_batch = stall
    with Session(create_engine(sys.argv[1])) as session:
        import_csv(session, "companies", sys.argv[2])
""")


def test_a_killed_import_leaves_nothing(
    fresh_engine: Callable[[], Engine], tmp_path: Path
) -> None:
    engine = fresh_engine()
    path = write_csv(tmp_path / "many.csv", ["name", "domain"],
                     [[f"Company {i}", f"c{i}.example.com"] for i in range(120_000)])
    url = engine.url.render_as_string(hide_password=False)
    script = tmp_path / "run.py"
    script.write_text(KILLED)
    child = subprocess.Popen([sys.executable, str(script), url, str(path)],
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "120000"  # written, not committed
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    time.sleep(0.5)  # the server notices the lost connection and rolls back
    with Session(engine) as session:
        assert counts(session)["companies"] == 0
        from sqlalchemy import text
        assert session.execute(text("SELECT count(*) FROM import_batches")).scalar_one() == 0
