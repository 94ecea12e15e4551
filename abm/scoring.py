"""Explainable account scores from plain data: health, coverage, expansion priority, intro paths."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import networkx as nx

DAY = 86_400.0

# Health weights in sixteenths: every component is a whole number, so each product and the
# total are exact binary fractions and the total does not depend on the order of the sum.
WEIGHTS: dict[str, float] = {
    "engagement": 5 / 16,
    "coverage": 4 / 16,
    "pipeline": 3 / 16,
    "momentum": 2 / 16,
    "recency": 2 / 16,
}
STATUS_BANDS: tuple[tuple[float, str], ...] = (
    (80.0, "excellent"),
    (60.0, "good"),
    (40.0, "fair"),
    (20.0, "at_risk"),
)
POINTS = {"open": 1.0, "click": 3.0, "reply": 10.0}
ENGAGEMENT_HALF_LIFE_DAYS = 60.0
ENGAGEMENT_SATURATION = 10.0  # points at which engagement reaches 50
ENGAGED_WINDOW_DAYS = 90.0  # a two-way touch this recent makes a person "engaged"
MOMENTUM_RECENT_DAYS = 30.0
MOMENTUM_BEFORE_DAYS = 60.0  # the period before the recent one, compared per 30 days
MOMENTUM_PRIOR = 2.0  # points: keeps a lone open from reading as full momentum
RECENCY_HALF_LIFE_DAYS = 45.0
TIER_VALUES = {"scorching": 100.0, "hot": 80.0, "warm": 55.0, "cool": 30.0, "cold": 10.0}
CLOSED_STATUSES = frozenset({"won", "lost", "closed"})
STRENGTH_FACTORS = {"weak": 0.3, "medium": 0.6, "strong": 0.9}
SENIORITY_VALUES = {
    "c_level": 1.0,
    "vp": 0.8,
    "director": 0.6,
    "manager": 0.4,
    "senior": 0.3,
    "entry": 0.1,
}
UNKNOWN_SENIORITY = 0.2
DECIDING_ROLES = frozenset({"decision_maker", "economic_buyer"})  # decide without the flag
MIN_FACTOR = 1e-6  # ties weaker than this carry no introduction and no standing
CHAMPION_TWO_WAY_TOUCHES = 2  # two-way touches in the window that make a de facto champion
UNANSWERED_WINDOW_DAYS = 30.0
UNANSWERED_PENALTY = 8.0
UNANSWERED_PENALTY_CAP = 24.0
PRIORITY_POINTS = {
    "decision_maker": 25.0,
    "seniority": 15.0,
    "uncovered_role": 15.0,
    "closeness": 25.0,
    "centrality": 20.0,
}


@dataclass(frozen=True)
class Person:
    """A contact as scoring sees it."""

    id: int
    name: str = ""
    is_decision_maker: bool = False
    role: str | None = None
    seniority: str | None = None
    is_primary: bool = False
    opted_out: bool = False

    @property
    def decides(self) -> bool:
        """A decision maker by flag, or by a buying role that decides."""
        return self.is_decision_maker or _norm(self.role) in DECIDING_ROLES

    @property
    def label(self) -> str:
        """A name to print, even for a contact known only by id."""
        return self.name.strip() or f"contact #{self.id}"


@dataclass(frozen=True)
class Touch:
    """One touchpoint with a person; opens, clicks and replies only on outbound ones."""

    contact_id: int
    occurred_at: datetime
    direction: str = "outbound"
    channel: str = "email"
    opened_at: datetime | None = None
    clicked_at: datetime | None = None
    replied_at: datetime | None = None


@dataclass(frozen=True)
class Deal:
    """A conversation: its contact, status and qualification tier."""

    contact_id: int
    status: str = "active"
    qualification_tier: str = "warm"
    started_at: datetime | None = None
    closed_at: datetime | None = None


@dataclass(frozen=True)
class Tie:
    """A relationship between two people, either direction."""

    a: int
    b: int
    strength: str = "medium"
    confidence: float = 1.0
    kind: str = "colleague"


@dataclass(frozen=True)
class Account:
    """Everything scoring needs about one account, as plain values."""

    people: tuple[Person, ...]
    touches: tuple[Touch, ...] = ()
    deals: tuple[Deal, ...] = ()
    ties: tuple[Tie, ...] = ()


@dataclass(frozen=True)
class ChecklistItem:
    """One coverage gap: whether it applies and the people behind it."""

    key: str
    flagged: bool
    detail: str
    people: tuple[int, ...] = ()


@dataclass(frozen=True)
class HealthScore:
    """Account health: the total, its band, and every component with weight and reasons."""

    total: float
    status: str
    components: dict[str, float]
    weights: dict[str, float]
    reasons: dict[str, list[str]]
    recommendations: list[str]
    checklist: list[ChecklistItem]
    as_of: datetime


@dataclass(frozen=True)
class Priority:
    """The expansion priority of one contact, with its reasons."""

    score: float
    reasons: list[str]


@dataclass(frozen=True)
class IntroPath:
    """The strongest chain of relationships between two people and its strength (0 to 1]."""

    nodes: list[int]
    strength: float


@dataclass(frozen=True)
class Target:
    """A contact worth reaching next, best first in a ranking."""

    contact_id: int
    priority_score: float
    reasons: list[str]
    intro_path: list[int]


@dataclass
class Signals:
    """What one person's touches say as of a date (scoring's working state, not a result)."""

    points: float = 0.0  # decayed open/click/reply points
    recent: float = 0.0  # undecayed points in the recent window
    before: float = 0.0  # undecayed points in the period before it
    replies: int = 0
    opens: int = 0
    clicks: int = 0
    two_way: list[datetime] = field(default_factory=list)
    outbound: list[datetime] = field(default_factory=list)

    @property
    def last_two_way(self) -> datetime | None:
        return max(self.two_way) if self.two_way else None


# --- small helpers ------------------------------------------------------------------------


def utc(moment: datetime) -> datetime:
    """The moment as an aware UTC datetime; naive values are taken as UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def days_between(earlier: datetime, later: datetime) -> float:
    """Days from `earlier` to `later`, never negative."""
    return max(0.0, (utc(later) - utc(earlier)).total_seconds() / DAY)


