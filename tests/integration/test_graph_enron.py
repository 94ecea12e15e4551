"""The scores on real data: Enron mail with 61 Fortune 500 accounts (enron-f500)."""

from __future__ import annotations

from datetime import UTC, datetime
from statistics import mean

from graph_enron import answer_groups, load_enron
from sqlmodel import Session

from abm.graph import CompanyGraph

# Just after the last mail of the data set (2002-05-13).
AS_OF = datetime(2002, 6, 1, tzinfo=UTC)


def test_accounts_that_wrote_back_lately_are_clearly_healthier(session: Session) -> None:
    ids = load_enron(session)
    graph = CompanyGraph(session)
    health = {
        domain: graph.get_account_health_score(cid, as_of=AS_OF) for domain, cid in ids.items()
    }
    recent, never = answer_groups(AS_OF)
    assert len(ids) == 61
    assert len(recent) >= 10 and len(never) >= 10
    replied = mean(health[d].total for d in recent)
    silent = mean(health[d].total for d in never)
    print(f"\nwrote back in 6 months: {len(recent)} accounts, mean health {replied:.1f}")
    print(f"never answered: {len(never)} accounts, mean health {silent:.1f}")
    assert replied - silent >= 10
    # Silence is never rewarded: no silent account beats the median account that wrote back.
    median_replied = sorted(health[d].total for d in recent)[len(recent) // 2]
    assert max(health[d].total for d in never) < median_replied
    for d in never:
        assert health[d].components["engagement"] == 0
        assert health[d].components["recency"] == 0
        assert health[d].status in {"at_risk", "critical"}
        assert health[d].recommendations


def test_scores_on_real_data_hold_their_contract(session: Session) -> None:
    ids = load_enron(session)
    graph = CompanyGraph(session)
    for cid in ids.values():
        health = graph.get_account_health_score(cid, as_of=AS_OF)
        assert health.total == sum(health.components[k] * health.weights[k] for k in health.weights)
        assert 0 <= health.total <= 100
        assert all(0 <= v <= 100 for v in health.components.values())
        assert (health.status == "excellent") or health.recommendations


def test_a_past_date_sees_the_account_as_it_was(session: Session) -> None:
    ids = load_enron(session)
    graph = CompanyGraph(session)
    williams = ids["williams.com"]
    early = graph.get_account_health_score(williams, as_of=datetime(1999, 1, 1, tzinfo=UTC))
    assert early.total == 0 and early.status == "critical"
    later = graph.get_account_health_score(williams, as_of=AS_OF)
    assert later.total > 40


def test_expansion_on_real_data_gives_paths_between_colleagues(session: Session) -> None:
    ids = load_enron(session)
    graph = CompanyGraph(session)
    overview = graph.get_account_overview(ids["williams.com"])
    primary = overview.contacts[0]
    # Everyone is in an open conversation after the load: close all but the primary's.
    for conversation in overview.active_conversations:
        if conversation.contact_id != primary.id:
            conversation.status, conversation.closed_at = "closed", datetime(2002, 1, 1, tzinfo=UTC)
    session.flush()
    targets = graph.find_expansion_targets(primary.id, limit=None, as_of=AS_OF)
    assert len(targets) == len(overview.contacts) - 1
    assert all(0 <= t.priority_score <= 100 for t in targets)
    assert any(t.intro_path for t in targets)
    edges = {frozenset((r.contact_id, r.related_contact_id)) for r in overview.relationships}
    for target in targets:
        path = target.intro_path
        assert all(frozenset(pair) in edges for pair in zip(path, path[1:], strict=False))
