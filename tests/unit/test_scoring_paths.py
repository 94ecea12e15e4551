"""Intro paths, centrality and expansion priority, on hand-built and real social networks."""

from __future__ import annotations

import math
from datetime import timedelta

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scoring_strategies import AS_OF, STRENGTHS, accounts

from abm.scoring import (
    Account,
    Deal,
    Person,
    Tie,
    Touch,
    centrality,
    expansion_priority,
    path_strength,
    rank_targets,
    strongest_path,
    tie_factor,
    tie_graph,
)

KARATE = nx.karate_club_graph()
FLORENCE = nx.convert_node_labels_to_integers(
    nx.florentine_families_graph(), label_attribute="name"
)
MEDICI = next(n for n, d in FLORENCE.nodes(data=True) if d["name"] == "Medici")


def ties_for(graph: nx.Graph, strengths: list[str], confidences: list[float]) -> list[Tie]:
    return [
        Tie(a, b, strengths[i % len(strengths)], confidences[i % len(confidences)])
        for i, (a, b) in enumerate(graph.edges())
    ]


edge_strengths = st.lists(st.sampled_from(STRENGTHS), min_size=1, max_size=78)
edge_confidences = st.lists(st.floats(0.05, 1), min_size=1, max_size=78)


def test_the_strongest_path_is_not_merely_the_shortest() -> None:
    graph = tie_graph(
        [1, 2, 3, 4],
        [Tie(1, 4, "weak"), Tie(1, 2, "strong"), Tie(2, 3, "strong"), Tie(3, 4, "strong")],
    )
    path = strongest_path(graph, 1, 4)
    assert path is not None
    assert path.nodes == [1, 2, 3, 4]
    assert math.isclose(path.strength, 0.9**3)


def test_confidence_weighs_on_the_path() -> None:
    graph = tie_graph(
        [1, 2, 3], [Tie(1, 3, "strong", 0.2), Tie(1, 2, "medium"), Tie(2, 3, "medium")]
    )
    path = strongest_path(graph, 1, 3)
    assert path is not None and path.nodes == [1, 2, 3]
    assert tie_factor("strong", 0.2) < 0.6 * 0.6


def test_no_path_between_strangers_or_through_zero_confidence() -> None:
    graph = tie_graph([1, 2, 3], [Tie(1, 2, "strong", 0.0)])
    assert strongest_path(graph, 1, 2) is None
    assert strongest_path(graph, 1, 3) is None
    assert strongest_path(graph, 1, 99) is None


@settings(deadline=None, max_examples=60)
@given(
    edge_strengths, edge_confidences, st.sampled_from(list(KARATE)), st.sampled_from(list(KARATE))
)
def test_karate_paths_are_real_chains_with_the_product_as_strength(
    strengths: list[str], confidences: list[float], source: int, target: int
) -> None:
    graph = tie_graph(KARATE.nodes, ties_for(KARATE, strengths, confidences))
    path = strongest_path(graph, source, target)
    assert path is not None
    assert path.nodes[0] == source and path.nodes[-1] == target
    assert all(KARATE.has_edge(u, v) for u, v in zip(path.nodes, path.nodes[1:], strict=False))
    assert math.isclose(path.strength, path_strength(graph, path.nodes))
    fewest_hops = nx.shortest_path(KARATE, source, target)
    assert path.strength >= path_strength(graph, fewest_hops) - 1e-12


@settings(deadline=None, max_examples=40)
@given(edge_strengths, edge_confidences, st.data())
def test_florentine_paths_are_the_strongest_of_all_simple_paths(
    strengths: list[str], confidences: list[float], data: st.DataObject
) -> None:
    connected = sorted(nx.node_connected_component(FLORENCE, MEDICI))
    source, target = data.draw(
        st.lists(st.sampled_from(connected), min_size=2, max_size=2, unique=True)
    )
    graph = tie_graph(FLORENCE.nodes, ties_for(FLORENCE, strengths, confidences))
    best = max(path_strength(graph, p) for p in nx.all_simple_paths(FLORENCE, source, target))
    path = strongest_path(graph, source, target)
    assert path is not None
    assert math.isclose(path.strength, best, rel_tol=1e-9)


@settings(deadline=None, max_examples=60)
@given(edge_strengths, edge_confidences, st.data())
def test_a_stronger_edge_never_weakens_the_best_intro_path(
    strengths: list[str], confidences: list[float], data: st.DataObject
) -> None:
    ties = ties_for(KARATE, strengths, confidences)
    source, target = data.draw(
        st.lists(st.sampled_from(list(KARATE)), min_size=2, max_size=2, unique=True)
    )
    i = data.draw(st.integers(0, len(ties) - 1))
    old = ties[i]
    stronger = Tie(
        old.a,
        old.b,
        data.draw(st.sampled_from(STRENGTHS[STRENGTHS.index(old.strength) :])),
        data.draw(st.floats(old.confidence, 1)),
    )
    before = strongest_path(tie_graph(KARATE.nodes, ties), source, target)
    after = strongest_path(
        tie_graph(KARATE.nodes, ties[:i] + [stronger] + ties[i + 1 :]), source, target
    )
    assert before is not None and after is not None
    assert after.strength >= before.strength - 1e-12


