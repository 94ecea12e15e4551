"""Import the real enron-f500 data set and check the database against the files."""

from __future__ import annotations

from collections import Counter

from datasets import ENRON
from import_helpers import counts, csv_rows
from sqlalchemy import text
from sqlmodel import Session

from abm.importing import import_csv


def _import_all(session: Session) -> dict[str, object]:
    reports = {}
    for entity, name in [("companies", "companies.csv"), ("contacts", "contacts.csv"),
                         ("relationships", "colleagues.csv"), ("touchpoints", "touchpoints.csv")]:
        report = import_csv(session, entity, ENRON / name, preset="enron")
        assert report.ok, (entity, report.summary(), report.outcomes[:5])
        reports[entity] = report
    return reports


def test_enron_counts_match_the_files(session: Session) -> None:
    reports = _import_all(session)
    got = counts(session)
    companies = csv_rows(ENRON / "companies.csv")
    contacts = csv_rows(ENRON / "contacts.csv")
    colleagues = csv_rows(ENRON / "colleagues.csv")
    mails = csv_rows(ENRON / "touchpoints.csv")
    threads = {(m["contact_email"].lower(), m["thread"].lower()) for m in mails}
    assert got == {
        "companies": len(companies),
        "contacts": len(contacts),
        "relationships": len(colleagues),
        "conversations": len(threads),
        "touchpoints": len(mails),
    }
    assert reports["touchpoints"].parents_created == {"conversations": len(threads)}
    assert reports["companies"].warnings == []  # every enron column is known to the preset


def test_enron_rows_keep_their_values(session: Session) -> None:
    _import_all(session)
    mails = csv_rows(ENRON / "touchpoints.csv")
    directions = Counter(m["direction"] for m in mails)
    db = dict(session.execute(text(
        "SELECT direction, count(*) FROM touchpoints GROUP BY direction")).all())
    assert db == dict(directions)
    replied = sum(1 for m in mails if m["replied_at"])
    assert session.execute(text(
        "SELECT count(*) FROM touchpoints WHERE replied_at IS NOT NULL")).scalar_one() == replied
    # Contacts known only by their address keep empty names, and counters are kept.
    no_last = sum(1 for c in csv_rows(ENRON / "contacts.csv") if not c["last_name"])
    assert session.execute(text(
        "SELECT count(*) FROM contacts WHERE last_name = ''")).scalar_one() == no_last
    per_company = Counter(c["domain"] for c in csv_rows(ENRON / "contacts.csv"))
    rows = session.execute(text("SELECT domain, contact_count FROM companies")).all()
    assert {d: n for d, n in rows if n} == dict(per_company)
    total = session.execute(text("SELECT sum(touchpoint_count) FROM conversations")).scalar_one()
    assert total == len(mails)
    # Every row remembers its batch.
    for table in ("companies", "contacts", "relationships", "conversations", "touchpoints"):
        missing = session.execute(text(
            f"SELECT count(*) FROM {table} WHERE import_batch_id IS NULL")).scalar_one()
        assert missing == 0, table


def test_enron_reimport_in_upsert_mode_changes_nothing(session: Session) -> None:
    _import_all(session)
    before = counts(session)
    report = import_csv(session, "touchpoints", ENRON / "touchpoints.csv", preset="enron",
                        mode="upsert")
    assert report.ok
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2018)
    assert counts(session) == before
