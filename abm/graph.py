"""CompanyGraph: one account's people and relationships as a networkx graph, and what it tells."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import networkx as nx
import sqlalchemy as sa
from sqlmodel import Session, col, select

from abm import scoring
from abm.errors import NotFoundError
from abm.models import Company, Contact, Conversation, Relationship, Touchpoint

RECENT_TOUCHPOINTS = 20
STRENGTH_ORDER = {"strong": 0, "medium": 1, "weak": 2}
# Only the columns scoring reads: thousands of touchpoints load as tuples, not ORM objects.
TOUCH_COLUMNS = [
    col(Touchpoint.contact_id),
    col(Touchpoint.occurred_at),
    col(Touchpoint.direction),
    col(Touchpoint.channel),
    col(Touchpoint.opened_at),
    col(Touchpoint.clicked_at),
    col(Touchpoint.replied_at),
]


@dataclass(frozen=True)
class AccountOverview:
    """An account at a glance: who is there, who decides, how they relate, what is open."""

    company: Company
    contacts: list[Contact]
    decision_makers: list[Contact]
    relationships: list[Relationship]
    active_conversations: list[Conversation]


@dataclass(frozen=True)
class ExpansionTarget:
    """A contact worth reaching next: why, how much, and through whom."""

    contact: Contact
    priority_score: float
    reasons: list[str]
    intro_path: list[int]


@dataclass(frozen=True)
class ConversationContext:
    """What to know before writing to a contact."""

    contact: Contact
    company: Company
    colleagues: list[Contact]
    active_conversations: list[Conversation]
    recent_touchpoints: list[Touchpoint]
    engagement: dict[str, float]


@dataclass
class _Snapshot:
    """One account read from the database: one query per kind of row."""

    company: Company
    contacts: list[Contact]
    relationships: list[Relationship]
    conversations: list[Conversation] = field(default_factory=list)
    touches: list[scoring.Touch] = field(default_factory=list)


def now_utc() -> datetime:
    """The default `as_of`."""
    return datetime.now(UTC)


def person_of(contact: Contact) -> scoring.Person:
    """A contact as plain data for scoring."""
    assert contact.id is not None
    return scoring.Person(
        id=contact.id,
        name=contact.full_name,
        is_decision_maker=contact.is_decision_maker,
        role=contact.role,
        seniority=contact.seniority,
        is_primary=contact.is_primary,
        opted_out=contact.opted_out,
    )


def tie_of(rel: Relationship) -> scoring.Tie:
    return scoring.Tie(
        rel.contact_id, rel.related_contact_id, rel.strength, rel.confidence, rel.relationship_type
    )


def deal_of(conv: Conversation) -> scoring.Deal:
    return scoring.Deal(
        conv.contact_id, conv.status, conv.qualification_tier, conv.started_at, conv.closed_at
    )


def account_of(snap: _Snapshot) -> scoring.Account:
    """The snapshot as plain data for scoring."""
    return scoring.Account(
        people=tuple(person_of(c) for c in snap.contacts),
        touches=tuple(snap.touches),
        deals=tuple(deal_of(c) for c in snap.conversations),
        ties=tuple(tie_of(r) for r in snap.relationships),
    )


def engagement_metrics(touches: Sequence[scoring.Touch], as_of: datetime) -> dict[str, float]:
    """Sent, opened, clicked, replied (outbound email) and their rates, events up to `as_of`."""
    sent = [t for t in touches if t.direction == "outbound" and t.channel == "email"]

    def count(attr: str) -> int:
        return sum(1 for t in sent if (at := getattr(t, attr)) is not None and at <= as_of)

    opened, clicked, replied = count("opened_at"), count("clicked_at"), count("replied_at")
    n = len(sent)
    return {
        "sent": n,
        "opened": opened,
        "clicked": clicked,
        "replied": replied,
        "open_rate": opened / n if n else 0.0,
        "click_rate": clicked / n if n else 0.0,
        "reply_rate": replied / n if n else 0.0,
    }


class CompanyGraph:
    """Reads one account through a Session and answers with networkx and `abm.scoring`."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # --- loading: one query per kind of row ------------------------------------------------

    def _company(self, company_id: int) -> Company:
        company = self.session.get(Company, company_id)
        if company is None:
            raise NotFoundError("company", company_id)
        return company

    def _contact(self, contact_id: int) -> Contact:
        contact = self.session.get(Contact, contact_id)
        if contact is None:
            raise NotFoundError("contact", contact_id)
        return contact

    def _contacts(self, company_id: int) -> list[Contact]:
        query = select(Contact).where(Contact.company_id == company_id).order_by(col(Contact.id))
        return list(self.session.exec(query))

    def _relationships(self, company_id: int, ids: set[int]) -> list[Relationship]:
        query = (
            select(Relationship)
            .where(Relationship.company_id == company_id)
            .order_by(col(Relationship.id))
        )
        # A tie to someone outside the account is not part of this account's graph.
        return [r for r in self.session.exec(query) if r.related_contact_id in ids]

    def _conversations(self, company_id: int, as_of: datetime) -> list[Conversation]:
        query = (
            select(Conversation)
            .where(Conversation.company_id == company_id, col(Conversation.started_at) <= as_of)
            .order_by(col(Conversation.id))
        )
        return list(self.session.exec(query))

    def _touches(self, as_of: datetime, **where: int) -> list[scoring.Touch]:
        # Seven columns are beyond sqlmodel.select's typed overloads: SQLAlchemy Core instead.
        query = sa.select(*TOUCH_COLUMNS).where(col(Touchpoint.occurred_at) <= as_of)
        for name, value in where.items():
            query = query.where(getattr(Touchpoint, name) == value)
        rows = self.session.execute(query.order_by(col(Touchpoint.id)))
        return [scoring.Touch(*row) for row in rows]

    def _snapshot(self, company_id: int, as_of: datetime | None, activity: bool) -> _Snapshot:
        company = self._company(company_id)
        contacts = self._contacts(company_id)
        ids = {c.id for c in contacts if c.id is not None}
        snap = _Snapshot(company, contacts, self._relationships(company_id, ids))
        if activity:
            moment = scoring.utc(as_of or now_utc())
            snap.conversations = self._conversations(company_id, moment)
            snap.touches = self._touches(moment, company_id=company_id)
        return snap

    def load_account(self, company_id: int, as_of: datetime | None = None) -> scoring.Account:
        """The account as plain data for `abm.scoring`, everything up to `as_of`."""
        return account_of(self._snapshot(company_id, as_of, activity=True))

    # --- the graph ---------------------------------------------------------------------------

    @staticmethod
    def _graph_of(snap: _Snapshot) -> nx.Graph:
        graph = nx.Graph(company_id=snap.company.id, company=snap.company.name)
        for contact in snap.contacts:
            graph.add_node(contact.id, **_node_attributes(contact))
        for rel in snap.relationships:
            attrs = scoring.edge_attributes(tie_of(rel))
            graph.add_edge(rel.contact_id, rel.related_contact_id, id=rel.id, **attrs)
        return graph

    def build_graph(self, company_id: int) -> nx.Graph:
        """Every contact of the account as a node (keyed by id), relationships as edges.

        Edge `weight` is strength times confidence (0-1); `cost` is -log(weight), the
        length under which the shortest path is the strongest chain of introductions.
        """
        return self._graph_of(self._snapshot(company_id, None, activity=False))

    def get_account_overview(self, company_id: int) -> AccountOverview:
        """The company, its contacts, decision makers, relationships and active conversations."""
        snap = self._snapshot(company_id, None, activity=False)
        active = select(Conversation).where(
            Conversation.company_id == company_id, Conversation.status == "active"
        )
        return AccountOverview(
            company=snap.company,
            contacts=snap.contacts,
            decision_makers=[c for c in snap.contacts if c.is_decision_maker],
            relationships=snap.relationships,
            active_conversations=list(self.session.exec(active.order_by(col(Conversation.id)))),
        )

    def find_intro_path(self, from_contact_id: int, to_contact_id: int) -> list[int] | None:
        """The strongest chain of relationships between two contacts, as ids, or None."""
        ends = self.session.exec(
            select(Contact.id, Contact.company_id).where(
                col(Contact.id).in_([from_contact_id, to_contact_id])
            )
        ).all()
        companies = {company for _, company in ends}
        # Unknown ids, or people of two accounts, have no chain within one account.
        if len(ends) != len({from_contact_id, to_contact_id}) or len(companies) != 1:
            return None
        snap = self._snapshot(companies.pop(), None, activity=False)
        path = scoring.strongest_path(self._graph_of(snap), from_contact_id, to_contact_id)
        return None if path is None else path.nodes

    def find_expansion_targets(
        self, primary_contact_id: int, limit: int | None = 10, as_of: datetime | None = None
    ) -> list[ExpansionTarget]:
        """Contacts of the account in no active conversation (never the primary), best first."""
        primary = self._contact(primary_contact_id)
        moment = scoring.utc(as_of or now_utc())
        snap = self._snapshot(primary.company_id, moment, activity=True)
        ranked = scoring.rank_targets(account_of(snap), primary_contact_id, moment, limit)
        by_id = {c.id: c for c in snap.contacts}
        return [
            ExpansionTarget(by_id[t.contact_id], t.priority_score, t.reasons, t.intro_path)
            for t in ranked
        ]

    def get_account_health_score(
        self, company_id: int, as_of: datetime | None = None
    ) -> scoring.HealthScore:
        """Health 0-100 with components, weights, status, reasons, checklist and advice."""
        moment = scoring.utc(as_of or now_utc())
        snap = self._snapshot(company_id, moment, activity=True)
        return scoring.health_score(account_of(snap), moment)

    def get_conversation_context(
        self, contact_id: int, as_of: datetime | None = None
    ) -> ConversationContext:
        """The contact, their company and colleagues, open conversations, touches, metrics."""
        contact = self._contact(contact_id)
        moment = scoring.utc(as_of or now_utc())
        snap = self._snapshot(contact.company_id, None, activity=False)
        conversations = self.session.exec(
            select(Conversation)
            .where(Conversation.contact_id == contact_id, col(Conversation.started_at) <= moment)
            .order_by(col(Conversation.id))
        ).all()
        return ConversationContext(
            contact=contact,
            company=snap.company,
            colleagues=_colleagues(contact_id, snap),
            active_conversations=[
                c for c in conversations if scoring.active_at(deal_of(c), moment)
            ],
            recent_touchpoints=self._recent_touchpoints(contact_id, moment),
            engagement=engagement_metrics(self._touches(moment, contact_id=contact_id), moment),
        )

    def _recent_touchpoints(self, contact_id: int, as_of: datetime) -> list[Touchpoint]:
        query = (
            select(Touchpoint)
            .where(Touchpoint.contact_id == contact_id, col(Touchpoint.occurred_at) <= as_of)
            .order_by(col(Touchpoint.occurred_at).desc(), col(Touchpoint.id).desc())
            .limit(RECENT_TOUCHPOINTS)
        )
        return list(self.session.exec(query))


def _node_attributes(contact: Contact) -> dict[str, Any]:
    return {
        "name": contact.full_name,
        "email": contact.email,
        "title": contact.title,
        "role": contact.role,
        "seniority": contact.seniority,
        "is_decision_maker": contact.is_decision_maker,
        "is_primary": contact.is_primary,
        "opted_out": contact.opted_out,
        "engagement_score": float(contact.engagement_score or 0.0),
        "last_engaged_at": contact.last_engaged_at,
    }


def _colleagues(contact_id: int, snap: _Snapshot) -> list[Contact]:
    """The other people of the account: related ones first, strongest tie first."""
    ties: dict[int, Relationship] = {}
    for rel in snap.relationships:
        if contact_id in (rel.contact_id, rel.related_contact_id):
            other = rel.related_contact_id if rel.contact_id == contact_id else rel.contact_id
            ties[other] = rel

    def key(c: Contact) -> tuple[int, int, float, int]:
        rel = ties.get(c.id or 0)
        rank = STRENGTH_ORDER.get(rel.strength, 3) if rel else 4
        return (rel is None, rank, -float(c.engagement_score or 0.0), c.id or 0)

    return sorted((c for c in snap.contacts if c.id != contact_id), key=key)