def decay(age_days: float, half_life_days: float) -> float:
    """Weight of something `age_days` old: halves every `half_life_days`.

    >>> decay(60, 60)
    0.5
    """
    return float(0.5 ** (max(0.0, age_days) / half_life_days))


def whole(value: float) -> float:
    """Round half up to a whole number within 0-100 (monotone, unlike banker's rounding)."""
    return float(min(100, max(0, math.floor(value + 0.5))))


def status_for(total: float) -> str:
    """The health band of a total.

    >>> status_for(80), status_for(59.9), status_for(0)
    ('excellent', 'fair', 'critical')
    """
    for floor, name in STATUS_BANDS:
        if total >= floor:
            return name
    return "critical"


def _norm(word: str | None) -> str:
    return (word or "").strip().lower().replace("-", "_").replace(" ", "_")


def is_champion_role(role: str | None) -> bool:
    """Whether a `Contact.role` names a champion."""
    return _norm(role) == "champion"


def seniority_value(seniority: str | None) -> float:
    """Seniority as a fraction of the top (c_level = 1); unknown words count as junior-ish.

    >>> seniority_value("VP"), seniority_value(None)
    (0.8, 0.2)
    """
    return SENIORITY_VALUES.get(_norm(seniority), UNKNOWN_SENIORITY)


def _threads_label(engaged: Sequence[Person]) -> str:
    if not engaged:
        return "single-threaded: no one engaged"
    if len(engaged) == 1:
        return f"single-threaded: only {engaged[0].label} engaged"
    return f"{len(engaged)} engaged: {names(engaged)}"


def names(people: Iterable[Person], limit: int = 3) -> str:
    """People's names joined for a sentence: 'A, B and C'."""
    everyone = [p.label for p in people]
    labels, more = everyone[:limit], len(everyone) - limit
    if more > 0:
        return ", ".join(labels) + f" and {more} more"
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " and " + labels[-1]


# --- signals from touches -----------------------------------------------------------------


def _add_event(sig: Signals, kind: str, at: datetime, as_of: datetime) -> None:
    """Count one open, click or two-way event that happened at or before `as_of`."""
    age = days_between(at, as_of)
    weight = POINTS[kind]
    sig.points += weight * decay(age, ENGAGEMENT_HALF_LIFE_DAYS)
    if age <= MOMENTUM_RECENT_DAYS:
        sig.recent += weight
    elif age <= MOMENTUM_RECENT_DAYS + MOMENTUM_BEFORE_DAYS and kind != "reply":
        # Replies stay out of the baseline: a reply, however late it is recorded, must never
        # count against an account (it would raise the bar the last 30 days are held to).
        sig.before += weight
    if kind == "reply":
        sig.replies += 1
        sig.two_way.append(utc(at))
    elif kind == "open":
        sig.opens += 1
    else:
        sig.clicks += 1


