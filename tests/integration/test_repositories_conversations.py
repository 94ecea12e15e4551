"""ConversationRepository on a real database: threads, their status, follow-ups and context."""

# Model ids are `int | None` until flushed; these tests use flushed rows.
# mypy: disable-error-code="arg-type"

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from factories import count_rows, make_company, make_contact, make_touchpoint
from sqlmodel import Session

from abm.errors import InvalidInputError, NotFoundError
from abm.models import Company, Contact
from abm.repositories import ConversationRepository

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def conversations(session: Session) -> ConversationRepository:
    return ConversationRepository(session)


@pytest.fixture
def company(session: Session) -> Company:
    return make_company(session)


@pytest.fixture
def contact(session: Session, company: Company) -> Contact:
    return make_contact(session, company)


def test_create_conversation_takes_the_company_from_the_contact(
    conversations: ConversationRepository, contact: Contact, company: Company
) -> None:
    talk = conversations.create_conversation(contact.id, subject="Intro", context={"pain": "x"})
    assert talk.company_id == company.id
    assert (talk.status, talk.qualification_tier) == ("active", "warm")
    assert talk.context == {"pain": "x"}
    assert talk.touchpoint_count == 0 and talk.closed_at is None
    assert company.active_conversation_count == 1


def test_naive_datetimes_are_read_as_utc(
    conversations: ConversationRepository, contact: Contact
) -> None:
    talk = conversations.create_conversation(
        contact.id, next_followup_at=datetime(2024, 5, 1, 9, 0)
    )
    assert talk.next_followup_at == datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
    paris = timezone(timedelta(hours=2))
    conversations.update_conversation(
        talk.id, next_followup_at=datetime(2024, 5, 1, 11, 0, tzinfo=paris)
    )
    assert talk.next_followup_at == datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


def test_bad_conversations_are_refused_by_field(
    conversations: ConversationRepository, contact: Contact, session: Session
) -> None:
    before = count_rows(session)
    for kwargs, field in (
        ({"contact_id": 2_000_000_000}, "contact_id"),
        ({"status": "maybe"}, "status"),
        ({"qualification_tier": "lukewarm"}, "qualification_tier"),
        ({"next_followup_at": "tomorrow"}, "next_followup_at"),
        ({"context": ["not", "a", "dict"]}, "context"),
        ({"channel": "fax"}, "channel"),
        ({"company_id": 1}, "company_id"),
    ):
        args = {"contact_id": contact.id, **kwargs}
        with pytest.raises(InvalidInputError) as error:
            conversations.create_conversation(**args)
        assert error.value.field == field
    assert count_rows(session) == before


def test_getters_by_id_contact_and_company(
    conversations: ConversationRepository, contact: Contact, company: Company, session: Session
) -> None:
    old = conversations.create_conversation(contact.id, started_at=T0)
    new = conversations.create_conversation(
        contact.id, started_at=T0 + timedelta(days=1), status="paused"
    )
    other = make_contact(session, company)
    third = conversations.create_conversation(other.id, started_at=T0 + timedelta(days=2))
    assert conversations.get_conversation_by_id(old.id) is old
    assert conversations.get_conversation_by_id(2_000_000_000) is None
    assert conversations.get_conversations_by_contact(contact.id) == [new, old]
    assert conversations.get_conversations_by_contact(contact.id, status="paused") == [new]
    assert conversations.get_conversations_by_company(company.id) == [third, new, old]
    active = conversations.get_active_conversations(company.id)
    assert [c.id for c in active] == [old.id, third.id]  # no follow-up dates: by id


def test_active_conversations_are_next_follow_up_first(
    conversations: ConversationRepository, contact: Contact, company: Company
) -> None:
    late = conversations.create_conversation(contact.id, next_followup_at=T0 + timedelta(days=5))
    soon = conversations.create_conversation(contact.id, next_followup_at=T0)
    conversations.create_conversation(contact.id, status="won")
    assert [c.id for c in conversations.get_active_conversations(company.id)] == [soon.id, late.id]


