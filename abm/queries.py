"""Read models for the dashboard: set-based queries returning plain, picklable rows per panel."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col

from abm import scoring
from abm.charts import MapPerson, MapTie, TimelineTouch
from abm.graph import CompanyGraph
from abm.models import Company, Contact, Conversation, Relationship, Touchpoint
from abm.repositories import CompanyRepository

T = TypeVar("T")


def _columns(model: type[SQLModel]) -> Any:
    """A table's column collection: typed as SQL columns, not as Python attributes."""
    return model.__table__.c  # type: ignore[attr-defined]


COMPANIES = _columns(Company)
CONTACTS = _columns(Contact)
RELATIONSHIPS = _columns(Relationship)
CONVERSATIONS = _columns(Conversation)
TOUCHPOINTS = _columns(Touchpoint)

FOLLOWUP_GROUPS = ("Overdue", "Today", "This week", "Later")
HEALTH_BANDS = ("excellent", "good", "fair", "at_risk", "critical")


def _as_of(as_of: datetime | None) -> datetime:
    return scoring.utc(as_of or datetime.now(UTC))


def _make(cls: Callable[..., T], values: Sequence[Any], **extra: Any) -> T:
    """A row dataclass from a result row's values (and extra fields)."""
    return cls(*values, **extra)


def _full_name(first: str | None, last: str | None, email: str | None) -> str:
    """Contact.full_name for a row that is not an ORM object."""
    return f"{first or ''} {last or ''}".strip() or (email or "")


# --- health of many accounts at once ------------------------------------------------------


def _people(session: Session, ids: Sequence[int] | None) -> dict[int, list[scoring.Person]]:
    c = CONTACTS
    query = sa.select(
        c.company_id, c.id, c.first_name, c.last_name, c.email, c.is_decision_maker, c.role,
        c.seniority, c.is_primary, c.opted_out,
    ).order_by(col(c.id))  # fmt: skip
    if ids is not None:
        query = query.where(col(c.company_id).in_(ids))
    out: dict[int, list[scoring.Person]] = defaultdict(list)
    for row in session.execute(query):
        out[row.company_id].append(
            scoring.Person(
                row.id,
                _full_name(row.first_name, row.last_name, row.email),
                row.is_decision_maker,
                row.role,
                row.seniority,
                row.is_primary,
                row.opted_out,
            )
        )
    return out


def _by_company(
    session: Session, query: Any, column: Any, ids: Sequence[int] | None, make: Callable[..., T]
) -> dict[int, list[T]]:
    """Run `query` (company id first) for the accounts `ids` (all when None), grouped by account."""
    if ids is not None:
        query = query.where(col(column).in_(ids))
    out: dict[int, list[T]] = defaultdict(list)
    for row in session.execute(query):
        out[row[0]].append(make(*row[1:]))
    return out


def _ties(session: Session, ids: Sequence[int] | None) -> dict[int, list[scoring.Tie]]:
    r = RELATIONSHIPS
    query = sa.select(
        r.company_id, r.contact_id, r.related_contact_id, r.strength, r.confidence,
        r.relationship_type,
    ).order_by(col(r.id))  # fmt: skip
    return _by_company(session, query, r.company_id, ids, scoring.Tie)


def _deals(
    session: Session, ids: Sequence[int] | None, as_of: datetime
) -> dict[int, list[scoring.Deal]]:
    v = CONVERSATIONS
    query = (
        sa.select(
            v.company_id, v.contact_id, v.status, v.qualification_tier, v.started_at, v.closed_at
        )
        .where(col(v.started_at) <= as_of)
        .order_by(col(v.id))
    )
    return _by_company(session, query, v.company_id, ids, scoring.Deal)


def _touches(
    session: Session, ids: Sequence[int] | None, as_of: datetime
) -> dict[int, list[scoring.Touch]]:
    t = TOUCHPOINTS
    query = (
        sa.select(
            t.company_id,
            t.contact_id,
            t.occurred_at,
            t.direction,
            t.channel,
            t.opened_at,
            t.clicked_at,
            t.replied_at,
        )  # fmt: skip
        .where(col(t.occurred_at) <= as_of)
        .order_by(col(t.id))
    )
    return _by_company(session, query, t.company_id, ids, scoring.Touch)