def _happened(at: datetime | None, as_of: datetime) -> bool:
    return at is not None and utc(at) <= as_of


def _read_touch(sig: Signals, touch: Touch, as_of: datetime) -> None:
    """Fold one touch into a person's signals, ignoring whatever came after `as_of`."""
    if not _happened(touch.occurred_at, as_of):
        return
    # A prospect writing in, or a meeting held, is a two-way touch in itself.
    if touch.direction == "inbound" or touch.channel == "meeting":
        _add_event(sig, "reply", touch.occurred_at, as_of)
        return
    sig.outbound.append(utc(touch.occurred_at))
    for kind, at in (("open", touch.opened_at), ("click", touch.clicked_at)):
        if at is not None and _happened(at, as_of):
            _add_event(sig, kind, at, as_of)
    if touch.replied_at is not None and _happened(touch.replied_at, as_of):
        _add_event(sig, "reply", touch.replied_at, as_of)


def signals(account: Account, as_of: datetime) -> dict[int, Signals]:
    """Per person, what their touches up to `as_of` add up to."""
    as_of = utc(as_of)
    out = {p.id: Signals() for p in account.people}
    for touch in account.touches:
        if touch.contact_id in out:
            _read_touch(out[touch.contact_id], touch, as_of)
    return out


def engaged_ids(sigs: Mapping[int, Signals], as_of: datetime) -> set[int]:
    """People with a two-way touch in the engaged window before `as_of`."""
    return {
        pid
        for pid, sig in sigs.items()
        if sig.last_two_way is not None
        and days_between(sig.last_two_way, as_of) <= ENGAGED_WINDOW_DAYS
    }


def champion_ids(account: Account, sigs: Mapping[int, Signals], as_of: datetime) -> set[int]:
    """Named champions, and anyone acting like one (repeated two-way touches lately)."""
    out = set()
    for person in account.people:
        recent = [
            t for t in sigs[person.id].two_way if days_between(t, as_of) <= ENGAGED_WINDOW_DAYS
        ]
        if is_champion_role(person.role) or len(recent) >= CHAMPION_TWO_WAY_TOUCHES:
            out.add(person.id)
    return out


def unanswered_recent(sig: Signals, as_of: datetime) -> int:
    """Outbound touches of the last 30 days with no two-way touch since."""
    last = sig.last_two_way
    return sum(
        1
        for at in sig.outbound
        if days_between(at, as_of) <= UNANSWERED_WINDOW_DAYS and (last is None or at > last)
    )


def active_at(deal: Deal, as_of: datetime) -> bool:
    """Whether a conversation was open at `as_of` (one closed later still was)."""
    if deal.started_at is not None and utc(deal.started_at) > utc(as_of):
        return False
    if deal.status == "active":
        return True
    closed_later = deal.closed_at is not None and utc(deal.closed_at) > utc(as_of)
    return deal.status in CLOSED_STATUSES and closed_later


# --- intro paths --------------------------------------------------------------------------


def tie_factor(strength: str, confidence: float) -> float:
    """How much of a warm intro survives one relationship: strength times confidence.

    >>> tie_factor("strong", 0.5)
    0.45
    """
    base = STRENGTH_FACTORS.get(_norm(strength), STRENGTH_FACTORS["weak"])
    return float(base * min(1.0, max(0.0, confidence)))


def edge_attributes(tie: Tie) -> dict[str, object]:
    """Edge data for a tie: the factor as `weight`, and `cost` = -log(factor) for Dijkstra."""
    factor = tie_factor(tie.strength, tie.confidence)
    cost = -math.log(factor) if factor > 0 else math.inf
    return {
        "relationship_type": tie.kind,
        "strength": tie.strength,
        "confidence": float(tie.confidence),
        "weight": factor,
        "cost": cost,
    }


def tie_graph(people: Iterable[int], ties: Iterable[Tie]) -> nx.Graph:
    """An undirected graph of people and their ties; of two ties on one pair, the stronger."""
    graph = nx.Graph()
    graph.add_nodes_from(people)
    for tie in ties:
        if tie.a == tie.b or tie.a not in graph or tie.b not in graph:
            continue
        attrs = edge_attributes(tie)
        old = graph.get_edge_data(tie.a, tie.b)
        if old is None or float(attrs["weight"]) > float(old["weight"]):  # type: ignore[arg-type]
            graph.add_edge(tie.a, tie.b, **attrs)
    return graph


