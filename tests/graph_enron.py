"""Loads the enron-f500 data set into a session for the graph tests (independent of abm.io)."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import datetime, timedelta

from datasets import ENRON
from sqlmodel import Session

from abm.models import Company, Contact, Conversation, Relationship, Touchpoint


def _rows(name: str) -> list[dict[str, str]]:
    with (ENRON / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _when(text: str) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def _strength(shared: int) -> str:
    """More shared mail, a closer tie: one message says little."""
    return "strong" if shared >= 4 else "medium" if shared >= 2 else "weak"


def load_enron(session: Session) -> dict[str, int]:
    """Every company, contact, colleague tie and mail, flushed; returns domain -> company id.

    Each contact gets one active, warm conversation holding all their mail, so the accounts
    differ only by what their people did.
    """
    companies = {
        row["domain"]: Company(
            name=row["company_name"],
            domain=row["domain"],
            industry=row["industry"],
            sector=row["sector"],
        )
        for row in _rows("companies.csv")
    }
    session.add_all(companies.values())
    session.flush()
    contacts: dict[str, Contact] = {}
    for row in _rows("contacts.csv"):
        company = companies[row["domain"]]
        contacts[row["contact_email"]] = Contact(
            company_id=company.id,
            email=row["contact_email"],
            first_name=row["first_name"],
            last_name=row["last_name"],
        )
    session.add_all(contacts.values())
    session.flush()
    first_seen = {r["contact_email"]: _when(r["first_seen"]) for r in _rows("contacts.csv")}
    talks = {
        email: Conversation(contact_id=c.id, subject="enron mail", started_at=first_seen[email])
        for email, c in contacts.items()
    }
    ties = [
        Relationship(
            contact_id=contacts[r["contact_email"]].id,
            related_contact_id=contacts[r["related_email"]].id,
            strength=_strength(int(r["shared_messages"])),
            source="enron-f500",
        )
        for r in _rows("colleagues.csv")
    ]
    session.add_all([*talks.values(), *ties])
    session.flush()
    session.add_all(
        Touchpoint(
            conversation_id=talks[r["contact_email"]].id,
            channel="email",
            direction=r["direction"],
            occurred_at=_when(r["occurred_at"]),
            subject=r["subject"],
            replied_at=_when(r["replied_at"]) if r["direction"] == "outbound" else None,
        )
        for r in _rows("touchpoints.csv")
    )
    session.flush()
    return {domain: company.id for domain, company in companies.items() if company.id}


def answer_groups(as_of: datetime, months: int = 6) -> tuple[set[str], set[str]]:
    """Domains whose people wrote back in the last `months` months, and those that never did."""
    answers: dict[str, list[datetime]] = defaultdict(list)
    domains = {r["domain"] for r in _rows("companies.csv")}
    for r in _rows("touchpoints.csv"):
        domain = r["contact_email"].split("@", 1)[1]
        at = _when(r["occurred_at"]) if r["direction"] == "inbound" else _when(r["replied_at"])
        if at is not None and at <= as_of:
            answers[domain].append(at)
    since = as_of - timedelta(days=30.4 * months)
    recent = {d for d, times in answers.items() if max(times) > since}
    never = domains - set(answers)
    return recent, never