def accounts_for_scoring(
    session: Session, company_ids: Sequence[int] | None = None, as_of: datetime | None = None
) -> dict[int, scoring.Account]:
    """Every account (or those given) as scoring's plain data, in four queries in all.

    Reads what `CompanyGraph` reads for one account: ties to people outside the account, and
    conversations or touches after `as_of`, are left out.
    """
    moment = _as_of(as_of)
    ids = list(company_ids) if company_ids is not None else None
    companies: list[int] = (
        ids if ids is not None else list(session.execute(sa.select(COMPANIES.id)).scalars())
    )
    people, ties = _people(session, ids), _ties(session, ids)
    deals, touches = _deals(session, ids, moment), _touches(session, ids, moment)
    accounts = {}
    for cid in companies:
        known = {p.id for p in people.get(cid, [])}
        accounts[cid] = scoring.Account(
            people=tuple(people.get(cid, [])),
            touches=tuple(touches.get(cid, [])),
            deals=tuple(deals.get(cid, [])),
            ties=tuple(t for t in ties.get(cid, []) if t.b in known),
        )
    return accounts


def health_scores(
    session: Session, company_ids: Sequence[int] | None = None, as_of: datetime | None = None
) -> dict[int, scoring.HealthScore]:
    """Health of every account (or those given), equal to CompanyGraph's one by one."""
    moment = _as_of(as_of)
    accounts = accounts_for_scoring(session, company_ids, moment)
    return {cid: scoring.health_score(account, moment) for cid, account in accounts.items()}


# --- portfolio ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PortfolioRow:
    """One account in the portfolio."""

    company_id: int
    name: str
    domain: str | None
    industry: str | None
    tier: int | None
    status: str
    owner: str | None
    contacts: int
    active_conversations: int
    last_touch_at: datetime | None
    followups_due: int
    health: float
    health_status: str


def portfolio(session: Session, as_of: datetime | None = None) -> list[PortfolioRow]:
    """Every account with its counts, last touch, due follow-ups and health, by name."""
    moment = _as_of(as_of)
    v = CONVERSATIONS
    activity = (
        sa.select(
            v.company_id,
            sa.func.max(v.last_touchpoint_at).label("last_touch_at"),
            sa.func.count()
            .filter(v.status == "active", col(v.next_followup_at) <= end_of_day(moment))
            .label("due"),
        )
        .group_by(v.company_id)
        .subquery()
    )
    co = COMPANIES
    query = (
        sa.select(
            co.id,
            co.name,
            co.domain,
            co.industry,
            co.tier,
            co.status,
            co.owner,
            co.contact_count,
            co.active_conversation_count,
            activity.c.last_touch_at,
            sa.func.coalesce(activity.c.due, 0),
        )  # fmt: skip
        .outerjoin(activity, activity.c.company_id == co.id)
        .order_by(sa.func.lower(co.name), co.id)
    )
    rows = session.execute(query).all()
    health = health_scores(session, None, moment)
    return [
        _make(PortfolioRow, row, health=health[row[0]].total, health_status=health[row[0]].status)
        for row in rows
    ]


def filter_portfolio(
    rows: Iterable[PortfolioRow],
    *,
    ids: Sequence[int] | None = None,
    tiers: Iterable[int] = (),
    statuses: Iterable[str] = (),
    industries: Iterable[str] = (),
    bands: Iterable[str] = (),
) -> list[PortfolioRow]:
    """Rows matching every filter given (an empty filter keeps all); `ids` keeps their order."""
    tiers, statuses, industries, bands = set(tiers), set(statuses), set(industries), set(bands)
    kept = [
        r
        for r in rows
        if (not tiers or r.tier in tiers)
        and (not statuses or r.status in statuses)
        and (not industries or r.industry in industries)
        and (not bands or r.health_status in bands)
    ]
    if ids is None:
        return kept
    by_id = {r.company_id: r for r in kept}
    return [by_id[i] for i in ids if i in by_id]


def _last_touch_key(row: PortfolioRow) -> float:
    return row.last_touch_at.timestamp() if row.last_touch_at else 0.0


PORTFOLIO_SORTS: dict[str, tuple[Callable[[PortfolioRow], Any], bool]] = {
    "Health, weakest first": (lambda r: (r.health, r.name.lower()), False),
    "Health, strongest first": (lambda r: (-r.health, r.name.lower()), False),
    "Name": (lambda r: (r.name.lower(), r.company_id), False),
    "Last touch, most recent first": (_last_touch_key, True),
    "Follow-ups due, most first": (lambda r: (-r.followups_due, r.health), False),
}


def sort_portfolio(rows: Iterable[PortfolioRow], by: str) -> list[PortfolioRow]:
    """Rows in one of the PORTFOLIO_SORTS orders."""
    key, descending = PORTFOLIO_SORTS[by]
    return sorted(rows, key=key, reverse=descending)


