"""The Data entry page and the follow-up actions in AppTest, on a real database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, func
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from abm.demo import load_demo
from abm.models import Company, Contact, Conversation, Relationship, Touchpoint
from abm.repositories import CompanyRepository, ContactRepository, ConversationRepository

ROOT = Path(__file__).resolve().parents[2]
PAGE = "../../pages/4_Data_entry.py"  # AppTest resolves it against this file's folder
SECTIONS = ("companies", "contacts", "relationships", "conversations", "touchpoints", "emails")


@pytest.fixture
def database(databases: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """A fresh migrated database that the app under test uses (through DATABASE_URL)."""
    url = databases.create()
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.syspath_prepend(str(ROOT))  # the page imports ui and forms from the repo root
    engine = create_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def demo(database: Engine) -> Engine:
    with Session(database) as session:
        load_demo(session)
        session.commit()
    return database


@pytest.fixture
def acme(database: Engine) -> int:
    """The id of one company with no contact yet."""
    with Session(database) as session:
        company = CompanyRepository(session).create_company(name="Acme", domain="acme.com")
        session.commit()
        assert company.id is not None
        return company.id


def open_page(section: str = "companies", **params: object) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["entity"] = section
    for name, value in params.items():
        at.query_params[name] = str(value)
    return at.run()


def count(engine: Engine, model: Any) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def error_beside(at: AppTest, key: str) -> str | None:
    """The error message drawn right after the widget `key`, if any."""

    def search(block: Any) -> str | None:
        children = list(getattr(block, "children", {}).values())
        for node, following in zip(children, [*children[1:], None], strict=False):
            if getattr(node, "key", None) == key:
                return following.value if getattr(following, "type", "") == "error" else None
            found = search(node)
            if found is not None:
                return found
        return None

    return search(at.main)


def test_every_section_renders_on_an_empty_database(database: Engine) -> None:
    for section in SECTIONS:
        at = open_page(section)
        assert not at.exception, section
    assert at.info and "No company yet" in at.info[0].value
    assert open_page("companies").button(key="company-0-submit").label == "Create company"


def test_every_section_renders_on_the_demo_data(demo: Engine) -> None:
    companies = count(demo, Company)
    for section in SECTIONS:
        at = open_page(section)
        assert not at.exception, section
        picker = at.selectbox(key="company-pick-0" if section == "companies" else "entry-account")
        assert len(picker.options) == companies + (1 if section == "companies" else 0)


def test_a_new_company_is_written_and_the_message_links_to_it(database: Engine) -> None:
    at = open_page()
    at.text_input(key="company-0-name").input("Globex Corporation")
    at.text_input(key="company-0-domain").input("https://www.Globex.com/")
    at.selectbox(key="company-0-tier").set_value(1)
    at.button(key="company-0-submit").click().run()

    assert not at.exception
    with Session(database) as session:
        company = session.exec(select(Company)).one()
    assert (company.name, company.domain, company.tier) == ("Globex Corporation", "globex.com", 1)
    assert f"Account?company={company.id}" in at.success[0].value
    assert at.text_input(key="company-1-name").value == ""  # a fresh form for the next one


def test_an_invalid_email_shows_beside_its_field_keeps_the_input_and_writes_nothing(
    database: Engine, acme: int
) -> None:
    at = open_page("contacts", company=acme)
    at.text_input(key=f"contact-{acme}-0-first_name").input("Ann")
    at.text_input(key=f"contact-{acme}-0-email").input("ann-at-acme")
    at.button(key=f"contact-{acme}-0-submit").click().run()

    assert not at.exception
    message = error_beside(at, f"contact-{acme}-0-email")
    assert message is not None and "valid email" in message
    assert error_beside(at, f"contact-{acme}-0-first_name") is None
    assert at.text_input(key=f"contact-{acme}-0-email").value == "ann-at-acme"
    assert at.text_input(key=f"contact-{acme}-0-first_name").value == "Ann"
    assert count(database, Contact) == 0


def test_a_taken_domain_is_refused_beside_the_domain_field(database: Engine, acme: int) -> None:
    at = open_page()
    at.text_input(key="company-0-name").input("Acme again")
    at.text_input(key="company-0-domain").input("ACME.com")
    at.button(key="company-0-submit").click().run()

    message = error_beside(at, "company-0-domain")
    assert message is not None and "domain" in message
    assert count(database, Company) == 1


def test_editing_a_company_saves_the_change(database: Engine, acme: int) -> None:
    at = open_page(company=acme)
    assert at.text_input(key="company-0-name").value == "Acme"
    at.selectbox(key="company-0-status").set_value("engaged")
    at.text_input(key="company-0-owner").input("Sam")
    at.button(key="company-0-submit").click().run()

    assert not at.exception and "saved" in at.success[0].value
    with Session(database) as session:
        company = session.get(Company, acme)
        assert company is not None
        assert (company.name, company.status, company.owner) == ("Acme", "engaged", "Sam")


def test_people_ties_conversations_touches_and_email_events_are_recorded(
    database: Engine, acme: int
) -> None:
    at = open_page("contacts", company=acme)
    for gen, (first, email) in enumerate([("Ann", "ann@acme.com"), ("Bob", "bob@acme.com")]):
        at.text_input(key=f"contact-{acme}-{gen}-first_name").input(first)
        at.text_input(key=f"contact-{acme}-{gen}-email").input(email)
        at.button(key=f"contact-{acme}-{gen}-submit").click().run()
        assert not at.exception and not at.error
    with Session(database) as session:
        ann = ContactRepository(session).get_contact_by_email("ann@acme.com")
        bob = ContactRepository(session).get_contact_by_email("bob@acme.com")
        assert ann is not None and bob is not None and ann.id and bob.id
        assert session.get(Company, acme).contact_count == 2  # type: ignore[union-attr]

    at = open_page("relationships", company=acme)
    at.selectbox(key=f"relationship-{acme}-0-contact_id").set_value(ann.id)
    at.selectbox(key=f"relationship-{acme}-0-relationship_type").set_value("reports_to")
    at.selectbox(key=f"relationship-{acme}-0-related_contact_id").set_value(bob.id)
    at.button(key=f"relationship-{acme}-0-submit").click().run()
    assert not at.exception and not at.error

    at = open_page("conversations", company=acme, contact=ann.id)
    at.text_input(key=f"conversation-{acme}-0-subject").input("Pilot")
    at.selectbox(key=f"conversation-{acme}-0-qualification_tier").set_value("hot")
    at.button(key=f"conversation-{acme}-0-submit").click().run()
    assert not at.exception and not at.error
    with Session(database) as session:
        conversation = session.exec(select(Conversation)).one()
        assert (conversation.contact_id, conversation.qualification_tier) == (ann.id, "hot")

    at = open_page("touchpoints", company=acme)
    base = f"touchpoint-{conversation.id}-0"
    at.selectbox(key=f"{base}-channel").set_value("call")
    at.text_input(key=f"{base}-subject").input("Discovery call")
    at.button(key=f"{base}-submit").click().run()
    assert not at.exception and not at.error

    at = open_page("emails", company=acme)
    at.text_input(key=f"email-sent-{conversation.id}-0-subject").input("Proposal")
    at.button(key=f"email-sent-{conversation.id}-0-submit").click().run()
    assert not at.exception and not at.error
    at.selectbox(key=f"email-event-{conversation.id}-0-event").set_value("opened")
    at.button(key=f"email-event-{conversation.id}-0-submit").click().run()
    assert not at.exception and not at.error

    with Session(database) as session:
        tie = session.exec(select(Relationship)).one()
        assert (tie.contact_id, tie.related_contact_id, tie.relationship_type) == (
            ann.id,
            bob.id,
            "reports_to",
        )
        touches = session.exec(select(Touchpoint).order_by(Touchpoint.id)).all()  # type: ignore[arg-type]
        assert [(t.channel, t.subject) for t in touches] == [
            ("call", "Discovery call"),
            ("email", "Proposal"),
        ]
        assert touches[1].opened_at is not None and touches[1].direction == "outbound"
        assert session.get(Conversation, conversation.id).touchpoint_count == 2  # type: ignore[union-attr]


def test_a_delete_waits_for_confirmation(database: Engine, acme: int) -> None:
    at = open_page(company=acme)
    assert at.button(key="company-0-delete-go").disabled
    at.checkbox(key="company-0-delete-sure").check().run()
    at.button(key="company-0-delete-go").click().run()

    assert not at.exception
    assert count(database, Company) == 0


FOLLOWUP_SCRIPT = """
import ui
from entity_forms import followup_actions
ui.page("Follow-up actions")
followup_actions({"id": CONVERSATION, "status": "active", "qualification_tier": "warm"})
"""


@pytest.fixture
def conversation(database: Engine, acme: int) -> int:
    with Session(database) as session:
        ann = ContactRepository(session).create_contact(acme, "Ann", email="ann@acme.com")
        assert ann.id is not None
        due = datetime.now(UTC) - timedelta(days=2)
        talk = ConversationRepository(session).create_conversation(ann.id, next_followup_at=due)
        session.commit()
        assert talk.id is not None
        return talk.id


def test_followup_actions_snooze_log_a_touch_and_change_status(
    database: Engine, conversation: int
) -> None:
    script = FOLLOWUP_SCRIPT.replace("CONVERSATION", str(conversation))
    at = AppTest.from_string(script, default_timeout=60).run()
    base = f"followup-{conversation}"
    at.selectbox(key=f"{base}-snooze-0-days").set_value("1 week")
    at.button(key=f"{base}-snooze-0-submit").click().run()
    assert not at.exception and "Snoozed" in at.success[0].value

    at.text_input(key=f"{base}-touch-0-subject").input("Left a voicemail")
    at.selectbox(key=f"{base}-touch-0-channel").set_value("call")
    at.button(key=f"{base}-touch-0-submit").click().run()
    assert not at.exception

    at.selectbox(key=f"{base}-state-0-status").set_value("won")
    at.text_input(key=f"{base}-state-0-outcome").input("Signed")
    at.button(key=f"{base}-state-0-submit").click().run()
    assert not at.exception

    with Session(database) as session:
        talk = session.get(Conversation, conversation)
        assert talk is not None and talk.next_followup_at is not None
        assert talk.next_followup_at > datetime.now(UTC) + timedelta(days=6)
        assert (talk.status, talk.outcome, talk.touchpoint_count) == ("won", "Signed", 1)
        assert talk.closed_at is not None
