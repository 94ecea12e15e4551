"""CSV import: stream, check, stage with COPY, then write set-based in one transaction."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

import psycopg
from sqlalchemy import select
from sqlmodel import Session, col

from abm import import_plan as entities
from abm.cells import neutralize, reader_for, unneutralize
from abm.errors import InvalidInputError, NotFoundError
from abm.models import ImportBatch
from abm.presets import ENTITIES, PRESETS, MappingPreview, column_kinds, preview_mapping
from abm.validation import translate_db_error

__all__ = [
    "DEFAULT_MAX_BYTES", "ENTITIES", "MODES", "PRESETS", "ImportFileError", "ImportReport",
    "MappingPreview", "RevertReport", "RowOutcome", "import_csv", "list_batches",
    "preview_mapping", "read_header", "revert_import",
]

MODES = ("create", "upsert", "update")
DEFAULT_MAX_BYTES = 128 * 1024 * 1024
MAX_CELL_CHARS = 1024 * 1024
Progress = Callable[[float, str], None]
Source = str | os.PathLike[str] | bytes | IO[bytes] | IO[str]

csv.field_size_limit(MAX_CELL_CHARS)


class ImportFileError(InvalidInputError):
    """A file that cannot be imported at all: its encoding, header, size or a broken line."""

    def __init__(self, message: str, line: int | None = None, field: str = "file") -> None:
        self.line = line
        super().__init__(field, message)

    def __str__(self) -> str:
        return self.message


@dataclass
class RowOutcome:
    """What happened (or would happen) to one data row of the file."""

    line: int
    action: str  # created, updated, unchanged, merged, rejected
    key: str = ""
    reason: str = ""


@dataclass
class ImportReport:
    """The result of an import or a dry run."""

    entity: str
    mode: str
    preset: str
    dry_run: bool
    skip_bad_rows: bool
    filename: str | None = None
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    merged: int = 0
    rejected: int = 0
    parents_created: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    mapping: list[tuple[str, str | None]] = field(default_factory=list)
    outcomes: list[RowOutcome] = field(default_factory=list)
    outcomes_truncated: bool = False
    batch_id: int | None = None
    committed: bool = False
    error: str | None = None
    rejects_csv: str = ""
    rejected_lines: dict[int, str] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        """True when the import did what was asked (a dry run: when a real run would)."""
        if self.error:
            return False
        if self.dry_run:
            return self.skip_bad_rows or self.rejected == 0
        return self.committed

    def summary(self) -> str:
        verb = "would be" if self.dry_run or not self.committed else "were"
        parents = "".join(f", {n} {name} created" for name, n in self.parents_created.items())
        text = (
            f"{self.entity}: {self.rows} rows; {self.created} {verb} created, {self.updated} "
            f"updated, {self.unchanged} unchanged, {self.merged} merged, {self.rejected} rejected"
            f"{parents}"
        )
        if self.error:
            text += f". Not imported: {self.error}"
        elif self.committed:
            text += f" (batch {self.batch_id})"
        elif not self.dry_run:
            text += ". Nothing was written"
        return text

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        data.pop("rejects_csv")
        data.pop("rejected_lines")
        return data


@dataclass
class RevertReport:
    batch_id: int
    entity: str
    deleted: int
    restored: int


# --- reading the file ----------------------------------------------------------------------


def _open(source: Source, max_bytes: int | None) -> tuple[IO[bytes], int | None, str | None]:
    """A seekable binary stream of the source, its size, and its name."""
    name: str | None = None
    stream: IO[bytes]
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        name = path.name
        if not path.is_file():
            raise ImportFileError(f"{path}: no such file")
        stream = path.open("rb")
    elif isinstance(source, bytes | bytearray):
        stream = io.BytesIO(source)
    else:
        name = getattr(source, "name", None)
        first = source.read(0)
        if isinstance(first, str):
            whole = source.read()
            assert isinstance(whole, str)
            stream = io.BytesIO(whole.encode("utf-8"))
        elif source.seekable():
            stream = source  # type: ignore[assignment]
        else:
            # Not a context manager: the spool is the stream the import reads, closed with it.
            spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
            for chunk in iter(lambda: source.read(1 << 20), b""):
                spool.write(chunk)  # type: ignore[arg-type]
            stream = spool  # type: ignore[assignment]
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if max_bytes is not None and size > max_bytes:
        raise ImportFileError(
            f"the file is {size / 1e6:.1f} MB, over the import limit of {max_bytes / 1e6:.0f} MB;"
            " split it into smaller files or raise the limit (CLI: --max-mb)"
        )
    return stream, size, name


def _encoding_problem(raw: bytes, exc: UnicodeDecodeError, line: int, encoding: str) -> str:
    bad = raw[exc.start : exc.start + 1].hex()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        guess = "it looks like UTF-16: save it as UTF-8 (CSV UTF-8 in Excel)"
    else:
        try:
            raw.decode("cp1252")
            guess = (
                "it looks like Windows-1252/Latin-1 (an Excel \"CSV\" save): save it as "
                "\"CSV UTF-8\" or import with encoding cp1252"
            )
        except UnicodeDecodeError:
            guess = "save it as UTF-8"
    return (
        f"line {line}: the file is not valid {encoding.upper()} text (byte 0x{bad} at column "
        f"{exc.start + 1}); {guess}"
    )


class _Lines:
    """Decoded lines of a binary stream, counting lines and bytes for messages and progress."""

    def __init__(self, stream: IO[bytes], encoding: str) -> None:
        self.stream = stream
        self.encoding = "utf-8" if encoding.lower().replace("_", "-") in {"utf-8", "utf8"} else (
            encoding
        )
        self.line = 0
        self.bytes = 0

    def __iter__(self) -> Iterator[str]:
        for raw in self.stream:
            self.line += 1
            self.bytes += len(raw)
            try:
                text = raw.decode(self.encoding)
            except UnicodeDecodeError as exc:
                raise ImportFileError(
                    _encoding_problem(raw, exc, self.line, self.encoding), line=self.line
                ) from None
            if self.line == 1 and text.startswith("\ufeff"):
                text = text[1:]
            yield text


def _records(lines: _Lines) -> Iterator[tuple[int, list[str]]]:
    """(first physical line, cells) of every record; broken quoting is a file error."""
    reader = csv.reader(lines, strict=True)
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ImportFileError(_broken_line(start, str(exc)), line=start) from None
        yield start, row
        start = reader.line_num + 1


def _broken_line(line: int, problem: str) -> str:
    if "end of data" in problem or "field larger" in problem:
        return (
            f"line {line}: broken line: a quoted cell opened on this line is never closed"
            f" (or a cell is over {MAX_CELL_CHARS:,} characters); check its quotes"
        )
    return f"line {line}: broken line: {problem}; check the quotes on this line"


def read_header(source: Source, encoding: str = "utf-8") -> list[str]:
    """The header row of a CSV file (a file object is rewound afterwards)."""
    stream, _, _ = _open(source, None)
    position = stream.tell()
    try:
        for _, row in _records(_Lines(stream, encoding)):
            return [cell.strip() for cell in row]
        raise ImportFileError("the file is empty: a header row is needed")
    finally:
        stream.seek(position)
        if isinstance(source, str | os.PathLike):
            stream.close()


# --- turning records into staged rows ------------------------------------------------------


class _RowReader:
    """Cleans one record into the staging columns of its entity, or says why it cannot."""

    def __init__(self, entity: str, preview: MappingPreview, width: int) -> None:
        self.spec = entities.SPECS[entity]
        self.width = width
        kinds = column_kinds(entity)
        sources: dict[str, list[int]] = {}
        for index, (_, target) in enumerate(preview.columns):
            if target:
                sources.setdefault(target, []).append(index)
        self.fields = list(kinds)
        self.plan = [
            (name, sources.get(name, []), reader_for(kinds[name], name)) for name in self.fields
        ]
        self.mapped = set(sources)

    def read(self, cells: list[str]) -> tuple[list[str | None], str | None]:
        """The staged values (k first, then the fields) or a reason to reject the row."""
        if len(cells) != self.width and any(cell.strip() for cell in cells[self.width :]):
            return [], (
                f"{len(cells)} cells where the header has {self.width} (broken line? check "
                "the commas and quotes)"
            )
        values: dict[str, str | None] = {}
        try:
            for name, indexes, read in self.plan:
                value = None
                for index in indexes:
                    cell = unneutralize(cells[index].strip()) if index < len(cells) else ""
                    if cell:
                        value = read(cell)
                        break
                values[name] = value or None
            key = self.spec.finish(values, self.mapped)
        except InvalidInputError as exc:
            return [], f"{exc.field}: {exc.message}"
        return [key] + [values[name] for name in self.fields], None


# --- the import ----------------------------------------------------------------------------


def import_csv(
    session: Session,
    entity: str,
    source: Source,
    *,
    preset: str = "native",
    mode: str = "create",
    dry_run: bool = False,
    skip_bad_rows: bool = False,
    mapping: dict[str, str | None] | None = None,
    progress: Progress | None = None,
    filename: str | None = None,
    encoding: str = "utf-8",
    max_bytes: int | None = DEFAULT_MAX_BYTES,
    commit: bool = True,
    max_outcomes: int = 10_000,
) -> ImportReport:
    """Import a CSV of `entity`; all-or-nothing unless `skip_bad_rows`. See docs/IMPORT.md."""
    if mode not in MODES:
        raise InvalidInputError("mode", f"{mode!r} is not one of {', '.join(MODES)}")
    stream, size, name = _open(source, max_bytes)
    report = ImportReport(
        entity=entity, mode=mode, preset=preset, dry_run=dry_run, skip_bad_rows=skip_bad_rows,
        filename=filename or name,
    )
    tick = progress or (lambda fraction, text: None)
    try:
        lines = _Lines(stream, encoding)
        records = _records(lines)
        header = _header(records)
        preview = preview_mapping(entity, header, preset, mapping)
        report.mapping = preview.columns
        report.warnings.extend(preview.warnings)
        if preview.missing:
            raise ImportFileError(
                "missing required column(s): " + "; ".join(preview.missing)
                + f" (the file has: {', '.join(header) or 'no columns'})",
                line=1, field=preview.missing[0].split(" or ")[0],
            )
        rows = _RowReader(entity, preview, len(header))
        _run(session, report, rows, records, lines, size, tick, commit, max_outcomes)
        if report.rejected:
            stream.seek(0)
            report.rejects_csv = _rejects_csv(stream, encoding, report.rejected_lines, header)
    finally:
        if isinstance(source, str | os.PathLike):
            stream.close()
    tick(1.0, report.summary())
    return report


def _header(records: Iterator[tuple[int, list[str]]]) -> list[str]:
    for _, row in records:
        header = [cell.strip() for cell in row]
        if any(header):
            return header
    raise ImportFileError("the file is empty: a header row is needed", line=1)


def _run(
    session: Session,
    report: ImportReport,
    rows: _RowReader,
    records: Iterator[tuple[int, list[str]]],
    lines: _Lines,
    size: int | None,
    tick: Progress,
    commit: bool,
    max_outcomes: int,
) -> None:
    """Stage, plan and write in a savepoint; keep it (and commit) only for a clean real run."""
    nested = session.begin_nested()
    try:
        raw = session.connection().connection.driver_connection
        assert isinstance(raw, psycopg.Connection)
        with raw.cursor() as cur:
            job = entities.Job(cur, report, rows.spec, rows.fields)
            job.start()
            rejects = _stage(cur, job, rows, records, lines, size, tick)
            tick(0.75, "checking rows against the database")
            job.plan(rejects, max_outcomes)
            if report.dry_run or not report.rejected or report.skip_bad_rows:
                tick(0.85, "writing")
                job.write()
            if report.rejected and not report.skip_bad_rows:
                report.error = f"{report.rejected} row(s) rejected; nothing was imported"
            job.cleanup()
    except psycopg.errors.QueryCanceled:
        nested.rollback()
        raise
    except psycopg.DatabaseError as exc:
        nested.rollback()
        raise _database_problem(exc) from exc
    except BaseException:
        nested.rollback()
        raise
    if report.dry_run or report.error:
        nested.rollback()
        report.batch_id = None
        return
    nested.commit()
    if commit:
        session.commit()
    report.committed = True


def _database_problem(exc: psycopg.DatabaseError) -> ImportFileError:
    """A constraint the checks did not foresee (two primary contacts of one company...)."""
    from sqlalchemy.exc import DBAPIError

    error = translate_db_error(DBAPIError("import", None, exc))
    return ImportFileError(
        f"the database refused the import: {error}", field=getattr(error, "field", "file")
    )


def _stage(
    cur: psycopg.Cursor[Any],
    job: entities.Job,
    rows: _RowReader,
    records: Iterator[tuple[int, list[str]]],
    lines: _Lines,
    size: int | None,
    tick: Progress,
) -> dict[int, str]:
    """COPY the cleaned rows into the staging table; return the rows rejected on the way."""
    rejects: dict[int, str] = {}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    count = 0
    with cur.copy(job.copy_sql()) as copy:
        for line, cells in records:
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue  # blank line
            count += 1
            values, reason = rows.read(cells)
            if reason is not None:
                rejects[line] = reason
                continue
            writer.writerow([line, *values])
            if count % 5000 == 0:
                copy.write(buffer.getvalue())
                buffer.seek(0)
                buffer.truncate()
                if count % 50_000 == 0 and size:
                    tick(0.7 * lines.bytes / size, f"read {count:,} rows")
        copy.write(buffer.getvalue())
    job.report.rows = count
    return rejects


def _rejects_csv(
    stream: IO[bytes], encoding: str, reasons: dict[int, str], header: list[str]
) -> str:
    """The rejected rows as they were in the file, with line and reason first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["_line", "_reason", *header])
    records = _records(_Lines(stream, encoding))
    next(records, None)
    for line, cells in records:
        if line in reasons:
            writer.writerow([line, neutralize(reasons[line]), *map(neutralize, cells)])
    return out.getvalue()