def path_strength(graph: nx.Graph, nodes: Sequence[int]) -> float:
    """Product of the tie factors along a path (1 for a single person).

    >>> g = tie_graph([1, 2, 3], [Tie(1, 2, "strong"), Tie(2, 3, "medium")])
    >>> round(path_strength(g, [1, 2, 3]), 2)
    0.54
    """
    product = 1.0
    for u, v in zip(nodes, nodes[1:], strict=False):
        product *= float(graph[u][v]["weight"])
    return product


def _cost(u: int, v: int, data: dict[str, float]) -> float | None:
    """Dijkstra length of an edge; None hides ties that carry no introduction."""
    return None if data["weight"] < MIN_FACTOR else data["cost"]


def strongest_path(graph: nx.Graph, source: int, target: int) -> IntroPath | None:
    """The chain of ties from source to target whose product of factors is largest.

    Minimising the sum of -log(factor) maximises the product, so Dijkstra finds it.

    >>> g = tie_graph([1, 2, 3], [Tie(1, 3, "weak"), Tie(1, 2, "strong"), Tie(2, 3, "strong")])
    >>> strongest_path(g, 1, 3).nodes
    [1, 2, 3]
    """
    if source not in graph or target not in graph:
        return None
    try:
        nodes = nx.dijkstra_path(graph, source, target, weight=_cost)
    except nx.NetworkXNoPath:
        return None
    return IntroPath(nodes=list(nodes), strength=path_strength(graph, nodes))


def strongest_paths_from(graph: nx.Graph, sources: Iterable[int]) -> dict[int, list[int]]:
    """For every reachable person, the strongest path from the nearest of `sources`."""
    starts = sorted(s for s in set(sources) if s in graph)
    if not starts:
        return {}
    _, paths = nx.multi_source_dijkstra(graph, starts, weight=_cost)
    return {node: list(path) for node, path in paths.items()}


def centrality(graph: nx.Graph) -> dict[int, float]:
    """PageRank on tie factors, scaled so the most central person is 1 (0 for loners).

    PageRank costs milliseconds where exact betweenness costs seconds at this size.

    >>> c = centrality(tie_graph([0, 1, 2, 3], [Tie(0, 1), Tie(0, 2), Tie(0, 3)]))
    >>> c[0], c[1] < 1
    (1.0, True)
    """
    # Ties of negligible factor say nothing about standing and can stall the power iteration.
    faint = [(u, v) for u, v, w in graph.edges(data="weight", default=1.0) if w < MIN_FACTOR]
    kept = graph
    if faint:
        kept = graph.copy()
        kept.remove_edges_from(faint)
    if kept.number_of_edges() == 0:
        return {node: 0.0 for node in graph}
    try:
        rank = nx.pagerank(kept, weight="weight")
    except nx.PowerIterationFailedConvergence:
        rank = nx.degree_centrality(kept)
    top = max(rank.values())
    return {node: float(value) / top for node, value in rank.items()}


# --- account health -----------------------------------------------------------------------


@dataclass
class _View:
    """One account read as of a date: the signals every component draws on."""

    account: Account
    as_of: datetime
    sigs: dict[int, Signals]
    engaged: set[int]
    champions: set[int]
    people: dict[int, Person]
    active: list[Deal]
    also_warm: set[int] = field(default_factory=set)
    _graph: nx.Graph | None = None
    _paths: dict[int, list[int]] | None = None

    @property
    def graph(self) -> nx.Graph:
        if self._graph is None:
            self._graph = tie_graph(self.people, self.account.ties)
        return self._graph

    @property
    def warm(self) -> set[int]:
        """People an introduction can start from: engaged, or in an open conversation."""
        active = {d.contact_id for d in self.active if d.contact_id in self.people}
        return self.engaged | active | self.also_warm

    @property
    def paths(self) -> dict[int, list[int]]:
        if self._paths is None:
            self._paths = strongest_paths_from(self.graph, self.warm)
        return self._paths

    def by_engagement(self, ids: Iterable[int]) -> list[Person]:
        """People, most engaged first (decayed points, then id for a stable order)."""
        return [self.people[i] for i in sorted(ids, key=lambda i: (-self.sigs[i].points, i))]