def band_counts(rows: Iterable[PortfolioRow]) -> dict[str, int]:
    """How many accounts fall in each health band, best band first."""
    counts = dict.fromkeys(HEALTH_BANDS, 0)
    for row in rows:
        counts[row.health_status] = counts.get(row.health_status, 0) + 1
    return counts


# --- follow-ups ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowupRow:
    """An active conversation with a follow-up date."""

    conversation_id: int
    subject: str | None
    qualification_tier: str
    status: str
    next_followup_at: datetime
    owner: str | None
    contact_id: int
    contact_name: str
    contact_title: str | None
    company_id: int
    company_name: str
    touchpoint_count: int
    last_touchpoint_at: datetime | None
    group: str = ""


def end_of_day(moment: datetime) -> datetime:
    """Midnight (UTC) after `moment`: 'today' ends there."""
    day = scoring.utc(moment).replace(hour=0, minute=0, second=0, microsecond=0)
    return day + timedelta(days=1)


def followup_group(due: datetime, as_of: datetime) -> str:
    """Overdue (before as_of), Today (by midnight UTC), This week (within 7 days), Later.

    >>> now = datetime(2024, 6, 3, 12, tzinfo=UTC)
    >>> [followup_group(now + timedelta(hours=h), now) for h in (-1, 5, 48, 24 * 9)]
    ['Overdue', 'Today', 'This week', 'Later']
    """
    due, as_of = scoring.utc(due), scoring.utc(as_of)
    if due < as_of:
        return "Overdue"
    if due < end_of_day(as_of):
        return "Today"
    return "This week" if due < as_of + timedelta(days=7) else "Later"


def followups(
    session: Session,
    as_of: datetime | None = None,
    company_id: int | None = None,
    owner: str | None = None,
) -> dict[str, list[FollowupRow]]:
    """Active conversations with a follow-up date, grouped and soonest first within a group."""
    moment = _as_of(as_of)
    v, c, co = CONVERSATIONS, CONTACTS, COMPANIES
    query = (
        sa.select(
            v.id,
            v.subject,
            v.qualification_tier,
            v.status,
            v.next_followup_at,
            v.owner,
            c.id,
            c.first_name,
            c.last_name,
            c.email,
            c.title,
            co.id,
            co.name,
            v.touchpoint_count,
            v.last_touchpoint_at,
        )  # fmt: skip
        .join(c.id.table, c.id == v.contact_id)
        .join(co.id.table, co.id == v.company_id)
        .where(v.status == "active", col(v.next_followup_at).is_not(None))
        .order_by(v.next_followup_at, v.id)
    )
    if company_id is not None:
        query = query.where(v.company_id == company_id)
    if owner:
        query = query.where(v.owner == owner)
    groups: dict[str, list[FollowupRow]] = {name: [] for name in FOLLOWUP_GROUPS}
    for row in session.execute(query):
        group = followup_group(row[4], moment)
        name = _full_name(row[7], row[8], row[9])
        groups[group].append(_make(FollowupRow, [*row[:7], name, *row[10:]], group=group))
    return groups


# --- one account --------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    """One touchpoint of an account or a contact, newest first in lists."""

    id: int
    occurred_at: datetime
    contact_id: int
    person: str
    channel: str
    direction: str
    subject: str | None
    opened_at: datetime | None
    clicked_at: datetime | None
    replied_at: datetime | None
    conversation_id: int
    conversation: str | None

    def touch(self) -> TimelineTouch:
        """The entry as the timeline chart draws it."""
        return TimelineTouch(
            occurred_at=self.occurred_at,
            person=self.person,
            channel=self.channel,
            direction=self.direction,
            subject=self.subject,
            opened=self.opened_at is not None,
            clicked=self.clicked_at is not None,
            replied=self.replied_at is not None,
            conversation=self.conversation,
        )


def timeline(
    session: Session,
    company_id: int | None = None,
    contact_id: int | None = None,
    as_of: datetime | None = None,
    limit: int | None = None,
) -> list[TimelineEntry]:
    """Touchpoints of an account and/or a contact up to `as_of`, newest first."""
    t, c, v = TOUCHPOINTS, CONTACTS, CONVERSATIONS
    query = (
        sa.select(
            t.id,
            t.occurred_at,
            c.id,
            c.first_name,
            c.last_name,
            c.email,
            t.channel,
            t.direction,
            t.subject,
            t.opened_at,
            t.clicked_at,
            t.replied_at,
            v.id,
            v.subject,
        )  # fmt: skip
        .join(c.id.table, c.id == t.contact_id)
        .join(v.id.table, v.id == t.conversation_id)
        .where(col(t.occurred_at) <= _as_of(as_of))
        .order_by(col(t.occurred_at).desc(), col(t.id).desc())
        .limit(limit)
    )
    if company_id is not None:
        query = query.where(t.company_id == company_id)
    if contact_id is not None:
        query = query.where(t.contact_id == contact_id)
    return [
        _make(TimelineEntry, [*r[:3], _full_name(r[3], r[4], r[5]), *r[6:]])
        for r in session.execute(query)
    ]


