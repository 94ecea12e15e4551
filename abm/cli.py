"""The `abm` command line: database set-up, demo data, dashboard, CSV import and export."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

import abm
from abm.presets import ENTITIES, PRESETS

app = typer.Typer(
    help="Account-Based Marketing workspace: database, demo data, dashboard, CSV in and out.",
    no_args_is_help=True,
    add_completion=False,
)
out = Console()
err = Console(stderr=True)



class Entity(StrEnum):
    companies = "companies"
    contacts = "contacts"
    relationships = "relationships"
    conversations = "conversations"
    touchpoints = "touchpoints"


class Preset(StrEnum):
    native = "native"
    hubspot = "hubspot"
    salesforce = "salesforce"
    enron = "enron"


assert [e.value for e in Entity] == list(ENTITIES) and [p.value for p in Preset] == list(PRESETS)


class Mode(StrEnum):
    create = "create"
    upsert = "upsert"
    update = "update"


JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def _engine() -> Any:
    """The engine of DATABASE_URL or the embedded server, migrated to the latest schema."""
    from abm.db import get_engine, init_db

    engine = get_engine()
    init_db(engine)
    return engine


def _session() -> Any:
    from sqlmodel import Session

    return Session(_engine())


def _progress(enabled: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
        TimeElapsedColumn(), console=err, disable=not enabled, transient=True,
    )


def _emit(data: dict[str, Any]) -> None:
    typer.echo(json.dumps(data, indent=2, default=str))


@app.command()
def init() -> None:
    """Create or upgrade the database schema (safe to run again)."""
    from abm.db import current_revision

    engine = _engine()
    out.print(f"Database ready at schema version {current_revision(engine)}.")


@app.command()
def demo() -> None:
    """Load the demo accounts, people and conversations."""
    from abm.demo import load_demo  # written alongside the dashboard; imported only when needed
    from abm.errors import ABMError

    with _session() as session:
        try:
            result = load_demo(session)
        except ABMError as exc:
            err.print(f"[red]Demo data not loaded: {exc}[/red]")
            raise typer.Exit(1) from None
        session.commit()
    added = ", ".join(f"{n} {table}" for table, n in (result or {}).items())
    out.print(f"Demo data loaded: {added}.")


def _load_demo_if_empty() -> None:
    """A first start shows a populated dashboard rather than an empty one."""
    from abm.demo import is_empty, load_demo

    with _session() as session:
        if is_empty(session):
            load_demo(session)
            session.commit()
            out.print("Empty database: demo data loaded (start with --no-demo to skip).")


@app.command()
def refresh() -> None:
    """Refresh the account_overview materialized view."""
    from sqlalchemy import text

    with _session() as session:
        session.execute(text("SELECT refresh_account_overview()"))
        session.commit()
    out.print("account_overview refreshed.")


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def serve(
    ctx: typer.Context,
    port: Annotated[int | None, typer.Option(help="Port of the dashboard.")] = None,
    demo_data: Annotated[
        bool, typer.Option("--demo/--no-demo", help="Load demo data into an empty database.")
    ] = True,
) -> None:
    """Start the dashboard (streamlit run app.py); extra arguments go to Streamlit."""
    app_file = Path(abm.__file__).resolve().parent.parent / "app.py"
    if not app_file.is_file():
        err.print(f"[red]No dashboard found: {app_file} is missing.[/red]")
        raise typer.Exit(2)
    _engine()  # migrate (and start the embedded server) before Streamlit spawns its script
    if demo_data:
        _load_demo_if_empty()
    command = [sys.executable, "-m", "streamlit", "run", str(app_file),
               "--server.headless", "true"]
    if port is not None:
        command += ["--server.port", str(port)]
    command += list(ctx.args)
    raise typer.Exit(subprocess.call(command, cwd=app_file.parent))


def _doctor_facts() -> dict[str, Any]:
    from alembic.script import ScriptDirectory
    from sqlalchemy import text

    from abm.db import alembic_config, current_revision, database_url

    url = database_url()
    from sqlalchemy.engine import make_url

    facts: dict[str, Any] = {
        "database_url": make_url(url).render_as_string(hide_password=True),
        "embedded": not os.environ.get("DATABASE_URL"),
        "head": ScriptDirectory.from_config(alembic_config()).get_current_head(),
    }
    from abm.db import get_engine

    engine = get_engine()
    facts["schema_version"] = current_revision(engine)
    facts["schema_current"] = facts["schema_version"] == facts["head"]
    with engine.connect() as connection:
        facts["server_version"] = connection.execute(text("SHOW server_version")).scalar_one()
        if facts["schema_version"]:
            facts["rows"] = {
                table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                for table in (*ENTITIES, "import_batches")
            }
    return facts


@app.command()
def doctor(as_json: JsonOption = False) -> None:
    """Which database, embedded or not, schema version against the latest, row counts."""
    try:
        facts = _doctor_facts()
    except Exception as exc:  # the point of doctor: report any failure readably
        facts = {"error": f"{type(exc).__name__}: {exc}"}
    if as_json:
        _emit(facts)
    elif "error" in facts:
        err.print(f"[red]Cannot reach the database: {facts['error']}[/red]")
    else:
        kind = "embedded PostgreSQL" if facts["embedded"] else "DATABASE_URL"
        out.print(f"Database: {facts['database_url']} ({kind}, server {facts['server_version']})")
        state = "up to date" if facts["schema_current"] else "[red]behind: run `abm init`[/red]"
        out.print(f"Schema: {facts['schema_version']} (latest {facts['head']}) {state}")
        table = Table("table", "rows")
        for name, count in facts.get("rows", {}).items():
            table.add_row(name, f"{count:,}")
        out.print(table)
    if "error" in facts or not facts["schema_current"]:
        raise typer.Exit(1)


@app.command("import")
def import_(
    entity: Annotated[Entity, typer.Argument(help="What the file holds.")],
    file: Annotated[Path, typer.Argument(help="The CSV file.", exists=True, dir_okay=False)],
    preset: Annotated[Preset, typer.Option(help="Column names of the file.")] = Preset.native,
    mode: Annotated[Mode, typer.Option(help="create only, create and update, update only.")] = (
        Mode.create
    ),
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report, write nothing.")] = False,
    skip_bad_rows: Annotated[
        bool, typer.Option("--skip-bad-rows", help="Import the good rows, set the bad aside.")
    ] = False,
    rejects: Annotated[
        Path | None, typer.Option(help="Where rejected rows go (default FILE.rejects.csv).")
    ] = None,
    encoding: Annotated[str, typer.Option(help="Text encoding of the file.")] = "utf-8",
    max_mb: Annotated[int, typer.Option(help="Refuse larger files (0: no limit).")] = 1024,
    as_json: JsonOption = False,
) -> None:
    """Import a CSV file. Exit code 0 only when the import did what was asked."""
    from abm.importing import ImportFileError, import_csv

    with _session() as session, _progress(not as_json) as bar:
        task = bar.add_task(f"Importing {file.name}", total=1.0)
        try:
            report = import_csv(
                session, entity.value, file, preset=preset.value, mode=mode.value,
                dry_run=dry_run, skip_bad_rows=skip_bad_rows, encoding=encoding,
                max_bytes=max_mb * 1024 * 1024 if max_mb else None,
                progress=lambda fraction, text: bar.update(task, completed=fraction,
                                                           description=text[:60]),
            )
        except ImportFileError as exc:
            bar.stop()
            if as_json:
                _emit({"ok": False, "error": str(exc), "line": exc.line, "field": exc.field})
            else:
                err.print(f"[red]{file}: {exc}[/red]")
            raise typer.Exit(2) from None
    rejects_path = None
    if report.rejected and (skip_bad_rows or rejects is not None):
        rejects_path = rejects or Path(str(file) + ".rejects.csv")
        rejects_path.write_text(report.rejects_csv, encoding="utf-8")
    if as_json:
        data = report.to_dict()
        data["rejects_file"] = str(rejects_path) if rejects_path else None
        _emit(data)
    else:
        _print_report(report, rejects_path)
    raise typer.Exit(0 if report.ok else 1)


def _print_report(report: Any, rejects_path: Path | None) -> None:
    for warning in report.warnings:
        err.print(f"[yellow]warning: {warning}[/yellow]")
    bad = [o for o in report.outcomes if o.action == "rejected"]
    for outcome in bad[:20]:
        err.print(f"line {outcome.line}: {outcome.reason}")
    if len(bad) > 20:
        err.print(f"... and {report.rejected - 20} more rejected rows")
    style = "green" if report.ok else "red"
    prefix = "Dry run: " if report.dry_run else ""
    out.print(f"[{style}]{prefix}{report.summary()}[/{style}]")
    if rejects_path:
        out.print(f"Rejected rows written to {rejects_path}")


@app.command()
def export(
    entity: Annotated[Entity, typer.Argument(help="What to export.")],
    file: Annotated[Path, typer.Argument(help="The CSV file to write ('-': standard output).")],
) -> None:
    """Export every row of an entity to CSV in the native format."""
    from abm.exporting import export_csv

    with _session() as session:
        if str(file) == "-":
            rows = export_csv(session, entity.value, sys.stdout)
            return
        with _progress(True) as bar:
            task = bar.add_task(f"Exporting {entity.value}", total=None)
            rows = export_csv(session, entity.value, file,
                              progress=lambda n: bar.update(task, completed=n))
    err.print(f"{rows:,} {entity.value} written to {file}")


@app.command()
def revert(
    batch_id: Annotated[
        int | None, typer.Argument(help="Import batch (default: the last).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Undo an import: delete what it created, restore what it updated."""
    from abm.errors import ABMError
    from abm.importing import revert_import

    with _session() as session:
        try:
            result = revert_import(session, batch_id)
        except ABMError as exc:
            if as_json:
                _emit({"ok": False, "error": str(exc)})
            else:
                err.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from None
    if as_json:
        _emit({"ok": True, **result.__dict__})
    else:
        out.print(
            f"Import {result.batch_id} ({result.entity}) reverted: {result.deleted} rows "
            f"deleted, {result.restored} restored."
        )


if __name__ == "__main__":  # pragma: no cover
    app()
