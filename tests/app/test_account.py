"""The account page in AppTest: health, checklist, offline map, targets, timeline, conversations."""

from __future__ import annotations

import re

from dashboard_helpers import (
    app_at,
    demo_app_db,
    demo_url,
    empty_app_db,
    iframe_html,
    load_demo_into,
)
from sqlalchemy import create_engine, func
from sqlmodel import Session, select

from abm import queries
from abm.models import Conversation
from abm.repositories import CompanyRepository, ContactRepository

__all__ = ["demo_app_db", "demo_url", "empty_app_db"]
PAGE = "pages/1_Account.py"
XSS = "<img src=x onerror=alert(1)>"


def first_account(url: str) -> tuple[int, str]:
    engine = create_engine(url)
    with Session(engine) as session:
        row = queries.portfolio(session)[0]
    engine.dispose()
    return row.company_id, row.name


def test_an_empty_database_says_so(empty_app_db: str) -> None:
    at = app_at(PAGE).run()
    assert not at.exception
    assert "No accounts yet" in at.info[0].value


def test_an_unknown_account_id_asks_to_choose(demo_app_db: str) -> None:
    at = app_at(PAGE, company=999999).run()
    assert not at.exception
    assert not at.title


def test_the_account_shows_health_map_timeline_and_conversations(demo_app_db: str) -> None:
    company_id, name = first_account(demo_app_db)
    at = app_at(PAGE, company=company_id).run()
    assert not at.exception
    assert at.title[0].value.replace("\\", "") == name
    charts = at.get("plotly_chart")
    assert len(charts) == 3  # gauge, breakdown, timeline
    assert '"type":"indicator"' in charts[0].proto.spec.replace(" ", "")
    html = iframe_html(at)
    assert "new vis.Network" in html
    assert not re.search(r"(?:src|href)\s*=\s*[\"']?https?://", html)
    assert len(at.expander) >= 1  # expansion targets
    subheaders = [s.value for s in at.subheader]
    for heading in ("Recommendations", "Coverage checklist", "Relationship map", "Conversations"):
        assert heading in subheaders


def test_starting_a_conversation_with_a_target_creates_it(empty_app_db: str) -> None:
    load_demo_into(empty_app_db)
    company_id, _ = first_account(empty_app_db)
    engine = create_engine(empty_app_db)

    def conversations() -> int:
        with Session(engine) as session:
            query = select(func.count()).where(Conversation.company_id == company_id)
            return session.exec(query).one()

    before = conversations()
    at = app_at(PAGE, company=company_id).run()
    button = next(b for b in at.button if b.label == "Start a conversation")
    at = button.click().run()
    assert not at.exception
    assert conversations() == before + 1
    assert any("Conversation started" in s.value for s in at.success)
    engine.dispose()


def test_a_hostile_contact_name_shows_as_text(empty_app_db: str) -> None:
    engine = create_engine(empty_app_db)
    with Session(engine) as session:
        company = CompanyRepository(session).create_company(name=XSS, domain="evil.example")
        contacts = ContactRepository(session)
        contacts.create_contact(
            company_id=company.id, first_name="Pat", last_name="Plain", is_primary=True
        )
        contacts.create_contact(
            company_id=company.id, first_name=XSS, last_name="", title=XSS, email="x@evil.example"
        )
        session.commit()
        company_id = company.id
    engine.dispose()
    at = app_at(PAGE, company=company_id).run()
    assert not at.exception
    assert "<img" not in iframe_html(at)
    assert at.title[0].value == r"\<img src=x onerror=alert\(1\)\>"
    # The person is an expansion target: the expander's label (markdown) carries the name.
    labels = [expander.label for expander in at.expander]
    assert any(label.startswith(r"\<img src=x") for label in labels), labels
    assert not any("<img" in label.replace(r"\<img", "") for label in labels)