@dataclass(frozen=True)
class ConversationRow:
    """A conversation as the account and contact pages list it."""

    id: int
    subject: str | None
    status: str
    qualification_tier: str
    next_followup_at: datetime | None
    owner: str | None
    touchpoint_count: int
    last_touchpoint_at: datetime | None
    started_at: datetime
    contact_id: int
    contact_name: str


def conversations(
    session: Session, company_id: int | None = None, contact_id: int | None = None
) -> list[ConversationRow]:
    """Conversations of an account or a contact: active first, then by next follow-up."""
    v, c = CONVERSATIONS, CONTACTS
    query = (
        sa.select(
            v.id,
            v.subject,
            v.status,
            v.qualification_tier,
            v.next_followup_at,
            v.owner,
            v.touchpoint_count,
            v.last_touchpoint_at,
            v.started_at,
            c.id,
            c.first_name,
            c.last_name,
            c.email,
        )  # fmt: skip
        .join(c.id.table, c.id == v.contact_id)
        .order_by(
            (v.status != "active"),
            col(v.next_followup_at).asc().nulls_last(),
            col(v.last_touchpoint_at).desc().nulls_last(),
            v.id,
        )
    )
    if company_id is not None:
        query = query.where(v.company_id == company_id)
    if contact_id is not None:
        query = query.where(v.contact_id == contact_id)
    return [
        _make(ConversationRow, [*r[:10], _full_name(r[10], r[11], r[12])])
        for r in session.execute(query)
    ]


def company(session: Session, company_id: int) -> dict[str, Any] | None:
    """The account's own fields, or None when it does not exist."""
    row = session.get(Company, company_id)
    return None if row is None else row.model_dump()


def account_health(
    session: Session, company_id: int, as_of: datetime | None = None
) -> scoring.HealthScore:
    """The account's health with components, reasons, checklist and recommendations."""
    return CompanyGraph(session).get_account_health_score(company_id, as_of=as_of)


@dataclass(frozen=True)
class TargetRow:
    """An expansion target with its reasons and the named intro path."""

    contact_id: int
    name: str
    title: str | None
    role: str | None
    priority_score: float
    reasons: list[str]
    intro_path: list[int]
    intro_names: list[str]


@dataclass(frozen=True)
class AccountNetwork:
    """The relationship map's data and the expansion targets of an account."""

    people: list[MapPerson]
    ties: list[MapTie]
    targets: list[TargetRow] = field(default_factory=list)
    primary_id: int | None = None


def _map_people(session: Session, company_id: int) -> list[MapPerson]:
    c, v = CONTACTS, CONVERSATIONS
    active = (
        sa.select(v.contact_id)
        .where(v.company_id == company_id, v.status == "active")
        .distinct()
        .subquery()
    )
    query = (
        sa.select(
            c.id,
            c.first_name,
            c.last_name,
            c.email,
            c.title,
            c.role,
            c.seniority,
            c.engagement_score,
            c.is_decision_maker,
            c.is_primary,
            active.c.contact_id.is_not(None),
            c.opted_out,
        )  # fmt: skip
        .outerjoin(active, active.c.contact_id == c.id)
        .where(c.company_id == company_id)
        .order_by(c.id)
    )
    return [
        _make(MapPerson, [r[0], _full_name(r[1], r[2], r[3]), *r[4:7], float(r[7] or 0), *r[8:]])
        for r in session.execute(query)
    ]


def _map_ties(session: Session, company_id: int) -> list[MapTie]:
    r = RELATIONSHIPS
    query = (
        sa.select(
            r.contact_id,
            r.related_contact_id,
            r.relationship_type,
            r.strength,
            r.confidence,
            r.notes,
        )  # fmt: skip
        .where(r.company_id == company_id)
        .order_by(r.id)
    )
    return [MapTie(*row) for row in session.execute(query)]


def _primary(people: Sequence[MapPerson]) -> int | None:
    """The primary contact, else the most engaged person: where expansion starts from."""
    if not people:
        return None
    best = max(people, key=lambda p: (p.is_primary, p.in_conversation, p.engagement, -p.id))
    return best.id


