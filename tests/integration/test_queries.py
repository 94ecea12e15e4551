"""Read models of the dashboard: portfolio, health in bulk, follow-ups, timeline, contact view."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from factories import make_company, make_contact, make_conversation, make_touchpoint
from sqlmodel import Session

from abm import queries
from abm.demo import load_demo
from abm.graph import CompanyGraph

AS_OF = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)


@pytest.fixture
def demo(session: Session) -> dict[str, int]:
    return load_demo(session, as_of=AS_OF)


def test_bulk_health_equals_the_graph_one_account_at_a_time(
    session: Session, demo: dict[str, int]
) -> None:
    bulk = queries.health_scores(session, as_of=AS_OF)
    graph = CompanyGraph(session)
    for company_id, health in bulk.items():
        single = graph.get_account_health_score(company_id, as_of=AS_OF)
        assert (health.total, health.status, health.components) == (
            single.total,
            single.status,
            single.components,
        )


def test_the_portfolio_has_a_row_per_account_with_its_counts(
    session: Session, demo: dict[str, int]
) -> None:
    rows = queries.portfolio(session, as_of=AS_OF)
    assert len(rows) == demo["companies"]
    assert sum(r.contacts for r in rows) == demo["contacts"]
    assert sum(queries.band_counts(rows).values()) == len(rows)
    assert [r.name.lower() for r in rows] == sorted(r.name.lower() for r in rows)


def test_an_account_without_contacts_is_critical_and_never_touched(session: Session) -> None:
    company = make_company(session, name="Lonely Inc")
    row = next(r for r in queries.portfolio(session) if r.company_id == company.id)
    assert (row.health, row.health_status, row.last_touch_at, row.contacts) == (
        0.0,
        "critical",
        None,
        0,
    )


def test_filters_combine_and_search_keeps_its_order(session: Session, demo: dict[str, int]) -> None:
    rows = queries.portfolio(session, as_of=AS_OF)
    tier_one = queries.filter_portfolio(rows, tiers=[1], bands=["excellent", "good"])
    assert tier_one and all(r.tier == 1 and r.health >= 60 for r in tier_one)
    ids = queries.search_company_ids(session, "nortwind helth")
    assert ids and rows[[r.company_id for r in rows].index(ids[0])].name == "Northwind Health"
    picked = queries.filter_portfolio(rows, ids=list(reversed(ids)))
    assert [r.company_id for r in picked] == list(reversed(ids))


def test_sorting_by_health_puts_the_weakest_first(session: Session, demo: dict[str, int]) -> None:
    rows = queries.sort_portfolio(queries.portfolio(session, as_of=AS_OF), "Health, weakest first")
    assert [r.health for r in rows] == sorted(r.health for r in rows)


def test_follow_ups_are_grouped_by_due_date(session: Session) -> None:
    now = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0)
    contact = make_contact(session)
    due = {
        "Overdue": now - timedelta(days=2),
        "Today": now + timedelta(hours=1),
        "This week": now + timedelta(days=3),
        "Later": now + timedelta(days=30),
    }
    ids = {
        name: make_conversation(session, contact, next_followup_at=at).id
        for name, at in due.items()
    }
    make_conversation(session, contact, status="won", next_followup_at=now - timedelta(days=1))
    groups = queries.followups(session, as_of=now, company_id=contact.company_id)
    assert {name: [f.conversation_id for f in rows] for name, rows in groups.items()} == {
        name: [ids[name]] for name in due
    }


def test_the_timeline_is_newest_first_with_events(session: Session) -> None:
    conversation = make_conversation(session, subject="Pilot")
    at = datetime(2025, 1, 10, tzinfo=UTC)
    make_touchpoint(session, conversation, channel="email", occurred_at=at, opened_at=at)
    make_touchpoint(session, conversation, channel="call", occurred_at=at + timedelta(days=1))
    rows = queries.timeline(session, conversation.company_id)
    assert [r.channel for r in rows] == ["call", "email"]
    assert rows[1].touch().opened and rows[1].conversation == "Pilot"


def test_the_account_network_lists_targets_with_named_intro_paths(
    session: Session, demo: dict[str, int]
) -> None:
    company_id = queries.portfolio(session, as_of=AS_OF)[0].company_id
    network = queries.account_network(session, company_id, as_of=AS_OF)
    known = {p.id for p in network.people}
    assert network.primary_id in known
    assert all(t.a in known and t.b in known for t in network.ties)
    for target in network.targets:
        assert target.contact_id in known
        assert len(target.intro_names) == len(target.intro_path)


def test_the_contact_view_gives_context_and_rates(session: Session) -> None:
    contact = make_contact(session, title="CFO")
    colleague = make_contact(session, company_id=contact.company_id)
    conversation = make_conversation(session, contact)
    at = datetime(2025, 1, 10, tzinfo=UTC)
    make_touchpoint(session, conversation, channel="email", occurred_at=at, opened_at=at)
    make_touchpoint(session, conversation, channel="email", occurred_at=at)
    view = queries.contact_view(session, contact.id)
    assert view is not None
    assert view.contact["title"] == "CFO"
    assert [c.contact_id for c in view.colleagues] == [colleague.id]
    assert view.engagement["sent"] == 2 and view.engagement["open_rate"] == 0.5
    assert view.active_conversation_ids == [conversation.id]
    assert len(view.recent) == 2


def test_an_unknown_contact_has_no_view(session: Session) -> None:
    assert queries.contact_view(session, 987654) is None