def read_account(account: Account, as_of: datetime) -> _View:
    """Fold an account's touches and conversations up to `as_of` into one view."""
    as_of = utc(as_of)
    sigs = signals(account, as_of)
    return _View(
        account=account,
        as_of=as_of,
        sigs=sigs,
        engaged=engaged_ids(sigs, as_of),
        champions=champion_ids(account, sigs, as_of),
        people={p.id: p for p in account.people},
        active=[d for d in account.deals if active_at(d, as_of)],
    )


def engagement_component(view: _View) -> tuple[float, list[str]]:
    """Opens, clicks and above all replies, each decaying with age; saturates towards 100."""
    sigs = view.sigs.values()
    points = sum(s.points for s in sigs)
    # Written as 100 - ... so that float rounding keeps the score monotone in points.
    score = whole(100.0 - 100.0 * ENGAGEMENT_SATURATION / (points + ENGAGEMENT_SATURATION))
    counts = (sum(s.replies for s in sigs), sum(s.clicks for s in sigs), sum(s.opens for s in sigs))
    reasons = [
        f"{counts[0]} replies or two-way touches, {counts[1]} clicks, {counts[2]} opens;"
        f" {points:.1f} points after decay (half-life {ENGAGEMENT_HALF_LIFE_DAYS:.0f} days)"
    ]
    active = [p for p in view.by_engagement(view.people) if view.sigs[p.id].points > 0]
    if active:
        reasons.append(f"most engaged: {names(active)}")
    return score, reasons


def coverage_component(view: _View) -> tuple[float, list[str]]:
    """Decision maker engaged (40), champion engaged (20), breadth up to three people (40)."""
    dm = any(view.people[i].decides for i in view.engaged)
    champion = bool(view.engaged & view.champions)
    threads = min(len(view.engaged), 3)
    score = whole(40.0 * dm + 20.0 * champion + 40.0 * threads / 3)
    engaged = view.by_engagement(view.engaged)
    reasons = [
        f"{len(engaged)} engaged in the last {ENGAGED_WINDOW_DAYS:.0f} days"
        + (f": {names(engaged)}" if engaged else ""),
        "a decision maker is engaged" if dm else "no decision maker engaged",
        "a champion is engaged" if champion else "no champion engaged",
    ]
    return score, reasons


def momentum_component(view: _View) -> tuple[float, list[str]]:
    """Points of the last 30 days against the 30-day average of the 60 days before."""
    recent = sum(s.recent for s in view.sigs.values())
    before = sum(s.before for s in view.sigs.values()) * MOMENTUM_RECENT_DAYS / MOMENTUM_BEFORE_DAYS
    base = before + MOMENTUM_PRIOR
    score = whole(100.0 - 100.0 * base / (recent + base))
    if recent == 0:
        trend = "stalled" if before else "no activity"
    else:
        trend = "rising" if recent > before else "slowing or flat"
    reasons = [
        f"{recent:.0f} points in the last {MOMENTUM_RECENT_DAYS:.0f} days against"
        f" {before:.1f} a month before: {trend}"
    ]
    return score, reasons


def pipeline_component(view: _View) -> tuple[float, list[str]]:
    """Open conversations by qualification tier: 60% the best one, 40% their average."""
    values = [TIER_VALUES.get(_norm(d.qualification_tier), 0.0) for d in view.active]
    if not values:
        return 0.0, ["no active conversation"]
    score = whole(0.6 * max(values) + 0.4 * sum(values) / len(values))
    tiers: dict[str, int] = {}
    for deal in view.active:
        tiers[deal.qualification_tier] = tiers.get(deal.qualification_tier, 0) + 1
    listed = ", ".join(f"{n} {tier}" for tier, n in sorted(tiers.items()))
    return score, [f"{len(values)} active conversations: {listed}"]


def last_two_way(view: _View) -> tuple[Person, datetime] | None:
    """The person of the account's latest two-way touch, and when."""
    found = [(s.last_two_way, pid) for pid, s in view.sigs.items() if s.last_two_way is not None]
    if not found:
        return None
    at, pid = max(found, key=lambda item: (item[0], -item[1]))
    assert at is not None
    return view.people[pid], at


def recency_component(view: _View) -> tuple[float, list[str]]:
    """Time since the last two-way touch, halving every 45 days."""
    last = last_two_way(view)
    if last is None:
        return 0.0, ["no two-way touch yet"]
    person, at = last
    age = days_between(at, view.as_of)
    score = whole(100.0 * decay(age, RECENCY_HALF_LIFE_DAYS))
    return score, [f"last two-way touch {age:.0f} days ago, with {person.label}"]