def account_network(
    session: Session, company_id: int, as_of: datetime | None = None, limit: int = 10
) -> AccountNetwork:
    """People and ties for the map, and the best expansion targets with their intro paths."""
    people = _map_people(session, company_id)
    ties = _map_ties(session, company_id)
    primary = _primary(people)
    if primary is None:
        return AccountNetwork(people, ties)
    found = CompanyGraph(session).find_expansion_targets(primary, limit=limit, as_of=as_of)
    names = {p.id: p.name for p in people}
    targets = [
        TargetRow(
            t.contact.id or 0,
            t.contact.full_name,
            t.contact.title,
            t.contact.role,
            t.priority_score,
            list(t.reasons),
            list(t.intro_path),
            [names.get(i, f"#{i}") for i in t.intro_path],
        )
        for t in found
    ]
    return AccountNetwork(people, ties, targets, primary)


# --- one contact --------------------------------------------------------------------------


@dataclass(frozen=True)
class ColleagueRow:
    """Another person of the contact's account and how they relate to the contact."""

    contact_id: int
    name: str
    title: str | None
    role: str | None
    engagement: float
    relationship: str | None
    strength: str | None


@dataclass(frozen=True)
class ContactView:
    """What to know before writing to a contact."""

    contact: dict[str, Any]
    company: dict[str, Any]
    colleagues: list[ColleagueRow]
    conversations: list[ConversationRow]
    active_conversation_ids: list[int]
    recent: list[TimelineEntry]
    engagement: dict[str, float]


def _relation_word(kind: str, contact_is_source: bool) -> str:
    """How the other person stands to the contact, read in the right direction."""
    if kind == "reports_to":
        return "reports to them" if contact_is_source else "reports to this contact"
    if kind == "referred_by":
        return "referred this contact" if contact_is_source else "was referred by this contact"
    return kind.replace("_", " ")


def _ties_of(session: Session, contact_id: int) -> dict[int, tuple[str, str]]:
    r = RELATIONSHIPS
    query = sa.select(r.contact_id, r.related_contact_id, r.relationship_type, r.strength).where(
        sa.or_(r.contact_id == contact_id, r.related_contact_id == contact_id)
    )
    out = {}
    for a, b, kind, strength in session.execute(query):
        other = b if a == contact_id else a
        out[other] = (_relation_word(kind, a == contact_id), strength)
    return out


def contact_view(
    session: Session, contact_id: int, as_of: datetime | None = None, recent: int = 15
) -> ContactView | None:
    """The conversation context of a contact, as plain rows; None when the id is unknown."""
    if session.get(Contact, contact_id) is None:
        return None
    context = CompanyGraph(session).get_conversation_context(contact_id, as_of=as_of)
    ties = _ties_of(session, contact_id)
    colleagues = [
        ColleagueRow(
            c.id or 0,
            c.full_name,
            c.title,
            c.role,
            float(c.engagement_score or 0.0),
            *ties.get(c.id or 0, (None, None)),
        )
        for c in context.colleagues
    ]
    return ContactView(
        contact=context.contact.model_dump(),
        company=context.company.model_dump(),
        colleagues=colleagues,
        conversations=conversations(session, contact_id=contact_id),
        active_conversation_ids=[c.id or 0 for c in context.active_conversations],
        recent=timeline(session, contact_id=contact_id, as_of=as_of, limit=recent),
        engagement=dict(context.engagement),
    )


# --- pickers and search -------------------------------------------------------------------


def search_company_ids(session: Session, query: str, limit: int = 50) -> list[int]:
    """Ids of the accounts matching a fuzzy search, best match first."""
    return [c.id for c in CompanyRepository(session).search_companies(query, limit=limit) if c.id]


def company_choices(session: Session) -> list[tuple[int, str]]:
    """(id, name) of every account, by name: for pickers."""
    co = COMPANIES
    query = sa.select(co.id, co.name).order_by(sa.func.lower(co.name), co.id)
    return [(row[0], row[1]) for row in session.execute(query)]


def contact_choices(session: Session, company_id: int | None = None) -> list[tuple[int, str]]:
    """(id, "name · account") of contacts (of one account when given), by name: for pickers."""
    c, co = CONTACTS, COMPANIES
    query = (
        sa.select(c.id, c.first_name, c.last_name, c.email, co.name)
        .join(co.id.table, co.id == c.company_id)
        .order_by(sa.func.lower(c.first_name), sa.func.lower(c.last_name), c.id)
    )
    if company_id is not None:
        query = query.where(c.company_id == company_id)
    return [(r[0], f"{_full_name(r[1], r[2], r[3])} · {r[4]}") for r in session.execute(query)]