def test_pagerank_finds_the_leaders_of_the_karate_club_and_the_medici() -> None:
    karate = centrality(tie_graph(KARATE.nodes, ties_for(KARATE, ["medium"], [1.0])))
    assert set(sorted(karate, key=karate.get)[-2:]) == {0, 33}
    florence = centrality(tie_graph(FLORENCE.nodes, ties_for(FLORENCE, ["medium"], [1.0])))
    assert max(florence, key=florence.get) == MEDICI
    assert florence[MEDICI] == 1.0
    assert all(isinstance(v, float) and 0 <= v <= 1 for v in florence.values())


def test_centrality_of_a_graph_without_ties_is_zero() -> None:
    assert centrality(tie_graph([1, 2], [])) == {1: 0.0, 2: 0.0}


# --- expansion priority ----------------------------------------------------------------------

parts = st.fixed_dictionaries(
    {
        "closeness": st.floats(0, 1),
        "centrality": st.floats(0, 1),
        "uncovered": st.booleans(),
        "unanswered": st.integers(0, 6),
    }
)
persons = st.builds(
    Person,
    st.integers(1, 9),
    st.just("X"),
    st.booleans(),
    st.sampled_from([None, "champion", "user"]),
    st.sampled_from([None, "c_level", "vp", "entry"]),
)


@given(persons, parts)
def test_priority_stays_within_0_and_100_with_a_reason_per_part(person: Person, kw: dict) -> None:
    priority = expansion_priority(person, **kw)
    assert 0 <= priority.score <= 100
    assert isinstance(priority.score, float)
    assert priority.reasons


@given(persons, parts, st.floats(0, 1), st.floats(0, 1))
def test_priority_grows_with_closeness_and_centrality(
    person: Person, kw: dict, closer: float, central: float
) -> None:
    base = expansion_priority(person, **kw).score
    assert (
        expansion_priority(person, **{**kw, "closeness": max(closer, kw["closeness"])}).score
        >= base
    )
    assert (
        expansion_priority(person, **{**kw, "centrality": max(central, kw["centrality"])}).score
        >= base
    )
    assert expansion_priority(person, **{**kw, "unanswered": kw["unanswered"] + 1}).score <= base


def test_an_opted_out_contact_has_no_priority() -> None:
    priority = expansion_priority(
        Person(1, "X", True, seniority="c_level", opted_out=True),
        closeness=1,
        centrality=1,
        uncovered=True,
    )
    assert priority.score == 0
    assert priority.reasons == ["opted out: do not contact"]


def chen_account() -> Account:
    people = (
        Person(1, "Sarah Williams", role="champion", seniority="director", is_primary=True),
        Person(2, "Dr. Michael Chen", is_decision_maker=True, seniority="c_level"),
        Person(3, "Bob Ortiz", seniority="manager"),
        Person(4, "Eve Stone", seniority="vp", opted_out=True),
        Person(5, "Al Green", seniority="entry"),
    )
    ties = (Tie(1, 3, "strong"), Tie(3, 2, "medium"), Tie(1, 4, "strong"), Tie(5, 2, "weak"))
    touches = (Touch(5, AS_OF - timedelta(days=3)),)
    return Account(people, touches, (Deal(1, "active", "hot"), Deal(3, "active", "warm")), ties)


def test_targets_leave_out_the_primary_and_people_in_open_conversations() -> None:
    targets = rank_targets(chen_account(), primary_id=1, as_of=AS_OF)
    assert [t.contact_id for t in targets] == [2, 5, 4]
    chen = targets[0]
    assert chen.intro_path == [3, 2]
    assert any("decision maker" in r for r in chen.reasons)
    assert any("Bob Ortiz" in r for r in chen.reasons)
    assert targets[-1].priority_score == 0
    assert targets[1].intro_path == [3, 2, 5]
    assert "1 touches unanswered in the last 30 days (-8.0)" in targets[1].reasons


@settings(deadline=None)
@given(accounts(), st.data(), st.integers(1, 10))
def test_targets_are_best_first_with_paths_from_warm_people(
    account: Account, data: st.DataObject, limit: int
) -> None:
    primary = data.draw(st.sampled_from([p.id for p in account.people]))
    targets = rank_targets(account, primary, AS_OF, limit=limit)
    assert len(targets) <= limit
    scores = [t.priority_score for t in targets]
    assert scores == sorted(scores, reverse=True)
    graph = tie_graph([p.id for p in account.people], account.ties)
    for target in targets:
        assert target.contact_id != primary
        assert 0 <= target.priority_score <= 100
        if target.intro_path:
            assert target.intro_path[-1] == target.contact_id
            assert target.intro_path[0] != target.contact_id
            assert all(
                graph.has_edge(u, v)
                for u, v in zip(target.intro_path, target.intro_path[1:], strict=False)
            )
    assert rank_targets(account, primary, AS_OF, limit=limit) == targets


@pytest.mark.parametrize("limit", [0, 1, 3])
def test_the_limit_caps_the_list(limit: int) -> None:
    assert len(rank_targets(chen_account(), 1, AS_OF, limit=limit)) == min(limit, 3)
