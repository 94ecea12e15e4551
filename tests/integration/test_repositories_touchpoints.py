"""TouchpointRepository on a real database: touches, email events and engagement metrics."""

# Model ids are `int | None` until flushed; these tests use flushed rows.
# mypy: disable-error-code="arg-type"

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from factories import count_rows, make_company, make_contact, make_conversation
from sqlmodel import Session

from abm.errors import DuplicateError, InvalidInputError, NotFoundError
from abm.models import Company, Contact, Conversation
from abm.repositories import TouchpointRepository

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def touchpoints(session: Session) -> TouchpointRepository:
    return TouchpointRepository(session)


@pytest.fixture
def company(session: Session) -> Company:
    return make_company(session)


@pytest.fixture
def contact(session: Session, company: Company) -> Contact:
    return make_contact(session, company)


@pytest.fixture
def conversation(session: Session, contact: Contact) -> Conversation:
    return make_conversation(session, contact)


def test_create_touchpoint_updates_conversation_and_contact_at_once(
    touchpoints: TouchpointRepository, conversation: Conversation, contact: Contact
) -> None:
    touch = touchpoints.create_touchpoint(
        conversation.id, "meeting", "inbound", occurred_at=T0, duration_minutes=30
    )
    assert (touch.contact_id, touch.company_id) == (contact.id, conversation.company_id)
    assert conversation.touchpoint_count == 1
    assert conversation.last_touchpoint_at == T0
    assert contact.engagement_points == 10
    assert contact.engagement_score == pytest.approx(100 * (1 - 2.718281828 ** (-10 / 30)), 0.01)
    assert contact.last_engaged_at == T0


def test_create_touchpoint_defaults_to_now_outbound(
    touchpoints: TouchpointRepository, conversation: Conversation
) -> None:
    start = datetime.now(UTC)
    touch = touchpoints.create_touchpoint(conversation.id, "call")
    assert touch.direction == "outbound"
    assert touch.occurred_at >= start - timedelta(seconds=5)
    assert touch.occurred_at.tzinfo is not None


def test_bad_touchpoints_are_refused_by_field(
    touchpoints: TouchpointRepository, conversation: Conversation, session: Session
) -> None:
    before = count_rows(session)
    for kwargs, field in (
        ({"conversation_id": 2_000_000_000}, "conversation_id"),
        ({"channel": "carrier pigeon"}, "channel"),
        ({"channel": None}, "channel"),
        ({"direction": "sideways"}, "direction"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"duration_minutes": -5}, "duration_minutes"),
        ({"direction": "inbound", "opened_at": T0}, "opened_at"),
        ({"contact_id": 1}, "contact_id"),
    ):
        args = {"conversation_id": conversation.id, "channel": "email", **kwargs}
        with pytest.raises(InvalidInputError) as error:
            touchpoints.create_touchpoint(**args)
        assert error.value.field == field
    assert count_rows(session) == before
    assert conversation.touchpoint_count == 0


def test_an_external_id_is_unique_per_contact(
    touchpoints: TouchpointRepository, conversation: Conversation, session: Session
) -> None:
    touchpoints.create_touchpoint(conversation.id, "email", external_id="<m1@x>")
    before = count_rows(session)
    with pytest.raises(DuplicateError) as error:
        touchpoints.create_touchpoint(conversation.id, "email", external_id="<m1@x>")
    assert error.value.field == "external_id"
    assert count_rows(session) == before
    assert conversation.touchpoint_count == 1


def test_getters_and_history(
    touchpoints: TouchpointRepository,
    conversation: Conversation,
    contact: Contact,
    session: Session,
) -> None:
    second = touchpoints.create_touchpoint(conversation.id, "email", occurred_at=T0 + timedelta(1))
    first = touchpoints.create_touchpoint(conversation.id, "call", occurred_at=T0)
    other = make_conversation(session, contact)
    third = touchpoints.create_touchpoint(other.id, "sms", occurred_at=T0 + timedelta(2))
    assert touchpoints.get_touchpoint_by_id(first.id) is first
    assert touchpoints.get_touchpoint_by_id(2_000_000_000) is None
    assert touchpoints.get_touchpoints(conversation.id) == [first, second]
    assert touchpoints.get_touchpoint_history(contact_id=contact.id) == [third, second, first]
    assert touchpoints.get_touchpoint_history(conversation_id=conversation.id) == [second, first]
    assert touchpoints.get_touchpoint_history(contact_id=contact.id, limit=1) == [third]
    assert touchpoints.get_touchpoint_history(contact_id=2_000_000_000) == []


def test_email_events_set_timestamps_on_the_sent_touchpoint_only(
    touchpoints: TouchpointRepository,
    conversation: Conversation,
    contact: Contact,
    session: Session,
) -> None:
    sent = touchpoints.record_email_sent(conversation.id, subject="Hello", sent_at=T0)
    assert (sent.channel, sent.direction, sent.occurred_at) == ("email", "outbound", T0)
    before = count_rows(session)
    touchpoints.record_email_opened(sent.id, at=T0 + timedelta(hours=1))
    touchpoints.record_email_clicked(sent.id, at=datetime(2024, 3, 1, 14, 0))  # naive = UTC
    touchpoints.record_email_replied(sent.id)
    assert count_rows(session) == before
    assert sent.opened_at == T0 + timedelta(hours=1)
    assert sent.clicked_at == T0 + timedelta(hours=2)
    assert sent.replied_at is not None
    assert conversation.touchpoint_count == 1
    assert contact.engagement_points == 1 + 3 + 5


