"""The contact page in AppTest: who they are, engagement rates, colleagues, history."""

from __future__ import annotations

from dashboard_helpers import app_at, demo_app_db, demo_url, empty_app_db, metrics
from sqlalchemy import create_engine, text
from sqlmodel import Session

from abm import queries

__all__ = ["demo_app_db", "demo_url", "empty_app_db"]
PAGE = "pages/2_Contact.py"


def busiest_contact(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as connection:
        contact_id = connection.execute(
            text("SELECT contact_id FROM touchpoints GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
        ).scalar_one()
    engine.dispose()
    return int(contact_id)


def test_an_empty_database_says_so(empty_app_db: str) -> None:
    at = app_at(PAGE).run()
    assert not at.exception
    assert "No contacts yet" in at.info[0].value


def test_the_contact_page_shows_the_conversation_context(demo_app_db: str) -> None:
    contact_id = busiest_contact(demo_app_db)
    engine = create_engine(demo_app_db)
    with Session(engine) as session:
        view = queries.contact_view(session, contact_id)
    engine.dispose()
    assert view is not None
    at = app_at(PAGE, contact=contact_id).run()
    assert not at.exception
    name = f"{view.contact['first_name']} {view.contact['last_name']}"
    assert at.title[0].value.replace("\\", "") == name
    shown = metrics(at)
    assert int(shown["Emails sent"]) == view.engagement["sent"] > 0
    assert shown["Reply rate"] == f"{view.engagement['reply_rate']:.0%}"
    frames = [d.value for d in at.dataframe]
    assert len(frames[0]) == len(view.colleagues)  # colleagues
    assert len(frames[1]) == len(view.recent)  # recent history


def test_a_contact_can_be_chosen_without_a_link(demo_app_db: str) -> None:
    at = app_at(PAGE).run()
    assert not at.exception and not at.title
    at = at.selectbox[0].select_index(0).run()
    assert not at.exception
    assert at.query_params["contact"]
