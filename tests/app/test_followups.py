"""The follow-ups page in AppTest: the queue grouped Overdue / Today / This week / Later."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dashboard_helpers import (
    app_at,
    demo_app_db,
    demo_url,
    empty_app_db,
    load_demo_into,
    metrics,
)
from sqlalchemy import create_engine
from sqlmodel import Session

from abm import queries
from abm.models import Conversation

__all__ = ["demo_app_db", "demo_url", "empty_app_db"]
PAGE = "pages/3_Follow-ups.py"


def test_an_empty_queue_shows_zero_everywhere(empty_app_db: str) -> None:
    at = app_at(PAGE).run()
    assert not at.exception
    assert metrics(at) == dict.fromkeys(queries.FOLLOWUP_GROUPS, "0")


def test_the_queue_matches_the_follow_ups_due(demo_app_db: str) -> None:
    engine = create_engine(demo_app_db)
    with Session(engine) as session:
        groups = queries.followups(session)
    engine.dispose()
    at = app_at(PAGE).run()
    assert not at.exception
    assert metrics(at) == {name: str(len(rows)) for name, rows in groups.items()}
    assert sum(len(d.value) for d in at.dataframe) == sum(len(r) for r in groups.values())


def test_filtering_by_owner_keeps_only_their_conversations(demo_app_db: str) -> None:
    at = app_at(PAGE).run()
    owner = at.selectbox[0].options[0]
    at = at.selectbox[0].select(owner).run()
    assert not at.exception
    assert all(set(d.value["Owner"]) == {owner} for d in at.dataframe)


def test_snoozing_from_the_queue_moves_the_follow_up(
    empty_app_db: str,
) -> None:
    load_demo_into(empty_app_db)
    at = app_at(PAGE).run()
    at = at.selectbox[1].select_index(0).run()
    assert not at.exception
    picked = at.selectbox[1].value
    base = f"followup-{picked}"
    at.selectbox(key=f"{base}-snooze-0-days").set_value("1 month")
    at.button(key=f"{base}-snooze-0-submit").click().run()
    assert not at.exception
    engine = create_engine(empty_app_db)
    with Session(engine) as session:
        talk = session.get(Conversation, picked)
        assert talk is not None and talk.next_followup_at is not None
        assert talk.next_followup_at > datetime.now(UTC) + timedelta(days=27)
    engine.dispose()
