"""CompanyGraph on hand-built accounts in a real database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import networkx as nx
import pytest
from factories import (
    make_company,
    make_contact,
    make_conversation,
    make_relationship,
    make_touchpoint,
)
from sqlalchemy import event
from sqlmodel import Session

from abm.errors import NotFoundError
from abm.graph import CompanyGraph
from abm.models import Company, Contact

AS_OF = datetime(2024, 6, 1, 12, tzinfo=UTC)
DAY = timedelta(days=1)


@dataclass
class Acme:
    company: Company
    sarah: Contact
    chen: Contact
    bob: Contact
    eve: Contact
    loner: Contact


@pytest.fixture
def acme(session: Session) -> Acme:
    """Sarah (primary, champion) talks to us; Dr. Chen decides; Bob knows them both."""
    company = make_company(session, name="Acme Medical Group")
    sarah = make_contact(
        session,
        company,
        first_name="Sarah",
        last_name="Williams",
        role="champion",
        seniority="director",
        is_primary=True,
    )
    chen = make_contact(
        session,
        company,
        first_name="Michael",
        last_name="Chen",
        title="Chief Medical Officer",
        seniority="c_level",
        is_decision_maker=True,
    )
    bob = make_contact(session, company, first_name="Bob", last_name="Ortiz", seniority="manager")
    eve = make_contact(
        session, company, first_name="Eve", last_name="Stone", seniority="vp", opted_out=True
    )
    loner = make_contact(session, company, first_name="", last_name="", email="info@acme.example")
    make_relationship(session, sarah, bob, strength="strong")
    make_relationship(session, bob, chen, strength="medium", relationship_type="reports_to")
    make_relationship(session, sarah, chen, strength="weak", confidence=0.5)
    make_relationship(session, eve, sarah, strength="strong")
    talk = make_conversation(session, sarah, qualification_tier="hot", started_at=AS_OF - 30 * DAY)
    make_touchpoint(
        session,
        talk,
        occurred_at=AS_OF - 10 * DAY,
        opened_at=AS_OF - 9 * DAY,
        replied_at=AS_OF - 8 * DAY,
    )
    make_touchpoint(session, talk, occurred_at=AS_OF - 3 * DAY)
    # Dr. Chen answers, but only after AS_OF: a score asked for AS_OF must not see it.
    later = make_conversation(session, chen, started_at=AS_OF - 2 * DAY, status="paused")
    make_touchpoint(session, later, occurred_at=AS_OF - 2 * DAY, replied_at=AS_OF + 2 * DAY)
    make_touchpoint(session, later, direction="inbound", occurred_at=AS_OF + 3 * DAY)
    return Acme(company, sarah, chen, bob, eve, loner)


def test_the_graph_holds_every_contact_and_weighted_relationships(
    session: Session, acme: Acme
) -> None:
    graph = CompanyGraph(session).build_graph(acme.company.id)
    assert isinstance(graph, nx.Graph)
    assert set(graph.nodes) == {
        c.id for c in (acme.sarah, acme.chen, acme.bob, acme.eve, acme.loner)
    }
    assert graph.nodes[acme.chen.id]["is_decision_maker"] is True
    assert graph.nodes[acme.chen.id]["seniority"] == "c_level"
    assert graph.nodes[acme.loner.id]["name"] == "info@acme.example"
    assert graph.number_of_edges() == 4
    edge = graph.edges[acme.bob.id, acme.chen.id]
    assert edge["relationship_type"] == "reports_to"
    assert edge["strength"] == "medium" and edge["weight"] == pytest.approx(0.6)
    assert graph.edges[acme.sarah.id, acme.chen.id]["weight"] == pytest.approx(0.15)


def test_the_overview_lists_people_decision_makers_ties_and_open_talks(
    session: Session, acme: Acme
) -> None:
    overview = CompanyGraph(session).get_account_overview(acme.company.id)
    assert overview.company.name == "Acme Medical Group"
    assert len(overview.contacts) == 5
    assert [c.id for c in overview.decision_makers] == [acme.chen.id]
    assert len(overview.relationships) == 4
    assert [c.contact_id for c in overview.active_conversations] == [acme.sarah.id]


def test_a_missing_company_is_not_found(session: Session) -> None:
    with pytest.raises(NotFoundError):
        CompanyGraph(session).get_account_health_score(2_000_000_000)


def test_the_intro_path_is_the_strongest_chain_not_the_shortest(
    session: Session, acme: Acme
) -> None:
    graph = CompanyGraph(session)
    assert graph.find_intro_path(acme.sarah.id, acme.chen.id) == [
        acme.sarah.id,
        acme.bob.id,
        acme.chen.id,
    ]
    assert graph.find_intro_path(acme.chen.id, acme.eve.id) == [
        acme.chen.id,
        acme.bob.id,
        acme.sarah.id,
        acme.eve.id,
    ]
    assert graph.find_intro_path(acme.sarah.id, acme.loner.id) is None
    assert graph.find_intro_path(acme.sarah.id, 2_000_000_000) is None


def test_no_intro_path_crosses_accounts(session: Session, acme: Acme) -> None:
    stranger = make_contact(session)
    assert CompanyGraph(session).find_intro_path(acme.sarah.id, stranger.id) is None


def test_expansion_targets_lead_with_the_decision_maker_through_bob(
    session: Session, acme: Acme
) -> None:
    targets = CompanyGraph(session).find_expansion_targets(acme.sarah.id, as_of=AS_OF)
    ids = [t.contact.id for t in targets]
    assert acme.sarah.id not in ids
    assert set(ids) == {acme.chen.id, acme.bob.id, acme.eve.id, acme.loner.id}
    first = targets[0]
    assert first.contact.id == acme.chen.id
    assert first.intro_path == [acme.sarah.id, acme.bob.id, acme.chen.id]
    assert any("decision maker" in r for r in first.reasons)
    assert [t.priority_score for t in targets] == sorted(
        (t.priority_score for t in targets), reverse=True
    )
    eve = next(t for t in targets if t.contact.id == acme.eve.id)
    assert eve.priority_score == 0 and eve.reasons == ["opted out: do not contact"]
    assert len(CompanyGraph(session).find_expansion_targets(acme.sarah.id, limit=2)) == 2


def test_people_in_an_active_conversation_are_not_targets(session: Session, acme: Acme) -> None:
    make_conversation(session, acme.bob, started_at=AS_OF - DAY)
    ids = [t.contact.id for t in CompanyGraph(session).find_expansion_targets(acme.sarah.id)]
    assert acme.bob.id not in ids and acme.chen.id in ids


def test_health_as_of_a_date_ignores_what_came_later(session: Session, acme: Acme) -> None:
    graph = CompanyGraph(session)
    then = graph.get_account_health_score(acme.company.id, as_of=AS_OF)
    after = graph.get_account_health_score(acme.company.id, as_of=AS_OF + 5 * DAY)
    assert then.total == sum(then.components[k] * then.weights[k] for k in then.weights)
    assert then.status in {"excellent", "good", "fair", "at_risk", "critical"}
    assert "no decision maker engaged" in then.reasons["coverage"]
    assert any("Chen" in r for r in then.recommendations)
    assert "a decision maker is engaged" in after.reasons["coverage"]
    assert after.components["coverage"] > then.components["coverage"]
    assert graph.get_account_health_score(acme.company.id, as_of=AS_OF) == then


def test_health_of_an_untouched_account_is_critical(session: Session) -> None:
    company = make_company(session)
    make_contact(session, company, is_decision_maker=True)
    health = CompanyGraph(session).get_account_health_score(company.id)
    assert health.total == 0 and health.status == "critical"
    assert health.recommendations


def test_conversation_context_as_of_a_date(session: Session, acme: Acme) -> None:
    graph = CompanyGraph(session)
    context = graph.get_conversation_context(acme.sarah.id, as_of=AS_OF)
    assert context.contact.id == acme.sarah.id
    assert context.company.id == acme.company.id
    # Related people first, strongest tie first; the unrelated address last.
    assert [c.id for c in context.colleagues] == [
        acme.bob.id,
        acme.eve.id,
        acme.chen.id,
        acme.loner.id,
    ]
    assert [c.contact_id for c in context.active_conversations] == [acme.sarah.id]
    times = [t.occurred_at for t in context.recent_touchpoints]
    assert times == sorted(times, reverse=True) and len(times) == 2
    assert context.engagement == {
        "sent": 2,
        "opened": 1,
        "clicked": 0,
        "replied": 1,
        "open_rate": 0.5,
        "click_rate": 0.0,
        "reply_rate": 0.5,
    }
    chen_then = graph.get_conversation_context(acme.chen.id, as_of=AS_OF)
    chen_now = graph.get_conversation_context(acme.chen.id, as_of=AS_OF + 5 * DAY)
    assert chen_then.engagement["replied"] == 0 and len(chen_then.recent_touchpoints) == 1
    assert chen_now.engagement["replied"] == 1 and len(chen_now.recent_touchpoints) == 2


def test_a_missing_contact_is_not_found(session: Session) -> None:
    with pytest.raises(NotFoundError):
        CompanyGraph(session).get_conversation_context(2_000_000_000)
    with pytest.raises(NotFoundError):
        CompanyGraph(session).find_expansion_targets(2_000_000_000)


def _statements(session: Session, action) -> int:  # type: ignore[no-untyped-def]
    """How many SQL statements an action sends."""
    seen: list[str] = []
    connection = session.connection()

    def count(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(connection, "before_cursor_execute", count)
    try:
        action()
    finally:
        event.remove(connection, "before_cursor_execute", count)
    return len(seen)


def _account(session: Session, size: int) -> tuple[Company, Contact]:
    company = make_company(session)
    people = [make_contact(session, company) for _ in range(size)]
    for a, b in zip(people, people[1:], strict=False):
        make_relationship(session, a, b)
    for person in people:
        make_touchpoint(session, make_conversation(session, person), occurred_at=AS_OF - DAY)
    session.expire_all()
    return company, people[0]


def test_one_query_per_kind_of_data_whatever_the_size(session: Session) -> None:
    graph = CompanyGraph(session)
    counts = []
    for size in (3, 25):
        company, primary = _account(session, size)
        health = _statements(session, lambda c=company: graph.get_account_health_score(c.id))
        session.expire_all()
        targets = _statements(session, lambda p=primary: graph.find_expansion_targets(p.id))
        counts.append((health, targets))
    # company, contacts, relationships, conversations, touchpoints (+ the primary contact)
    assert counts == [(5, 6), (5, 6)]
