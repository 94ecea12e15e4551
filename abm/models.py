"""SQLModel tables and vocabularies of the ABM workspace: one module, every table."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


class CompanyStatus(StrEnum):
    PROSPECT = "prospect"
    TARGET = "target"
    ENGAGED = "engaged"
    CUSTOMER = "customer"
    CHURNED = "churned"
    DISQUALIFIED = "disqualified"


class QualificationTier(StrEnum):
    SCORCHING = "scorching"
    HOT = "hot"
    WARM = "warm"
    COOL = "cool"
    COLD = "cold"


class ConversationStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    WON = "won"
    LOST = "lost"
    CLOSED = "closed"


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    CALL = "call"
    LINKEDIN = "linkedin"
    MEETING = "meeting"
    OTHER = "other"


class Direction(StrEnum):
    OUTBOUND = "outbound"
    INBOUND = "inbound"


class RelationshipType(StrEnum):
    COLLEAGUE = "colleague"
    REPORTS_TO = "reports_to"
    MANAGER_OF = "manager_of"
    PEER = "peer"
    MENTOR = "mentor"
    FORMER_COLLEAGUE = "former_colleague"
    REFERRED_BY = "referred_by"


class Strength(StrEnum):
    WEAK = "weak"
    MEDIUM = "medium"
    STRONG = "strong"


class BuyingRole(StrEnum):
    """Suggested values of `Contact.role`; the column takes free text, scoring reads these."""

    ECONOMIC_BUYER = "economic_buyer"
    DECISION_MAKER = "decision_maker"
    CHAMPION = "champion"
    TECHNICAL_BUYER = "technical_buyer"
    INFLUENCER = "influencer"
    USER = "user"
    GATEKEEPER = "gatekeeper"
    BLOCKER = "blocker"


class Seniority(StrEnum):
    """Suggested values of `Contact.seniority`; the column takes free text."""

    C_LEVEL = "c_level"
    VP = "vp"
    DIRECTOR = "director"
    MANAGER = "manager"
    SENIOR = "senior"
    ENTRY = "entry"


# Constraint names say table and rule, so an error can be traced back to the field at fault.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "%(table_name)s_%(column_0_N_name)s_key",
    "ck": "%(table_name)s_%(constraint_name)s",
    "fk": "%(table_name)s_%(column_0_name)s_fkey",
    "pk": "%(table_name)s_pkey",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def one_of(column: str, vocabulary: type[StrEnum]) -> sa.CheckConstraint:
    """CHECK that a text column holds a word of the vocabulary (the enum is the one truth)."""
    words = ", ".join(f"'{member.value}'" for member in vocabulary)
    return sa.CheckConstraint(f"{column} IN ({words})", name=f"{column}_vocabulary")


def _id(big: bool = False) -> Any:
    """An identity primary key: integers that read well in links (`?company=42`)."""
    return Field(
        default=None,
        sa_column=sa.Column(sa.BigInteger if big else sa.Integer, sa.Identity(), primary_key=True),
    )


def _timestamp() -> Any:
    return Field(
        default_factory=utcnow,
        sa_type=sa.DateTime(timezone=True),
        sa_column_kwargs={"server_default": sa.func.now()},
        nullable=False,
    )


def _when(**kwargs: Any) -> Any:
    """An optional timestamptz column."""
    return Field(default=None, sa_type=sa.DateTime(timezone=True), **kwargs)


def _counter() -> Any:
    return Field(default=0, sa_column_kwargs={"server_default": "0"}, nullable=False)


def _json(empty: str) -> Any:
    factory: Any = dict if empty == "{}" else list
    return Field(
        default_factory=factory,
        sa_type=JSONB,
        sa_column_kwargs={"server_default": sa.text(f"'{empty}'::jsonb")},
        nullable=False,
    )


def _text(default: str | None = None, **kwargs: Any) -> Any:
    if default is None:
        return Field(default=None, **kwargs)
    return Field(
        default=default, sa_column_kwargs={"server_default": default}, nullable=False, **kwargs
    )


def _flag() -> Any:
    return Field(default=False, sa_column_kwargs={"server_default": sa.false()}, nullable=False)


def _batch() -> Any:
    return Field(
        default=None,
        foreign_key="import_batches.id",
        ondelete="SET NULL",
        index=True,
    )


class ImportBatch(SQLModel, table=True):
    """One run of an import: what came in, how, and whether it was reverted."""

    __tablename__ = "import_batches"
    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('running', 'completed', 'failed', 'reverted')", name="status_vocabulary"
        ),
    )

    id: int | None = _id()
    entity: str
    filename: str | None = None
    preset: str = _text("native")
    mode: str = _text("create")
    status: str = _text("running")
    created_count: int = _counter()
    updated_count: int = _counter()
    rejected_count: int = _counter()
    summary: dict[str, Any] = _json("{}")
    created_at: datetime = _timestamp()
    finished_at: datetime | None = _when()
    reverted_at: datetime | None = _when()


class ImportChange(SQLModel, table=True):
    """A row an import created or updated, with its values before, so the import can be undone."""

    __tablename__ = "import_changes"
    __table_args__ = (
        sa.CheckConstraint("action IN ('created', 'updated')", name="action_vocabulary"),
    )

    id: int | None = _id()
    batch_id: int = Field(foreign_key="import_batches.id", ondelete="CASCADE", index=True)
    entity: str
    row_id: int = Field(sa_type=sa.BigInteger)
    action: str
    previous: dict[str, Any] | None = Field(default=None, sa_type=JSONB)


class Company(SQLModel, table=True):
    """An account: a company we target, with cached research and counts kept by the database."""

    __tablename__ = "companies"
    __table_args__ = (
        one_of("status", CompanyStatus),
        sa.CheckConstraint("tier BETWEEN 1 AND 3", name="tier_range"),
        sa.CheckConstraint("length(btrim(name)) > 0", name="name_not_blank"),
        sa.CheckConstraint(
            "domain = lower(domain) AND domain ~ '^[a-z0-9.-]+\\.[a-z0-9-]+$'",
            name="domain_normalized",
        ),
        sa.CheckConstraint("employee_count >= 0", name="employee_count_range"),
        sa.CheckConstraint("annual_revenue >= 0", name="annual_revenue_range"),
        sa.CheckConstraint("contact_count >= 0", name="contact_count_range"),
        sa.CheckConstraint(
            "active_conversation_count >= 0", name="active_conversation_count_range"
        ),
        sa.Index("companies_domain_key", sa.text("lower(domain)"), unique=True),
        sa.Index(
            "companies_name_trgm",
            "name",
            postgresql_using="gin",
            postgresql_ops={"name": "gin_trgm_ops"},
        ),
    )

    id: int | None = _id()
    name: str
    domain: str | None = None
    industry: str | None = Field(default=None, index=True)
    sector: str | None = None
    tier: int | None = Field(default=None, index=True)
    status: str = _text(CompanyStatus.TARGET.value, index=True)
    employee_count: int | None = None
    annual_revenue: int | None = Field(default=None, sa_type=sa.BigInteger)
    location: str | None = None
    owner: str | None = None
    description: str | None = None
    research_data: dict[str, Any] = _json("{}")
    research_updated_at: datetime | None = _when()
    contact_count: int = _counter()
    active_conversation_count: int = _counter()
    import_batch_id: int | None = _batch()
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()


class Contact(SQLModel, table=True):
    """A person at an account: who they are, how to reach them, how engaged they are."""

    __tablename__ = "contacts"
    __table_args__ = (
        sa.CheckConstraint(
            "email IS NOT NULL OR length(btrim(first_name || last_name)) > 0",
            name="email_or_name",
        ),
        sa.CheckConstraint(
            "email ~ '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$'", name="email_format"
        ),
        sa.CheckConstraint(
            "preferred_channel IN ('email', 'sms', 'call', 'linkedin', 'meeting', 'other')",
            name="preferred_channel_vocabulary",
        ),
        sa.CheckConstraint("engagement_points >= 0", name="engagement_points_range"),
        sa.Index("contacts_email_key", sa.text("lower(email)"), unique=True),
        sa.Index(
            "contacts_one_primary_per_company",
            "company_id",
            unique=True,
            postgresql_where=sa.text("is_primary"),
        ),
        sa.Index(
            "contacts_decision_makers",
            "company_id",
            postgresql_where=sa.text("is_decision_maker"),
        ),
        sa.Index(
            "contacts_name_trgm",
            sa.text("(first_name || ' ' || last_name || ' ' || coalesce(email, '')) gin_trgm_ops"),
            postgresql_using="gin",
        ),
    )

    id: int | None = _id()
    company_id: int = Field(foreign_key="companies.id", ondelete="CASCADE", index=True)
    first_name: str = _text("")
    last_name: str = _text("")
    email: str | None = None
    phone: str | None = None
    title: str | None = None
    department: str | None = None
    role: str | None = None
    seniority: str | None = None
    is_decision_maker: bool = _flag()
    is_primary: bool = _flag()
    linkedin_url: str | None = None
    location: str | None = None
    timezone: str | None = None
    interests: list[str] = _json("[]")
    communication_preferences: dict[str, Any] = _json("{}")
    preferred_channel: str | None = None
    opted_out: bool = _flag()
    notes: str | None = None
    # Kept by the touchpoint triggers; the score is derived from the points by the database.
    engagement_points: float = Field(
        default=0.0, sa_column_kwargs={"server_default": "0"}, nullable=False
    )
    engagement_score: float | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.Float,
            sa.Computed(
                "round((100 * (1 - exp(-least(engagement_points / 30.0, 700))))::numeric, 2)",
                persisted=True,
            ),
            nullable=False,
        ),
    )
    last_engaged_at: datetime | None = _when()
    import_batch_id: int | None = _batch()
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()

    @property
    def full_name(self) -> str:
        """The name to show: first and last name, else the email address."""
        name = f"{self.first_name or ''} {self.last_name or ''}".strip()
        return name or (self.email or "")


class Relationship(SQLModel, table=True):
    """How two contacts know each other; one row per pair, whatever the direction."""

    __tablename__ = "relationships"
    __table_args__ = (
        one_of("relationship_type", RelationshipType),
        one_of("strength", Strength),
        sa.CheckConstraint("confidence >= 0 AND confidence <= 1", name="confidence_range"),
        sa.CheckConstraint("contact_id <> related_contact_id", name="no_self_relationship"),
        sa.CheckConstraint("relationship_type <> 'manager_of'", name="manager_of_stored_reversed"),
        sa.Index(
            "relationships_pair_key",
            sa.text("least(contact_id, related_contact_id)"),
            sa.text("greatest(contact_id, related_contact_id)"),
            unique=True,
        ),
    )

    id: int | None = _id()
    contact_id: int = Field(foreign_key="contacts.id", ondelete="CASCADE", index=True)
    related_contact_id: int = Field(foreign_key="contacts.id", ondelete="CASCADE", index=True)
    # Taken from contact_id by a trigger: ties the row to its account for sharding and reads.
    company_id: int | None = Field(
        default=None, foreign_key="companies.id", ondelete="CASCADE", index=True, nullable=False
    )
    relationship_type: str = _text(RelationshipType.COLLEAGUE.value)
    strength: str = _text(Strength.MEDIUM.value)
    confidence: float = Field(default=1.0, sa_column_kwargs={"server_default": "1"})
    source: str | None = None
    notes: str | None = None
    import_batch_id: int | None = _batch()
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()


class Conversation(SQLModel, table=True):
    """A thread of selling with one contact: its state, qualification and context."""

    __tablename__ = "conversations"
    __table_args__ = (
        one_of("status", ConversationStatus),
        one_of("qualification_tier", QualificationTier),
        sa.CheckConstraint(
            "channel IN ('email', 'sms', 'call', 'linkedin', 'meeting', 'other')",
            name="channel_vocabulary",
        ),
        sa.CheckConstraint("touchpoint_count >= 0", name="touchpoint_count_range"),
        sa.Index(
            "conversations_active_by_company",
            "company_id",
            postgresql_where=sa.text("status = 'active'"),
        ),
        sa.Index(
            "conversations_followup_due",
            "next_followup_at",
            postgresql_where=sa.text("status = 'active' AND next_followup_at IS NOT NULL"),
        ),
    )

    id: int | None = _id()
    contact_id: int = Field(foreign_key="contacts.id", ondelete="CASCADE", index=True)
    # Taken from the contact by a trigger.
    company_id: int | None = Field(
        default=None, foreign_key="companies.id", ondelete="CASCADE", index=True, nullable=False
    )
    subject: str | None = None
    status: str = _text(ConversationStatus.ACTIVE.value)
    qualification_tier: str = _text(QualificationTier.WARM.value)
    channel: str | None = None
    owner: str | None = None
    next_followup_at: datetime | None = _when()
    context: dict[str, Any] = _json("{}")
    outcome: str | None = None
    started_at: datetime = _timestamp()
    closed_at: datetime | None = _when()
    touchpoint_count: int = _counter()
    last_touchpoint_at: datetime | None = _when()
    import_batch_id: int | None = _batch()
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()


class Touchpoint(SQLModel, table=True):
    """One touch on one channel, with its email engagement events when it was sent by us."""

    __tablename__ = "touchpoints"
    __table_args__ = (
        one_of("channel", Channel),
        one_of("direction", Direction),
        sa.CheckConstraint(
            "direction = 'outbound' OR (opened_at IS NULL AND clicked_at IS NULL"
            " AND replied_at IS NULL)",
            name="events_only_outbound",
        ),
        sa.CheckConstraint("duration_minutes >= 0", name="duration_minutes_range"),
        sa.Index("touchpoints_conversation_time", "conversation_id", "occurred_at"),
        sa.Index("touchpoints_contact_time", "contact_id", "occurred_at"),
        sa.Index("touchpoints_company_time", "company_id", "occurred_at"),
        sa.Index(
            "touchpoints_external_key",
            "contact_id",
            "external_id",
            unique=True,
            postgresql_where=sa.text("external_id IS NOT NULL"),
        ),
    )

    id: int | None = _id(big=True)
    conversation_id: int = Field(foreign_key="conversations.id", ondelete="CASCADE")
    # Both taken from the conversation by a trigger.
    contact_id: int | None = Field(
        default=None, foreign_key="contacts.id", ondelete="CASCADE", nullable=False
    )
    company_id: int | None = Field(
        default=None, foreign_key="companies.id", ondelete="CASCADE", nullable=False
    )
    channel: str
    direction: str = _text(Direction.OUTBOUND.value)
    occurred_at: datetime = _timestamp()
    subject: str | None = None
    content: str | None = None
    external_id: str | None = None
    duration_minutes: int | None = None
    delivered_at: datetime | None = _when()
    opened_at: datetime | None = _when()
    clicked_at: datetime | None = _when()
    replied_at: datetime | None = _when()
    details: dict[str, Any] = _json("{}")
    import_batch_id: int | None = _batch()
    created_at: datetime = _timestamp()
