"""Benchmark: import_csv of a million touchpoints against a plain COPY of the same rows.

Usage: python scripts/bench_import.py [--rows 1000000] [--conversations 4000]
Runs on DATABASE_URL's server, else the embedded one, in a scratch database dropped at the end.
Both runs write into the same touchpoints table with every trigger, check and index on.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlmodel import Session

from abm.db import database_url, init_db
from abm.importing import import_csv

CHANNELS = ("email", "email", "email", "call", "meeting", "linkedin")


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def scratch_database() -> tuple[str, str]:
    """A new database on the server; returns (its SQLAlchemy URL, the admin libpq URL)."""
    base = make_url(database_url())
    admin = _libpq(base.set(database="postgres").render_as_string(hide_password=False))
    name = f"abm_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return base.set(database=name).render_as_string(hide_password=False), admin


def seed_accounts(conn: psycopg.Connection, contacts: int) -> None:
    conn.execute(
        "INSERT INTO companies (name, domain) SELECT 'Company ' || i, 'c' || i || '.example.com'"
        " FROM generate_series(1, %s) i",
        (max(1, contacts // 6),),
    )
    conn.execute(
        "INSERT INTO contacts (company_id, first_name, email)"
        " SELECT 1 + (i %% %s), 'P' || i, 'p' || i || '@c' || (1 + (i %% %s)) || '.example.com'"
        " FROM generate_series(1, %s) i",
        (max(1, contacts // 6), max(1, contacts // 6), contacts),
    )
    conn.commit()


def write_files(
    folder: Path, rows: int, conversations: int, emails: list[str]
) -> tuple[Path, Path]:
    """The import file (emails and threads) and the COPY file (ids) of the same touchpoints."""
    start = datetime(2024, 1, 1, tzinfo=UTC)
    native = folder / "touchpoints.csv"
    plain = folder / "touchpoints_ids.csv"
    with native.open("w", newline="") as a, plain.open("w", newline="") as b:
        wa, wb = csv.writer(a), csv.writer(b)
        wa.writerow(["contact_email", "conversation_subject", "occurred_at", "channel",
                     "direction", "subject", "external_id", "opened_at"])
        for i in range(rows):
            conv = i % conversations
            email = emails[conv % len(emails)]
            at = start + timedelta(seconds=37 * i)
            channel = CHANNELS[i % len(CHANNELS)]
            direction = "inbound" if i % 4 == 0 else "outbound"
            opened_at = (at + timedelta(hours=1)).isoformat()
            opened = opened_at if direction == "outbound" and i % 3 == 0 else ""
            subject = f"Thread {conv}: follow-up {i % 11}"
            wa.writerow([email, f"Thread {conv}", at.isoformat(), channel, direction, subject,
                         f"msg-{i}", opened])
            # conversation ids are 1..N in thread order; contact ids follow the email list
            wb.writerow([conv + 1, (conv % len(emails)) + 1, channel, direction, at.isoformat(),
                         subject, f"msg-{i}", opened])
    return native, plain


def make_conversations(conn: psycopg.Connection, conversations: int, contacts: int) -> None:
    conn.execute(
        "INSERT INTO conversations (contact_id, subject, started_at)"
        " SELECT 1 + ((i - 1) %% %s), 'Thread ' || (i - 1), '2024-01-01'"
        " FROM generate_series(1, %s) i ORDER BY i",
        (contacts, conversations),
    )
    conn.commit()


def plain_copy_raw(conn: psycopg.Connection, path: Path) -> float:
    """The fastest COPY: the file's bytes as they are (company ids joined in afterwards)."""
    began = time.perf_counter()
    with conn.cursor() as cur, cur.copy(
        "COPY touchpoints (conversation_id, contact_id, channel, direction, occurred_at,"
        " subject, external_id, opened_at, company_id) FROM STDIN (FORMAT csv)"
    ) as copy, path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            copy.write(chunk)
    conn.commit()
    return time.perf_counter() - began


def reset(conn: psycopg.Connection) -> None:
    conn.execute("TRUNCATE touchpoints, conversations")
    conn.execute("UPDATE contacts SET engagement_points = 0, last_engaged_at = NULL")
    conn.execute("UPDATE companies SET active_conversation_count = 0")
    conn.commit()
    conn.autocommit = True
    conn.execute("VACUUM ANALYZE touchpoints, conversations, contacts, companies")
    conn.autocommit = False


def with_company_ids(path: Path, conn: psycopg.Connection) -> Path:
    companies = dict(conn.execute("SELECT id, company_id FROM contacts").fetchall())
    out = path.with_name("touchpoints_full_ids.csv")
    with path.open(newline="") as src, out.open("w", newline="") as dst:
        writer = csv.writer(dst)
        for row in csv.reader(src):
            writer.writerow([*row, companies[int(row[1])]])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--conversations", type=int, default=4_000)
    parser.add_argument("--contacts", type=int, default=3_000)
    args = parser.parse_args()
    url, admin = scratch_database()
    name = make_url(url).database
    try:
        engine = create_engine(url)
        init_db(engine)
        with psycopg.connect(_libpq(url)) as conn, tempfile.TemporaryDirectory() as tmp:
            seed_accounts(conn, args.contacts)
            emails = [r[0] for r in conn.execute("SELECT email FROM contacts ORDER BY id")]
            native, plain = write_files(Path(tmp), args.rows, args.conversations, emails)
            full = with_company_ids(plain, conn)
            size = native.stat().st_size / 1e6
            print(f"{args.rows:,} touchpoints, {args.conversations:,} conversations, "
                  f"{args.contacts:,} contacts; import file {size:.0f} MB")

            make_conversations(conn, args.conversations, args.contacts)
            copy_seconds = plain_copy_raw(conn, full)
            reset(conn)

            with Session(engine) as session:
                began = time.perf_counter()
                report = import_csv(session, "touchpoints", native, max_bytes=None)
                import_seconds = time.perf_counter() - began
            assert report.ok and report.created == args.rows, report.summary()
            total = conn.execute("SELECT sum(touchpoint_count) FROM conversations").fetchone()
            assert total is not None and total[0] == args.rows
        copy_rate = args.rows / copy_seconds
        import_rate = args.rows / import_seconds
        print(f"plain COPY : {copy_seconds:7.1f} s  {copy_rate:10,.0f} rows/s")
        print(f"import_csv : {import_seconds:7.1f} s  {import_rate:10,.0f} rows/s "
              f"(+{report.parents_created.get('conversations', 0):,} conversations created)")
        print(f"ratio import/COPY: {import_rate / copy_rate:.2f}")
        engine.dispose()
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