def test_conversations_needing_followup_at_a_given_time(
    conversations: ConversationRepository, contact: Contact, company: Company, session: Session
) -> None:
    overdue = conversations.create_conversation(contact.id, next_followup_at=T0 - timedelta(days=3))
    due = conversations.create_conversation(contact.id, next_followup_at=T0)
    conversations.create_conversation(contact.id, next_followup_at=T0 + timedelta(days=1))
    conversations.create_conversation(contact.id, status="paused", next_followup_at=T0)
    elsewhere = make_contact(session)
    conversations.create_conversation(elsewhere.id, next_followup_at=T0 - timedelta(days=1))
    found = conversations.get_conversations_needing_followup(as_of=T0, company_id=company.id)
    assert [c.id for c in found] == [overdue.id, due.id]
    everywhere = conversations.get_conversations_needing_followup(as_of=T0)
    assert len(everywhere) >= 3
    now = conversations.get_conversations_needing_followup(company_id=company.id)
    assert {c.id for c in now} >= {overdue.id, due.id}


def test_closing_a_conversation_sets_closed_at_and_the_company_count(
    conversations: ConversationRepository, contact: Contact, company: Company
) -> None:
    talk = conversations.create_conversation(contact.id)
    assert company.active_conversation_count == 1
    conversations.update_conversation_status(talk.id, "WON", outcome="Signed 3 years")
    assert (talk.status, talk.outcome) == ("won", "Signed 3 years")
    assert talk.closed_at is not None
    assert company.active_conversation_count == 0
    conversations.update_conversation_status(talk.id, "active")
    assert talk.closed_at is None and company.active_conversation_count == 1


def test_update_conversation_refuses_bad_input_and_missing_ids(
    conversations: ConversationRepository, contact: Contact, session: Session
) -> None:
    talk = conversations.create_conversation(contact.id, subject="Keep")
    other = make_contact(session)
    for fields, field in (
        ({"status": "done"}, "status"),
        ({"contact_id": other.id}, "contact_id"),
        ({"touchpoint_count": 3}, "touchpoint_count"),
        ({"started_at": None}, "started_at"),
    ):
        with pytest.raises(InvalidInputError) as error:
            conversations.update_conversation(talk.id, **fields)
        assert error.value.field == field
    assert talk.subject == "Keep"
    with pytest.raises(InvalidInputError) as error:
        conversations.update_conversation_status(talk.id, "finished")
    assert error.value.field == "status"
    with pytest.raises(NotFoundError):
        conversations.update_conversation(2_000_000_000, subject="x")
    with pytest.raises(NotFoundError):
        conversations.update_conversation_status(2_000_000_000, "won")
    with pytest.raises(NotFoundError):
        conversations.update_conversation_context(2_000_000_000, {"a": 1})


def test_update_conversation_context_merges(
    conversations: ConversationRepository, contact: Contact
) -> None:
    talk = conversations.create_conversation(contact.id, context={"pain": "cost", "stage": 1})
    conversations.update_conversation_context(talk.id, {"stage": 2, "budget": 50000})
    assert talk.context == {"pain": "cost", "stage": 2, "budget": 50000}
    with pytest.raises(InvalidInputError) as error:
        conversations.update_conversation_context(talk.id, "stage=3")  # type: ignore[arg-type]
    assert error.value.field == "updates"
    assert talk.context["stage"] == 2


def test_delete_conversation_takes_its_touchpoints_and_updates_counts(
    conversations: ConversationRepository, contact: Contact, company: Company, session: Session
) -> None:
    talk = conversations.create_conversation(contact.id)
    make_touchpoint(session, talk, direction="inbound")
    session.refresh(contact)
    assert contact.engagement_score > 0  # type: ignore[operator]
    talk_id = talk.id
    before = count_rows(session)
    conversations.delete_conversation(talk_id)
    assert conversations.get_conversation_by_id(talk_id) is None
    assert count_rows(session)["touchpoints"] == before["touchpoints"] - 1
    assert company.active_conversation_count == 0
    assert contact.engagement_score == 0
    with pytest.raises(NotFoundError):
        conversations.delete_conversation(talk_id)
