"""The test factories make valid rows and the database derives the rest."""

# Model ids are `int | None` until flushed; these tests use flushed rows.
# mypy: disable-error-code="arg-type"

from __future__ import annotations

from factories import (
    count_rows,
    make_company,
    make_contact,
    make_conversation,
    make_relationship,
    make_touchpoint,
)
from sqlmodel import Session


def test_factories_build_a_whole_account(session: Session) -> None:
    before = count_rows(session)
    company = make_company(session, tier=1)
    contact = make_contact(session, company)
    relationship = make_relationship(session, contact)
    conversation = make_conversation(session, contact)
    touchpoint = make_touchpoint(session, conversation)
    assert relationship.company_id == company.id
    assert conversation.company_id == company.id
    assert touchpoint.contact_id == contact.id and touchpoint.company_id == company.id
    assert company.contact_count == 2
    assert company.active_conversation_count == 1
    assert conversation.touchpoint_count == 1
    after = count_rows(session)
    assert after["touchpoints"] == before["touchpoints"] + 1
    assert after["contacts"] == before["contacts"] + 2