COMPONENTS = {
    "engagement": engagement_component,
    "coverage": coverage_component,
    "pipeline": pipeline_component,
    "momentum": momentum_component,
    "recency": recency_component,
}


# --- coverage checklist -------------------------------------------------------------------


def _gone_cold(view: _View) -> list[Person]:
    """Decision makers and named champions who once wrote back but not lately."""
    return [
        p
        for p in view.people.values()
        if (p.decides or is_champion_role(p.role))
        and view.sigs[p.id].two_way
        and p.id not in view.engaged
    ]


def checklist_of(view: _View) -> list[ChecklistItem]:
    """The four coverage gaps, each flagged or not, with the people behind it."""
    dms = [p for p in view.people.values() if p.decides]
    dm_engaged = [p for p in dms if p.id in view.engaged]
    named = [p for p in view.people.values() if is_champion_role(p.role)]
    champs = view.by_engagement(view.engaged & view.champions)
    engaged = view.by_engagement(view.engaged)
    cold = _gone_cold(view)
    return [
        ChecklistItem(
            "no_decision_maker",
            not dm_engaged,
            f"decision maker engaged: {names(dm_engaged)}"
            if dm_engaged
            else f"no decision maker engaged (known: {names(dms) or 'none'})",
            tuple(p.id for p in (dm_engaged or dms)),
        ),
        ChecklistItem(
            "no_champion",
            not champs,
            f"champion engaged: {names(champs)}"
            if champs
            else f"no champion engaged (named: {names(named) or 'none'})",
            tuple(p.id for p in (champs or named)),
        ),
        ChecklistItem(
            "single_threaded",
            len(engaged) <= 1,
            _threads_label(engaged),
            tuple(p.id for p in engaged),
        ),
        ChecklistItem(
            "key_person_gone_cold",
            bool(cold),
            f"gone cold: {names(cold)}" if cold else "no key person gone cold",
            tuple(p.id for p in cold),
        ),
    ]


def coverage_checklist(account: Account, as_of: datetime) -> list[ChecklistItem]:
    """Coverage gaps of an account as of a date.

    >>> from datetime import timedelta
    >>> now = datetime(2024, 6, 1, tzinfo=UTC)
    >>> acct = Account((Person(1, "Ann", is_decision_maker=True), Person(2, "Bob")),
    ...                (Touch(2, now - timedelta(days=3), "inbound"),))
    >>> [i.key for i in coverage_checklist(acct, now) if i.flagged]
    ['no_decision_maker', 'no_champion', 'single_threaded']
    """
    return checklist_of(read_account(account, as_of))


# --- recommendations ----------------------------------------------------------------------


def _through(view: _View, person: Person) -> str:
    """', through A and B' when a warm path leads to the person, else a direct-reach note."""
    path = view.paths.get(person.id, [])
    if len(path) > 1:
        return f" through {names((view.people[i] for i in path[:-1]), limit=4)}"
    return " directly (no known relationship leads there)"


def _reachable_first(view: _View, ids: Iterable[int]) -> list[Person]:
    """People, the best reachable first: strongest warm path, then seniority, then id."""

    def key(pid: int) -> tuple[float, float, int]:
        path = view.paths.get(pid)
        strength = path_strength(view.graph, path) if path and len(path) > 1 else 0.0
        return (-strength, -seniority_value(view.people[pid].seniority), pid)

    return [view.people[i] for i in sorted(ids, key=key)]


def _advise_coverage(view: _View) -> str:
    dms = [p.id for p in view.people.values() if p.decides]
    if not any(i in view.engaged for i in dms):
        if not dms:
            return "No decision maker known: find out who signs off" + _ask(view)
        dm = _reachable_first(view, dms)[0]
        if any(d.contact_id == dm.id for d in view.active):
            return f"No decision maker engaged: {dm.label} has not answered yet; follow up"
        return f"No decision maker engaged: reach {dm.label}{_through(view, dm)}"
    if len(view.engaged) <= 1:
        others = _reachable_first(view, set(view.people) - view.engaged)
        thread = names(view.by_engagement(view.engaged))
        if not others:
            return f"Single-threaded on {thread}: add more people of this account"
        return f"Single-threaded on {thread}: widen to {names(others, 2)}"
    if not view.engaged & view.champions:
        lead = view.by_engagement(view.engaged)[0]
        return f"No champion: {lead.label} engages most; make them the champion"
    rest = _reachable_first(view, set(view.people) - view.engaged)
    return f"Engage more people: {names(rest, 2)}" if rest else "Keep every thread warm"


