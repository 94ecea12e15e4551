"""Factories of test data: make_company, make_contact, ... each adds one row and flushes it."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from abm.models import Company, Contact, Conversation, Relationship, Touchpoint

# Unique suffixes keep domains and emails apart across tests sharing one database.
_serial = itertools.count(1)


def _next() -> int:
    return next(_serial)


def _save(session: Session, row: Any, *parents: Any) -> Any:
    """Flush the row, reload what the database derived, and expire parents' counters."""
    session.add(row)
    session.flush()
    session.refresh(row)
    for parent in parents:
        if parent is not None:
            session.expire(parent)
    return row


def make_company(session: Session, **fields: Any) -> Company:
    """A company with a unique name and domain; `fields` override anything."""
    n = _next()
    values: dict[str, Any] = {"name": f"Company {n}", "domain": f"company{n}.example.com"}
    values.update(fields)
    return _save(session, Company(**values))


def make_contact(session: Session, company: Company | None = None, **fields: Any) -> Contact:
    """A contact with a unique email; a new company is made when none is given."""
    n = _next()
    if company is None and "company_id" not in fields:
        company = make_company(session)
    values: dict[str, Any] = {
        "first_name": f"First{n}",
        "last_name": f"Last{n}",
        "email": f"person{n}@example.com",
    }
    if company is not None:
        values["company_id"] = company.id
    values.update(fields)
    return _save(session, Contact(**values), company)


def make_relationship(
    session: Session,
    contact: Contact | None = None,
    related: Contact | None = None,
    **fields: Any,
) -> Relationship:
    """A relationship between two contacts of one company (made when not given)."""
    if contact is None:
        contact = make_contact(session)
    if related is None:
        related = make_contact(session, company_id=contact.company_id)
    values: dict[str, Any] = {"contact_id": contact.id, "related_contact_id": related.id}
    values.update(fields)
    return _save(session, Relationship(**values))


def make_conversation(
    session: Session, contact: Contact | None = None, **fields: Any
) -> Conversation:
    """A conversation with a contact (made when not given); the company is the contact's."""
    if contact is None:
        contact = make_contact(session)
    values: dict[str, Any] = {"contact_id": contact.id, "subject": "Intro"}
    values.update(fields)
    company = session.get(Company, contact.company_id)
    return _save(session, Conversation(**values), company, contact)


def make_touchpoint(
    session: Session, conversation: Conversation | None = None, **fields: Any
) -> Touchpoint:
    """An outbound email touchpoint (by default) in a conversation (made when not given)."""
    if conversation is None:
        conversation = make_conversation(session)
    values: dict[str, Any] = {
        "conversation_id": conversation.id,
        "channel": "email",
        "direction": "outbound",
        "occurred_at": datetime.now(UTC),
    }
    values.update(fields)
    contact = session.get(Contact, conversation.contact_id)
    return _save(session, Touchpoint(**values), conversation, contact)


def count_rows(session: Session) -> dict[str, int]:
    """How many rows each table holds: compare before and after a refused write."""
    from sqlalchemy import text

    tables = ("companies", "contacts", "relationships", "conversations", "touchpoints")
    return {
        table: int(session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
        for table in tables
    }
