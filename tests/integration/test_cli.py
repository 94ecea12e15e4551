"""The `abm` command line, run in-process with typer's CliRunner on a fresh database."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from datasets import ENRON
from import_helpers import write_csv
from sqlalchemy import Engine
from typer.testing import CliRunner

from abm.cli import app


@pytest.fixture
def abm_cli(fresh_engine: Callable[[], Engine]) -> Callable[..., object]:
    url = fresh_engine().url.render_as_string(hide_password=False)
    runner = CliRunner()

    def run(*args: str) -> object:
        return runner.invoke(app, list(args), env={"DATABASE_URL": url})

    return run


def test_import_export_revert_with_json(abm_cli: Callable[..., object], tmp_path: Path) -> None:
    result = abm_cli("import", "companies", str(ENRON / "companies.csv"), "--preset", "enron",
                     "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["ok"] and data["created"] == 61 and data["batch_id"]
    out = tmp_path / "companies.csv"
    result = abm_cli("export", "companies", str(out))
    assert result.exit_code == 0 and len(out.read_text().splitlines()) == 62
    result = abm_cli("doctor", "--json")
    facts = json.loads(result.stdout)
    assert result.exit_code == 0 and facts["schema_current"] and facts["rows"]["companies"] == 61
    assert "password" not in facts["database_url"]
    result = abm_cli("revert", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["deleted"] == 61
    result = abm_cli("revert")
    assert result.exit_code == 1 and "not found" in result.output


def test_bad_rows_exit_codes_and_rejects_file(
    abm_cli: Callable[..., object], tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "c.csv", ["name", "domain", "tier"],
                     [["Acme", "acme.com", "1"], ["Bad", "acme.org", "9"]])
    result = abm_cli("import", "companies", str(path), "--dry-run", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["rejected"] == 1
    result = abm_cli("import", "companies", str(path))
    assert result.exit_code == 1 and "line 3: tier" in result.output
    result = abm_cli("import", "companies", str(path), "--skip-bad-rows")
    assert result.exit_code == 0, result.output
    rejects = Path(str(path) + ".rejects.csv").read_text().splitlines()
    assert len(rejects) == 2 and rejects[1].startswith("3,tier:")
    result = abm_cli("import", "companies", str(path), "--mode", "upsert", "--skip-bad-rows",
                     "--rejects", str(tmp_path / "bad.csv"), "--json")
    data = json.loads(result.stdout)
    assert result.exit_code == 0 and data["unchanged"] == 1
    assert data["rejects_file"] == str(tmp_path / "bad.csv")


def test_bad_file_exit_code_2(abm_cli: Callable[..., object], tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes("name,domain\nZ\xfcrich AG,zurich.ch\n".encode("latin-1"))
    result = abm_cli("import", "companies", str(path))
    assert result.exit_code == 2 and "not valid UTF-8" in result.output
    result = abm_cli("import", "deals", str(path))
    assert result.exit_code == 2  # not an entity: typer's usage error


def test_init_demo_refresh(abm_cli: Callable[..., object]) -> None:
    result = abm_cli("init")
    assert result.exit_code == 0 and "schema version" in result.output
    result = abm_cli("demo")
    assert result.exit_code == 0 and "companies" in result.output, result.output
    result = abm_cli("demo")
    assert result.exit_code == 1 and "not loaded" in result.output  # refuses to load twice
    result = abm_cli("refresh")
    assert result.exit_code == 0 and "refreshed" in result.output
    facts = json.loads(abm_cli("doctor", "--json").stdout)
    assert facts["rows"]["companies"] > 0 and facts["embedded"] is False


def test_serve_runs_streamlit_on_the_shipped_app(
    abm_cli: Callable[..., object], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[list[str]] = []
    monkeypatch.setattr("abm.cli.subprocess.call", lambda command, cwd: calls.append(command) or 0)
    result = abm_cli("serve", "--port", "8599", "--theme.base", "dark")
    assert result.exit_code == 0, result.output
    command = calls[0]
    assert command[1:4] == ["-m", "streamlit", "run"]
    assert Path(command[4]) == Path(__file__).resolve().parents[2] / "app.py"
    assert command[5:] == ["--server.headless", "true", "--server.port", "8599",
                           "--theme.base", "dark"]
    facts = json.loads(abm_cli("doctor", "--json").stdout)
    assert facts["rows"]["companies"] > 0, "a first start shows demo data"


def test_serve_without_demo_leaves_an_empty_database_empty(
    abm_cli: Callable[..., object], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("abm.cli.subprocess.call", lambda command, cwd: 0)
    assert abm_cli("serve", "--no-demo").exit_code == 0
    facts = json.loads(abm_cli("doctor", "--json").stdout)
    assert facts["rows"]["companies"] == 0