def _ask(view: _View) -> str:
    engaged = view.by_engagement(view.engaged)
    return f"; ask {engaged[0].label}" if engaged else ""


def _best_person(view: _View) -> Person | None:
    """Whom to work first: an engaged decision maker, a decision maker, the most engaged."""
    if not view.people:
        return None
    ranked = sorted(
        view.people.values(),
        key=lambda p: (
            -(p.decides and p.id in view.engaged),
            -p.decides,
            -view.sigs[p.id].points,
            -p.is_primary,
            p.id,
        ),
    )
    return ranked[0]


def _advise_engagement(view: _View) -> str:
    waiting = [p for p in view.people.values() if unanswered_recent(view.sigs[p.id], view.as_of)]
    if waiting:
        return (
            f"Low engagement: {names(waiting)} left recent touches unanswered;"
            " try another channel (call, LinkedIn) or a sharper subject"
        )
    silent = [
        p for p in view.people.values() if view.sigs[p.id].outbound and not view.sigs[p.id].two_way
    ]
    if silent:
        return f"Low engagement: no reply ever from {names(silent)}; try a warm intro or a call"
    best = _best_person(view)
    who = best.label if best else "someone at the account"
    return f"Low engagement: start a conversation with {who} and ask for a reply"


def _advise_momentum(view: _View) -> str:
    recent = sum(s.recent for s in view.sigs.values())
    before = sum(s.before for s in view.sigs.values()) / 2
    fading = [
        p for p in view.people.values() if view.sigs[p.id].before and not view.sigs[p.id].recent
    ]
    if recent > before:
        lively = view.by_engagement(p for p, s in view.sigs.items() if s.recent)
        return f"Momentum is building: keep a weekly cadence with {names(lively)}"
    if fading:
        return f"Momentum is slowing: re-engage {names(fading)}, active 1-3 months ago"
    best = _best_person(view)
    who = best.label if best else "the account"
    return f"No momentum: plan a touch this week with {who}"


def _advise_pipeline(view: _View) -> str:
    if not view.active:
        best = _best_person(view)
        who = best.label if best else "someone at the account"
        return f"No active conversation: open one with {who}"
    deal = max(view.active, key=lambda d: (TIER_VALUES.get(_norm(d.qualification_tier), 0.0),))
    person = view.people.get(deal.contact_id)
    who = person.label if person else f"contact #{deal.contact_id}"
    return f"Pipeline is {deal.qualification_tier} at best: qualify further with {who}"


def _advise_recency(view: _View) -> str:
    last = last_two_way(view)
    if last is None:
        best = _best_person(view)
        who = best.label if best else "anyone at the account"
        return f"No two-way touch yet: get a first reply from {who}"
    person, at = last
    return (
        f"Last two-way touch {days_between(at, view.as_of):.0f} days ago: "
        f"follow up with {person.label}"
    )


ADVICE = {
    "engagement": _advise_engagement,
    "coverage": _advise_coverage,
    "pipeline": _advise_pipeline,
    "momentum": _advise_momentum,
    "recency": _advise_recency,
}


def recommendations_for(view: _View, components: Mapping[str, float], limit: int = 3) -> list[str]:
    """Advice for the weakest components below 80, the weakest (then heaviest) first."""
    weak = sorted(
        (name for name, score in components.items() if score < STATUS_BANDS[0][0]),
        key=lambda name: (components[name], -WEIGHTS[name], name),
    )
    return [ADVICE[name](view) for name in weak[:limit]]


def health_score(account: Account, as_of: datetime) -> HealthScore:
    """Account health 0-100: a weighted sum of five components, each with its reasons.

    >>> from datetime import timedelta
    >>> now = datetime(2024, 6, 1, tzinfo=UTC)
    >>> acct = Account((Person(1, "Ann", is_decision_maker=True),),
    ...                (Touch(1, now - timedelta(days=5), replied_at=now - timedelta(days=4)),),
    ...                (Deal(1, qualification_tier="hot"),))
    >>> h = health_score(acct, now)
    >>> h.total == sum(h.components[k] * h.weights[k] for k in h.weights), h.status
    (True, 'good')
    """
    view = read_account(account, as_of)
    scored = {name: component(view) for name, component in COMPONENTS.items()}
    components = {name: score for name, (score, _) in scored.items()}
    total = sum(components[name] * WEIGHTS[name] for name in WEIGHTS)
    return HealthScore(
        total=total,
        status=status_for(total),
        components=components,
        weights=dict(WEIGHTS),
        reasons={name: reasons for name, (_, reasons) in scored.items()},
        recommendations=recommendations_for(view, components),
        checklist=checklist_of(view),
        as_of=view.as_of,
    )