# --- batches and revert --------------------------------------------------------------------


def list_batches(session: Session, limit: int = 20) -> list[ImportBatch]:
    """The latest imports, newest first."""
    query = select(ImportBatch).order_by(ImportBatch.id.desc()).limit(limit)  # type: ignore[union-attr]
    return list(session.scalars(query))


def revert_import(
    session: Session, batch_id: int | None = None, commit: bool = True
) -> RevertReport:
    """Undo an import: delete the rows it created, restore those it updated.

    Only the latest import still in place can be reverted (a later import may build on it).
    """
    batch = _batch_to_revert(session, batch_id)
    later = session.scalars(
        select(col(ImportBatch.id)).where(
            col(ImportBatch.id) > batch.id,
            col(ImportBatch.status) == "completed",
        )
    ).all()
    if later:
        raise InvalidInputError(
            "batch_id",
            f"import {batch.id} has later imports still in place ({', '.join(map(str, later))});"
            " revert those first",
        )
    assert batch.id is not None
    connection = session.connection()
    raw = connection.connection.driver_connection
    assert isinstance(raw, psycopg.Connection)
    with raw.cursor() as cur:
        restored, deleted = entities.revert(cur, batch.id)
    session.execute(
        ImportBatch.__table__.update()  # type: ignore[attr-defined]
        .where(ImportBatch.__table__.c.id == batch.id)  # type: ignore[attr-defined]
        .values(status="reverted", reverted_at=_now())
    )
    if commit:
        session.commit()
    session.expire_all()
    return RevertReport(batch.id, batch.entity, deleted, restored)


def _now() -> Any:
    from abm.models import utcnow

    return utcnow()


def _batch_to_revert(session: Session, batch_id: int | None) -> ImportBatch:
    if batch_id is None:
        batch = session.scalars(
            select(ImportBatch)
            .where(ImportBatch.status == "completed")  # type: ignore[arg-type]
            .order_by(ImportBatch.id.desc())  # type: ignore[union-attr]
            .limit(1)
        ).first()
        if batch is None:
            raise NotFoundError("import batch", "latest")
        return batch
    found = session.get(ImportBatch, batch_id)
    if found is None:
        raise NotFoundError("import batch", batch_id)
    if found.status != "completed":
        raise InvalidInputError("batch_id", f"import {batch_id} is {found.status}, not revertible")
    return found

