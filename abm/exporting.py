"""CSV export of every entity in the native format, streamed by COPY, formulas neutralised."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import IO

import psycopg
from sqlmodel import Session

from abm.presets import check_entity, column_kinds


def _who(prefix: str, contact: str, company: str) -> dict[str, str]:
    """The columns naming a contact: its email, else (only then) its company and name.

    `company` is joined only for contacts without an email (see _JOIN_COMPANY).
    """
    return {
        f"{prefix}_email": f"{contact}.email",
        f"{prefix}_company_domain": f"{company}.domain",
        f"{prefix}_company_name": f"CASE WHEN {company}.domain IS NULL THEN {company}.name END",
        f"{prefix}_first_name": f"CASE WHEN {contact}.email IS NULL THEN {contact}.first_name END",
        f"{prefix}_last_name": f"CASE WHEN {contact}.email IS NULL THEN {contact}.last_name END",
    }


_JOIN_COMPANY = "LEFT JOIN companies {co} ON {ct}.email IS NULL AND {co}.id = {ct}.company_id"


def _contact(alias: str, company: str, on: str) -> str:
    join = _JOIN_COMPANY.format(co=company, ct=alias)
    return f"JOIN contacts {alias} ON {alias}.id = {on} {join}"


# Each native column as SQL over the entity's table `t` (and its joined parents).
_SOURCES: dict[str, tuple[str, dict[str, str]]] = {
    "companies": ("companies t", {}),
    "contacts": (
        "contacts t JOIN companies co ON co.id = t.company_id",
        {"company_domain": "co.domain", "company_name": "co.name"},
    ),
    "relationships": (
        f"relationships t {_contact('a', 'ac', 't.contact_id')} "
        f"{_contact('b', 'bc', 't.related_contact_id')}",
        {**_who("contact", "a", "ac"), **_who("related", "b", "bc")},
    ),
    "conversations": (
        f"conversations t {_contact('ct', 'co', 't.contact_id')}",
        _who("contact", "ct", "co"),
    ),
    "touchpoints": (
        f"touchpoints t {_contact('ct', 'co', 't.contact_id')} "
        "JOIN conversations cv ON cv.id = t.conversation_id",
        {
            **_who("contact", "ct", "co"),
            "conversation_subject": "cv.subject",
            "conversation_started_at": "cv.started_at",
        },
    ),
}

# A formula to a spreadsheet starts with = + - @ (or a tab / CR); quotes in front get one more.
_SAFE = "CASE WHEN {v} ~ '^''*[-=+@\\t\\r]' THEN '''' || {v} ELSE {v} END"


def _cell(expression: str, kind: str) -> str:
    """The expression as text (ISO timestamps in UTC, JSON as JSON), never a live formula."""
    if kind == "timestamp":
        return f"((to_jsonb({expression} AT TIME ZONE 'UTC') #>> '{{}}') || 'Z')"
    as_text = f"(to_jsonb({expression}) #>> '{{}}')"
    return _SAFE.replace("{v}", as_text)


def export_sql(entity: str) -> str:
    """The SELECT whose rows are the entity's CSV."""
    check_entity(entity)
    source, overrides = _SOURCES[entity]
    columns = ", ".join(
        f"{_cell(overrides.get(name, 't.' + name), kind)} AS {name}"
        for name, kind in column_kinds(entity).items()
    )
    return f"SELECT {columns} FROM {source} ORDER BY t.id"


def export_csv(
    session: Session,
    entity: str,
    out: str | os.PathLike[str] | IO[str],
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the entity's rows as CSV with a header; returns how many rows were written."""
    sql = export_sql(entity)
    raw = session.connection().connection.driver_connection
    assert isinstance(raw, psycopg.Connection)
    if isinstance(out, str | os.PathLike):
        with Path(out).open("w", encoding="utf-8", newline="") as handle:
            return _copy_out(raw, sql, handle, progress)
    return _copy_out(raw, sql, out, progress)


def _copy_out(
    raw: psycopg.Connection, sql: str, out: IO[str], progress: Callable[[int], None] | None
) -> int:
    with raw.cursor() as cur:
        copy_sql = f"COPY ({sql}) TO STDOUT (FORMAT csv, HEADER true)"
        with cur.copy(copy_sql.encode()) as copy:  # type: ignore[arg-type]
            tail = b""
            lines = 0
            for chunk in copy:
                data = tail + bytes(chunk)
                # Decode on a line boundary so no UTF-8 character is cut in two.
                cut = data.rfind(b"\n") + 1
                out.write(data[:cut].decode("utf-8"))
                tail = data[cut:]
                lines += data[:cut].count(b"\n")
                if progress:
                    progress(lines)
            out.write(tail.decode("utf-8"))
        rows = max(cur.rowcount, 0)
    return rows


def export_text(session: Session, entity: str) -> str:
    """The whole CSV as text (for a download button)."""
    buffer = io.StringIO()
    export_csv(session, entity, buffer)
    return buffer.getvalue()