# --- expansion ----------------------------------------------------------------------------


def expansion_priority(
    person: Person,
    *,
    closeness: float = 0.0,
    centrality: float = 0.0,
    uncovered: bool = False,
    unanswered: int = 0,
    via: str = "",
) -> Priority:
    """Priority 0-100 of reaching a person next, with a reason per part.

    `closeness` is the strength of the best warm path (0-1), `centrality` the person's
    PageRank over the account's top (0-1), `uncovered` whether they bring a buying role or
    decision power nobody engaged has, `unanswered` recent touches they left unanswered.

    >>> expansion_priority(Person(7, "Dr. Chen", True, seniority="c_level"), closeness=0.9).score
    62.5
    """
    if person.opted_out:
        return Priority(0.0, ["opted out: do not contact"])
    parts: list[tuple[float, str]] = []
    if person.decides:
        parts.append((PRIORITY_POINTS["decision_maker"], "decision maker"))
    rank = seniority_value(person.seniority)
    parts.append(
        (PRIORITY_POINTS["seniority"] * rank, f"seniority {person.seniority or 'unknown'}")
    )
    if uncovered:
        what = person.role or "decision power"
        parts.append((PRIORITY_POINTS["uncovered_role"], f"{what} not yet covered"))
    if closeness > 0:
        why = via or "a warm path"
        parts.append(
            (PRIORITY_POINTS["closeness"] * closeness, f"{why} (strength {closeness:.2f})")
        )
    if centrality > 0:
        parts.append((PRIORITY_POINTS["centrality"] * centrality, "place in the account's network"))
    if unanswered:
        penalty = min(UNANSWERED_PENALTY_CAP, UNANSWERED_PENALTY * unanswered)
        parts.append((-penalty, f"{unanswered} touches unanswered in the last 30 days"))
    raw = sum(points for points, _ in parts)
    # Half up to one decimal, like `whole`, so a reader's hand sum rounds the same way.
    score = math.floor(min(100.0, max(0.0, raw)) * 10 + 0.5) / 10
    return Priority(float(score), [f"{why} ({points:+.1f})" for points, why in parts if points])


def _covers(view: _View, warm: set[int]) -> tuple[set[str], bool]:
    """Buying roles already covered by warm people, and whether a decision maker is among them."""
    roles = {_norm(view.people[i].role) for i in warm if view.people[i].role}
    return roles, any(view.people[i].decides for i in warm)


def _target(
    view: _View, person: Person, rank: Mapping[int, float], covered: tuple[set[str], bool]
) -> Target:
    roles, dm_covered = covered
    uncovered = (person.decides and not dm_covered) or (
        bool(person.role) and _norm(person.role) not in roles
    )
    if person.id in view.engaged:
        closeness, via, path = 1.0, "already engaged", []
    else:
        path = view.paths.get(person.id, [])
        closeness = path_strength(view.graph, path) if len(path) > 1 else 0.0
        via = f"reachable through {names((view.people[i] for i in path[:-1]), 4)}" if path else ""
    priority = expansion_priority(
        person,
        closeness=closeness,
        centrality=rank.get(person.id, 0.0),
        uncovered=uncovered,
        unanswered=unanswered_recent(view.sigs[person.id], view.as_of),
        via=via,
    )
    return Target(person.id, priority.score, priority.reasons, path if len(path) > 1 else [])


def rank_targets(
    account: Account, primary_id: int, as_of: datetime, limit: int | None = 10
) -> list[Target]:
    """People in no open conversation (never the primary), best first, with intro paths."""
    view = read_account(account, as_of)
    # The primary contact is being worked already, so intros may start from them.
    view.also_warm = {primary_id} & set(view.people)
    busy = {primary_id} | {d.contact_id for d in view.active}
    covered = _covers(view, view.warm)
    rank = centrality(view.graph)
    candidates = [p for p in view.people.values() if p.id not in busy]
    targets = [_target(view, p, rank, covered) for p in candidates]
    targets.sort(key=lambda t: (-t.priority_score, t.contact_id))
    return targets if limit is None else targets[:limit]