def test_email_events_on_inbound_or_missing_touchpoints_are_refused(
    touchpoints: TouchpointRepository, conversation: Conversation
) -> None:
    inbound = touchpoints.create_touchpoint(conversation.id, "email", "inbound")
    for record in (
        touchpoints.record_email_opened,
        touchpoints.record_email_clicked,
        touchpoints.record_email_replied,
    ):
        with pytest.raises(InvalidInputError) as error:
            record(inbound.id)
        assert error.value.field == "direction"
        with pytest.raises(NotFoundError):
            record(2_000_000_000)
    assert inbound.opened_at is None and inbound.replied_at is None


def test_engagement_metrics_for_conversation_contact_and_company(
    touchpoints: TouchpointRepository,
    conversation: Conversation,
    contact: Contact,
    company: Company,
    session: Session,
) -> None:
    empty = touchpoints.get_engagement_metrics(conversation_id=conversation.id)
    assert empty == {
        "sent": 0,
        "opened": 0,
        "clicked": 0,
        "replied": 0,
        "open_rate": 0.0,
        "click_rate": 0.0,
        "reply_rate": 0.0,
    }
    mails = [touchpoints.record_email_sent(conversation.id, sent_at=T0) for _ in range(4)]
    touchpoints.record_email_opened(mails[0].id)
    touchpoints.record_email_opened(mails[1].id)
    touchpoints.record_email_clicked(mails[1].id)
    touchpoints.record_email_replied(mails[2].id)
    touchpoints.create_touchpoint(conversation.id, "email", "inbound")  # not "sent"
    touchpoints.create_touchpoint(conversation.id, "call")  # not an email
    closed = make_conversation(session, contact, status="lost")
    touchpoints.record_email_sent(closed.id)
    metrics = touchpoints.get_engagement_metrics(conversation_id=conversation.id)
    assert (metrics["sent"], metrics["opened"], metrics["clicked"], metrics["replied"]) == (
        4,
        2,
        1,
        1,
    )
    assert (metrics["open_rate"], metrics["click_rate"], metrics["reply_rate"]) == (
        0.5,
        0.25,
        0.25,
    )
    assert touchpoints.get_engagement_metrics(contact_id=contact.id)["sent"] == 5
    assert touchpoints.get_engagement_metrics(company_id=company.id)["open_rate"] == 0.4
    assert isinstance(metrics["sent"], int) and isinstance(metrics["open_rate"], float)


def test_update_touchpoint(
    touchpoints: TouchpointRepository, conversation: Conversation, contact: Contact
) -> None:
    touch = touchpoints.create_touchpoint(conversation.id, "email", occurred_at=T0)
    touchpoints.update_touchpoint(touch.id, subject="Re: pricing", occurred_at=T0 + timedelta(1))
    assert touch.subject == "Re: pricing"
    assert conversation.last_touchpoint_at == T0 + timedelta(1)
    touchpoints.update_touchpoint(touch.id, direction="inbound")
    assert contact.engagement_points == 5


def test_update_touchpoint_refuses_bad_input_and_missing_ids(
    touchpoints: TouchpointRepository, conversation: Conversation, session: Session
) -> None:
    touch = touchpoints.record_email_sent(conversation.id, sent_at=T0)
    touchpoints.record_email_opened(touch.id)
    other = make_conversation(session)
    for fields, field in (
        ({"direction": "inbound"}, "opened_at"),  # an inbound touch has no email events
        ({"conversation_id": other.id}, "conversation_id"),
        ({"channel": "telegram"}, "channel"),
        ({"company_id": 1}, "company_id"),
    ):
        with pytest.raises(InvalidInputError) as error:
            touchpoints.update_touchpoint(touch.id, **fields)
        assert error.value.field == field
    assert (touch.direction, touch.conversation_id) == ("outbound", conversation.id)
    with pytest.raises(NotFoundError):
        touchpoints.update_touchpoint(2_000_000_000, subject="x")


def test_delete_touchpoint_updates_the_counters(
    touchpoints: TouchpointRepository,
    conversation: Conversation,
    contact: Contact,
    session: Session,
) -> None:
    first = touchpoints.create_touchpoint(conversation.id, "call", "inbound", occurred_at=T0)
    last = touchpoints.create_touchpoint(
        conversation.id, "call", "inbound", occurred_at=T0 + timedelta(1)
    )
    touchpoints.delete_touchpoint(last.id)
    assert conversation.touchpoint_count == 1
    assert conversation.last_touchpoint_at == T0
    assert contact.engagement_points == 6
    assert touchpoints.get_touchpoint_by_id(last.id) is None
    touchpoints.delete_touchpoint(first.id)
    assert conversation.touchpoint_count == 0 and conversation.last_touchpoint_at is None
    with pytest.raises(NotFoundError):
        touchpoints.delete_touchpoint(first.id)
