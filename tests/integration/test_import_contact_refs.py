"""Contacts without an email: named by company and name in relationships, conversations, touches."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

from factories import make_company, make_contact
from import_helpers import TABLES, counts, write_csv
from sqlalchemy import Engine, text
from sqlmodel import Session

from abm.exporting import export_csv, export_text
from abm.importing import import_csv

WHO = ["email", "company_domain", "company_name", "first_name", "last_name"]
CONTACT = [f"contact_{name}" for name in WHO]
RELATED = [f"related_{name}" for name in WHO]

# Ann Lee at Acme twice: once with an email, once without (named by name, she is the one meant).
# Nodomain Ltd has no domain: its contacts are named by company name.
_FILES: dict[str, tuple[list[str], list[list[object]]]] = {
    "companies": (["name", "domain"], [["Acme", "acme.com"], ["Nodomain Ltd", ""]]),
    "contacts": (
        ["email", "first_name", "last_name", "company_domain", "company_name", "title"],
        [
            ["ann@acme.com", "Ann", "Lee", "acme.com", "", "CEO"],
            ["", "Bob", "Stone", "acme.com", "", "=HYPERLINK(1)"],
            ["", "Ann", "Lee", "acme.com", "", "Buyer"],
            ["", "Cara", "", "", "Nodomain Ltd", ""],
            ["dan@nodomain.org", "Dan", "Ray", "", "Nodomain Ltd", ""],
        ],
    ),
    "relationships": (
        [*CONTACT, *RELATED, "relationship_type"],
        [
            ["ann@acme.com", "", "", "", "", "", "acme.com", "", "bob", "STONE", "colleague"],
            ["", "ACME.com", "", " Bob ", "Stone", "", "acme.com", "", "Ann", "Lee", "reports_to"],
            ["", "", "nodomain ltd", "Cara", "", "dan@nodomain.org", "", "", "", "", "peer"],
        ],
    ),
    "conversations": (
        [*CONTACT, "subject", "started_at"],
        [
            ["", "acme.com", "", "Bob", "Stone", "Pilot", "2024-01-02T10:00:00Z"],
            ["", "", "Nodomain Ltd", "cara", "", "Intro", "2024-01-03T10:00:00Z"],
            ["ann@acme.com", "", "", "", "", "Deal", "2024-01-04T10:00:00Z"],
        ],
    ),
    "touchpoints": (
        [*CONTACT, "conversation_subject", "occurred_at", "direction", "subject"],
        [
            ["", "acme.com", "", "Bob", "Stone", "pilot", "2024-01-05T10:00:00Z", "inbound", "Hi"],
            ["", "", "Nodomain Ltd", "Cara", "", "Intro", "2024-01-06T10:00:00Z", "", "Re: x"],
            ["", "acme.com", "", "ann", "lee", "Follow up", "2024-01-07T10:00:00Z", "", "FU"],
        ],
    ),
}


def _load(session: Session, folder: Path) -> None:
    for entity in TABLES:
        header, rows = _FILES[entity]
        report = import_csv(session, entity, write_csv(folder / f"{entity}.csv", header, rows))
        assert report.ok, (entity, report.summary(), report.outcomes)


def _rows(session: Session, entity: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(export_text(session, entity))))


def test_email_less_contacts_are_named_by_company_and_name(
    session: Session, tmp_path: Path
) -> None:
    _load(session, tmp_path)
    assert counts(session) == {"companies": 2, "contacts": 5, "relationships": 3,
                               "conversations": 4, "touchpoints": 3}
    # The email-less Ann Lee is the one named by name, not the Ann Lee who has an email.
    pairs = session.execute(text("""
        SELECT coalesce(a.email, a.first_name), coalesce(b.email, b.first_name || '?')
        FROM relationships r JOIN contacts a ON a.id = r.contact_id
        JOIN contacts b ON b.id = r.related_contact_id ORDER BY r.id""")).all()
    assert [tuple(p) for p in pairs] == [
        ("ann@acme.com", "Bob?"), ("Bob", "Ann?"), ("Cara", "dan@nodomain.org")]
    follow_up = session.execute(text("""
        SELECT c.email, c.title FROM conversations cv JOIN contacts c ON c.id = cv.contact_id
        WHERE cv.subject = 'Follow up'""")).one()
    assert tuple(follow_up) == (None, "Buyer")
    conversations = _rows(session, "conversations")
    assert [(r["contact_email"], r["contact_company_domain"], r["contact_company_name"],
             r["contact_first_name"], r["contact_last_name"]) for r in conversations] == [
        ("", "acme.com", "", "Bob", "Stone"), ("", "", "Nodomain Ltd", "Cara", ""),
        ("ann@acme.com", "", "", "", ""), ("", "acme.com", "", "Ann", "Lee")]


def test_round_trip_of_email_less_contacts_gives_the_same_data(
    fresh_engine: Callable[[], Engine], tmp_path: Path
) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "out").mkdir()
    with Session(fresh_engine()) as source:
        _load(source, tmp_path / "in")
        for entity in TABLES:
            export_csv(source, entity, tmp_path / "out" / f"{entity}.csv")
        before = {entity: export_text(source, entity) for entity in TABLES}
        before_counts = counts(source)
    with Session(fresh_engine()) as target:
        for entity in TABLES:
            report = import_csv(target, entity, tmp_path / "out" / f"{entity}.csv")
            assert report.ok, (entity, report.summary(), report.outcomes)
            assert report.warnings == [] and report.parents_created == {}
        assert counts(target) == before_counts
        after = {entity: export_text(target, entity) for entity in TABLES}
    assert after == before
    assert "Bob,Stone" in before["touchpoints"]


def _ambiguous_company(session: Session) -> None:
    acme = make_company(session, name="Acme", domain="acme.com")
    for _ in range(2):
        make_contact(session, acme, email=None, first_name="Eve", last_name="Moss")
    make_contact(session, acme, email="zoe@acme.com", first_name="Zoe", last_name="Ng")
    session.commit()


def test_an_ambiguous_or_unknown_name_is_rejected_naming_the_column(
    session: Session, tmp_path: Path
) -> None:
    _ambiguous_company(session)
    before = counts(session)
    path = write_csv(tmp_path / "c.csv", [*CONTACT, "subject"], [
        ["", "acme.com", "", "eve", "MOSS", "Two Eves"],
        ["", "acme.com", "", "Zed", "Nobody", "Nobody"],
        ["", "", "", "Eve", "Moss", "No company"],
        ["", "", "", "", "", "No one"],
        ["", "acme.com", "", "Zoe", "Ng", "Zoe by name"],
    ])
    report = import_csv(session, "conversations", path)
    assert not report.ok and report.created == 1 and report.rejected == 4
    reasons = {o.line: o.reason for o in report.outcomes if o.action == "rejected"}
    assert reasons[2].startswith("contact_first_name: ambiguous: 2 contacts are named 'eve MOSS'")
    assert reasons[3] == "contact_first_name: no contact is named 'Zed Nobody' at acme.com"
    assert reasons[4].startswith("contact_company_domain: a contact named without an email")
    assert reasons[5].startswith("contact_email: is required")
    assert counts(session) == before  # all or nothing


def test_an_ambiguous_related_contact_or_touchpoint_is_rejected(
    session: Session, tmp_path: Path
) -> None:
    _ambiguous_company(session)
    relationships = write_csv(tmp_path / "r.csv", [*CONTACT, *RELATED], [
        ["zoe@acme.com", "", "", "", "", "", "acme.com", "", "Eve", "Moss"],
    ])
    report = import_csv(session, "relationships", relationships)
    assert not report.ok
    assert report.outcomes[0].reason.startswith("related_first_name: ambiguous: 2 contacts")
    touchpoints = write_csv(tmp_path / "t.csv", [*CONTACT, "occurred_at"], [
        ["", "acme.com", "", "Eve", "Moss", "2024-01-01"],
        ["", "acme.com", "", "", "Moss", "2024-01-02"],
    ])
    report = import_csv(session, "touchpoints", touchpoints)
    assert not report.ok and report.parents_created == {}
    assert report.outcomes[0].reason.startswith("contact_first_name: ambiguous: 2 contacts")
    assert report.outcomes[1].reason == "contact_last_name: no contact is named 'Moss' at acme.com"
