"""The five repositories: validated writes and common reads; they flush, the caller commits."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    func,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key
from sqlmodel import col

from abm import validation as v
from abm.errors import InvalidInputError, NotFoundError
from abm.models import (
    Channel,
    Company,
    CompanyStatus,
    Contact,
    Conversation,
    ConversationStatus,
    Direction,
    QualificationTier,
    Relationship,
    RelationshipType,
    Strength,
    Touchpoint,
)

T = TypeVar("T")
_CHILDREN = (Contact, Relationship, Conversation, Touchpoint)
DEFAULT_SEARCH_LIMIT = 20


def _escape_like(query: str) -> str:
    """The query as a literal ILIKE pattern fragment."""
    return query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# Advisory lock class of "one writer per account at a time" (any constant both sides share).
ACCOUNT_LOCK_KEY = 7_146_206

class _Repository:
    """What every repository shares: the session, savepoint writes, account locks."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _write(self, action: Callable[[], T]) -> T:
        """Run a write in a savepoint: on a database error nothing of it stays, and the
        caller's transaction survives; the error comes back named by field."""
        try:
            with self.session.begin_nested():
                result = action()
                self.session.flush()
        except (IntegrityError, DataError) as exc:
            raise v.translate_db_error(exc) from exc
        return result

    def _lock_companies(self, company_ids: Iterable[int]) -> list[int]:
        """Queue behind other repository writers of these accounts; return those that exist.

        The triggers lock rows upwards (contacts, conversations, companies), after the
        statement has locked its own rows. Locking the company row first here would be the
        reverse order against a plain-SQL writer, so repository writers queue on an advisory
        lock per account instead; KEY SHARE only keeps the account from being deleted.
        """
        rows = self.session.execute(
            text(
                "SELECT id, pg_advisory_xact_lock(:key, id) FROM ("
                " SELECT id FROM companies WHERE id = ANY(:ids) ORDER BY id FOR KEY SHARE) c"
            ),
            {"ids": list(company_ids), "key": ACCOUNT_LOCK_KEY},
        )
        return [int(row[0]) for row in rows]

    def _lock_by(self, table: str, ids: Iterable[int]) -> dict[int, int]:
        """Queue on the accounts of rows of `table`; map each row id to its company id."""
        rows = self.session.execute(
            text(
                "SELECT row_id, company_id, pg_advisory_xact_lock(:key, company_id) FROM ("
                f" SELECT t.id AS row_id, co.id AS company_id FROM {table} t"
                " JOIN companies co ON co.id = t.company_id"
                " WHERE t.id = ANY(:ids) ORDER BY co.id FOR KEY SHARE OF co) x"
            ),
            {"ids": list(ids), "key": ACCOUNT_LOCK_KEY},
        )
        return {int(row[0]): int(row[1]) for row in rows}

    def _expire(self, model: type[Any], *ids: int | None) -> None:
        """Expire rows the database changed behind the session (counters, derived fields)."""
        for id_ in ids:
            if id_ is None:
                continue
            instance = self.session.identity_map.get(identity_key(model, id_))
            if instance is not None:
                self.session.expire(instance)

    def _forget(self, key: str, id_: int) -> None:
        """Drop from the session the rows a cascade deleted in the database.

        Loaded rows are judged by `key`; expired ones (whose owner is not known without a
        query that would fail on a deleted row) are looked up, one query per table.
        """
        unsure: dict[type[Any], dict[Any, Any]] = {}
        for instance in list(self.session.identity_map.values()):
            state = sa_inspect(instance)
            if key not in state.dict and isinstance(instance, _CHILDREN):
                unsure.setdefault(type(instance), {})[state.identity[0]] = instance
            elif state.dict.get(key) == id_:
                self.session.expunge(instance)
        for model, instances in unsure.items():
            table = model.__table__  # type: ignore[attr-defined]
            alive = set(
                self.session.execute(
                    select(table.c.id).where(table.c.id.in_(list(instances)))
                ).scalars()
            )
            for row_id, instance in instances.items():
                if row_id not in alive:
                    self.session.expunge(instance)

    def _insert(self, row: T) -> T:
        self.session.add(row)
        self.session.flush()
        self.session.refresh(row)  # reads what the database derived
        return row

    def _apply(self, row: T, fields: dict[str, Any]) -> T:
        for name, value in fields.items():
            setattr(row, name, value)
        self.session.flush()
        self.session.refresh(row)
        return row

    def _all(self, statement: Select[Any]) -> list[Any]:
        return list(self.session.execute(statement).scalars().all())

    def _from_function(self, model: type[T], sql: str, **params: Any) -> list[T]:
        statement = select(model).from_statement(text(sql).bindparams(**params))
        return list(self.session.execute(statement).scalars().all())


def _fixed(entity: str, fields: dict[str, Any]) -> None:
    for name in v.FIXED_ON_UPDATE.get(entity, ()):
        if name in fields:
            raise InvalidInputError(name, "cannot be changed; create a new record instead")


# --- companies -----------------------------------------------------------------------------


class CompanyRepository(_Repository):
    """Accounts: create, read, search, update, delete (which cascades to everything below)."""

    def create_company(
        self,
        name: str,
        domain: str | None = None,
        industry: str | None = None,
        tier: int | None = None,
        status: str = CompanyStatus.TARGET,
        employee_count: int | None = None,
        **fields: Any,
    ) -> Company:
        """A new company; `fields` may hold any other column (sector, annual_revenue...)."""
        given = {
            "name": name,
            "domain": domain,
            "industry": industry,
            "tier": tier,
            "status": status,
            "employee_count": employee_count,
            **fields,
        }
        values = v.clean_fields("a company", v.COMPANY_FIELDS, given)
        return self._write(lambda: self._insert(Company(**values)))

    def get_company_by_id(self, id: int) -> Company | None:
        return self.session.get(Company, id)

    def get_company_by_domain(self, domain: str) -> Company | None:
        """The company of a domain, given in any form ("https://www.Acme.com/" finds acme.com)."""
        try:
            normalized = v.normalize_domain(domain)
        except InvalidInputError:
            return None
        if normalized is None:
            return None
        statement = select(Company).where(func.lower(col(Company.domain)) == normalized)
        return self.session.execute(statement).scalars().first()

    def update_company(self, id: int, **fields: Any) -> Company:
        values = v.clean_fields("a company", v.COMPANY_FIELDS, fields)

        def write() -> Company:
            if not self._lock_companies([id]):
                raise NotFoundError("company", id)
            company = self.session.get(Company, id)
            assert company is not None
            return self._apply(company, values)

        return self._write(write)

    def list_companies(
        self,
        tier: int | None = None,
        status: str | None = None,
        industry: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Company]:
        """Companies by tier, then name; each filter applies only when given."""
        limit, offset = v.check_page(limit, offset)
        statement = select(Company)
        if tier is not None:
            statement = statement.where(col(Company.tier) == v.COMPANY_FIELDS["tier"]("tier", tier))
        if status is not None:
            statement = statement.where(
                col(Company.status) == v.COMPANY_FIELDS["status"]("status", status)
            )
        if industry is not None:
            statement = statement.where(
                func.lower(col(Company.industry)) == industry.strip().lower()
            )
        statement = statement.order_by(
            col(Company.tier).asc().nulls_last(),
            func.lower(col(Company.name)),
            col(Company.id),
        )
        return self._all(statement.limit(limit).offset(offset))

    def search_companies(self, query: str, limit: int = DEFAULT_SEARCH_LIMIT) -> list[Company]:
        """Companies whose name or domain looks like `query`, best match first (pg_trgm)."""
        limit, _ = v.check_page(limit)
        query = (query or "").strip()
        if not query:
            return []
        pattern = f"%{_escape_like(query)}%"
        name = col(Company.name)
        domain = func.coalesce(col(Company.domain), "")
        score = func.greatest(
            func.similarity(name, query),
            func.word_similarity(query, name),
            func.similarity(domain, query),
        )
        matches = or_(
            name.op("%")(query),
            text(":q <% companies.name").bindparams(q=query),
            name.ilike(pattern),
            domain.ilike(pattern),
        )
        statement = (
            select(Company)
            .where(matches)
            .order_by(name.ilike(pattern).desc(), score.desc(), func.lower(name), col(Company.id))
            .limit(limit)
        )
        return self._all(statement)

    def delete_company(self, id: int) -> None:
        """Delete the company with its contacts, relationships, conversations and touches."""

        def write() -> None:
            if not self._lock_companies([id]):
                raise NotFoundError("company", id)
            company = self.session.get(Company, id)
            assert company is not None
            self.session.delete(company)

        self._write(write)
        self._forget("company_id", id)


# --- contacts ------------------------------------------------------------------------------


class ContactRepository(_Repository):
    """People at accounts."""

    def create_contact(
        self,
        company_id: int,
        first_name: str = "",
        last_name: str = "",
        email: str | None = None,
        title: str | None = None,
        role: str | None = None,
        seniority: str | None = None,
        is_decision_maker: bool = False,
        is_primary: bool = False,
        **fields: Any,
    ) -> Contact:
        """A new contact; `is_primary=True` makes them the account's one primary contact."""
        given = {
            "company_id": company_id,
            "first_name": first_name,
            "last_name": last_name,
            "email": email,
            "title": title,
            "role": role,
            "seniority": seniority,
            "is_decision_maker": is_decision_maker,
            "is_primary": is_primary,
            **fields,
        }
        values = v.clean_fields("a contact", v.CONTACT_FIELDS, given)
        v.check_contact_identity(values["first_name"], values["last_name"], values["email"])

        def write() -> Contact:
            if not self._lock_companies([values["company_id"]]):
                raise InvalidInputError("company_id", f"no company has id {company_id}")
            if values["is_primary"]:
                self._demote_primary(values["company_id"])
            return self._insert(Contact(**values))

        contact = self._write(write)
        self._expire(Company, contact.company_id)
        return contact

    def _demote_primary(self, company_id: int, keep: int | None = None) -> None:
        """An account has one primary contact: the new one replaces the old."""
        statement = update(Contact).where(
            col(Contact.company_id) == company_id, col(Contact.is_primary).is_(True)
        )
        if keep is not None:
            statement = statement.where(col(Contact.id) != keep)
        self.session.execute(statement.values(is_primary=False))

    def get_contact_by_id(self, id: int) -> Contact | None:
        return self.session.get(Contact, id)

    def get_contact_by_email(self, email: str) -> Contact | None:
        """The contact of an address, compared case-insensitively."""
        if not isinstance(email, str) or not email.strip():
            return None
        statement = select(Contact).where(func.lower(col(Contact.email)) == email.strip().lower())
        return self.session.execute(statement).scalars().first()

    def _of_company(self, company_id: int, *conditions: ColumnElement[bool]) -> list[Contact]:
        statement = (
            select(Contact)
            .where(col(Contact.company_id) == company_id, *conditions)
            .order_by(
                col(Contact.is_primary).desc(),
                col(Contact.is_decision_maker).desc(),
                func.lower(col(Contact.last_name)),
                func.lower(col(Contact.first_name)),
                col(Contact.id),
            )
        )
        return self._all(statement)

    def find_contacts_by_company(self, company_id: int) -> list[Contact]:
        """The account's contacts: primary first, then decision makers, then by name."""
        return self._of_company(company_id)

    def find_contacts_by_role(self, company_id: int, role: str) -> list[Contact]:
        """Contacts of the account with this buying role (any case or spelling of a word)."""
        cleaned = v.CONTACT_FIELDS["role"]("role", role)
        if cleaned is None:
            return []
        return self._of_company(company_id, func.lower(col(Contact.role)) == cleaned.lower())

    def find_decision_makers(self, company_id: int) -> list[Contact]:
        return self._of_company(company_id, col(Contact.is_decision_maker).is_(True))

    def find_primary_contact(self, company_id: int) -> Contact | None:
        found = self._of_company(company_id, col(Contact.is_primary).is_(True))
        return found[0] if found else None

    def update_contact(self, id: int, **fields: Any) -> Contact:
        """Change fields; a new `company_id` moves the contact with its conversations."""
        values = v.clean_fields("a contact", v.CONTACT_FIELDS, fields)

        def write() -> Contact:
            accounts = self._lock_by("contacts", [id])
            if id not in accounts:
                raise NotFoundError("contact", id)
            old_company = accounts[id]
            new_company = values.get("company_id", old_company)
            if new_company != old_company and not self._lock_companies([new_company]):
                raise InvalidInputError("company_id", f"no company has id {new_company}")
            contact = self.session.get(Contact, id)
            assert contact is not None
            merged = {k: values.get(k, getattr(contact, k)) for k in ("first_name", "last_name")}
            v.check_contact_identity(
                merged["first_name"], merged["last_name"], values.get("email", contact.email)
            )
            if values.get("is_primary"):
                self._demote_primary(new_company, keep=id)
            return self._apply(contact, values)

        contact = self._write(write)
        self._expire_after_move(contact, fields)
        return contact

    def _expire_after_move(self, contact: Contact, fields: dict[str, Any]) -> None:
        if "company_id" not in fields:
            return
        for instance in list(self.session.identity_map.values()):
            if isinstance(instance, Company | Conversation | Touchpoint | Relationship):
                self.session.expire(instance)

    def search_contacts(
        self, query: str, company_id: int | None = None, limit: int = DEFAULT_SEARCH_LIMIT
    ) -> list[Contact]:
        """Contacts whose name or email looks like `query`, best match first (pg_trgm)."""
        limit, _ = v.check_page(limit)
        query = (query or "").strip()
        if not query:
            return []
        # The same expression as the trigram index contacts_name_trgm, so the index serves it.
        haystack = literal_column(
            "(contacts.first_name || ' ' || contacts.last_name || ' ' "
            "|| coalesce(contacts.email, ''))",
            String,
        )
        pattern = f"%{_escape_like(query)}%"
        score = func.greatest(
            func.similarity(haystack, query), func.word_similarity(query, haystack)
        )
        conditions: list[ColumnElement[bool]] = [
            or_(
                haystack.op("%")(query),
                func.word_similarity(query, haystack) >= 0.5,
                haystack.ilike(pattern),
            )
        ]
        if company_id is not None:
            conditions.append(col(Contact.company_id) == company_id)
        statement = (
            select(Contact)
            .where(*conditions)
            .order_by(haystack.ilike(pattern).desc(), score.desc(), col(Contact.id))
            .limit(limit)
        )
        return self._all(statement)

    def delete_contact(self, id: int) -> None:
        """Delete the contact with their relationships, conversations and touches."""

        def write() -> int:
            accounts = self._lock_by("contacts", [id])
            if id not in accounts:
                raise NotFoundError("contact", id)
            contact = self.session.get(Contact, id)
            assert contact is not None
            self.session.delete(contact)
            return accounts[id]

        company_id = self._write(write)
        self._expire(Company, company_id)
        self._forget("contact_id", id)


# --- relationships -------------------------------------------------------------------------


def _pair(a: int, b: int) -> ColumnElement[bool]:
    """Either order of the pair."""
    return or_(
        and_(col(Relationship.contact_id) == a, col(Relationship.related_contact_id) == b),
        and_(col(Relationship.contact_id) == b, col(Relationship.related_contact_id) == a),
    )


class RelationshipRepository(_Repository):
    """How contacts know each other; one row per pair, manager_of kept as reports_to."""

    def create_relationship(
        self,
        contact_id: int,
        related_contact_id: int,
        relationship_type: str = RelationshipType.COLLEAGUE,
        strength: str = Strength.MEDIUM,
        confidence: float = 1.0,
        **fields: Any,
    ) -> Relationship:
        """A relationship; `manager_of(B, A)` is stored as `reports_to(A, B)`."""
        given = {
            "contact_id": contact_id,
            "related_contact_id": related_contact_id,
            "relationship_type": relationship_type,
            "strength": strength,
            "confidence": confidence,
            **fields,
        }
        values = v.clean_fields("a relationship", v.RELATIONSHIP_FIELDS, given)
        if values["contact_id"] == values["related_contact_id"]:
            raise InvalidInputError("related_contact_id", "a contact cannot relate to themselves")
        if values["relationship_type"] == RelationshipType.MANAGER_OF:
            values["contact_id"], values["related_contact_id"] = (
                values["related_contact_id"],
                values["contact_id"],
            )
            values["relationship_type"] = RelationshipType.REPORTS_TO.value

        def write() -> Relationship:
            people = [values["contact_id"], values["related_contact_id"]]
            found = self._lock_by("contacts", people)
            for field in ("contact_id", "related_contact_id"):
                if values[field] not in found:
                    raise InvalidInputError(field, f"no contact has id {values[field]}")
            return self._insert(Relationship(**values))

        return self._write(write)

    def get_relationship_by_id(self, id: int) -> Relationship | None:
        return self.session.get(Relationship, id)

    def get_relationship(self, a: int, b: int) -> Relationship | None:
        """The relationship between two contacts, in either order."""
        statement = select(Relationship).where(_pair(a, b))
        return self.session.execute(statement).scalars().first()

    def check_relationship(self, a: int, b: int) -> bool:
        return self.get_relationship(a, b) is not None

    def get_contact_relationships(self, contact_id: int) -> list[Relationship]:
        """Every relationship the contact is in, on either side, strongest first."""
        return self._from_function(
            Relationship, "SELECT * FROM get_contact_relationships(:id)", id=contact_id
        )

    def get_colleagues(self, contact_id: int) -> list[Contact]:
        """The other contacts of the same account, those related to them first."""
        return self._from_function(Contact, "SELECT * FROM get_colleagues(:id)", id=contact_id)

    def update_relationship(self, id: int, **fields: Any) -> Relationship:
        """Change type, strength, confidence, source or notes (not the two people)."""
        _fixed("relationships", fields)
        values = v.clean_fields("a relationship", v.RELATIONSHIP_FIELDS, fields)

        def write() -> Relationship:
            if id not in self._lock_by("relationships", [id]):
                raise NotFoundError("relationship", id)
            row = self.session.get(Relationship, id)
            assert row is not None
            return self._apply(row, values)  # the trigger turns manager_of around

        return self._write(write)

    def delete_relationship(self, id: int) -> None:
        def write() -> None:
            if id not in self._lock_by("relationships", [id]):
                raise NotFoundError("relationship", id)
            row = self.session.get(Relationship, id)
            assert row is not None
            self.session.delete(row)

        self._write(write)


# --- conversations -------------------------------------------------------------------------


class ConversationRepository(_Repository):
    """Selling threads with one contact each; the account is the contact's."""

    def create_conversation(
        self,
        contact_id: int,
        subject: str | None = None,
        status: str = ConversationStatus.ACTIVE,
        qualification_tier: str = QualificationTier.WARM,
        next_followup_at: datetime | None = None,
        context: dict[str, Any] | None = None,
        **fields: Any,
    ) -> Conversation:
        given = {
            "contact_id": contact_id,
            "subject": subject,
            "status": status,
            "qualification_tier": qualification_tier,
            "next_followup_at": next_followup_at,
            "context": context,
            **fields,
        }
        if given.get("started_at") is None:
            given.pop("started_at", None)
        values = v.clean_fields("a conversation", v.CONVERSATION_FIELDS, given)

        def write() -> Conversation:
            accounts = self._lock_by("contacts", [values["contact_id"]])
            if values["contact_id"] not in accounts:
                raise InvalidInputError("contact_id", f"no contact has id {contact_id}")
            values["company_id"] = accounts[values["contact_id"]]
            return self._insert(Conversation(**values))

        conversation = self._write(write)
        self._expire(Company, conversation.company_id)
        return conversation

    def get_conversation_by_id(self, id: int) -> Conversation | None:
        return self.session.get(Conversation, id)

    def get_active_conversations(self, company_id: int) -> list[Conversation]:
        """The account's active conversations, next follow-up first."""
        return self._from_function(
            Conversation, "SELECT * FROM get_active_conversations(:id)", id=company_id
        )

    def _conversations(
        self, condition: ColumnElement[bool], status: str | None
    ) -> list[Conversation]:
        statement = select(Conversation).where(condition)
        if status is not None:
            cleaned = v.CONVERSATION_FIELDS["status"]("status", status)
            statement = statement.where(col(Conversation.status) == cleaned)
        order = (col(Conversation.started_at).desc(), col(Conversation.id).desc())
        return self._all(statement.order_by(*order))

    def get_conversations_by_contact(
        self, contact_id: int, status: str | None = None
    ) -> list[Conversation]:
        """The contact's conversations, newest first."""
        return self._conversations(col(Conversation.contact_id) == contact_id, status)

    def get_conversations_by_company(
        self, company_id: int, status: str | None = None
    ) -> list[Conversation]:
        """The account's conversations, newest first."""
        return self._conversations(col(Conversation.company_id) == company_id, status)

    def get_conversations_needing_followup(
        self, as_of: datetime | None = None, company_id: int | None = None
    ) -> list[Conversation]:
        """Active conversations whose follow-up is due at `as_of` (default now), most overdue
        first."""
        when = v.timestamp("as_of", as_of) or datetime.now(UTC)
        return self._from_function(
            Conversation,
            "SELECT * FROM get_conversations_needing_followup(:as_of, :company_id)",
            as_of=when,
            company_id=company_id,
        )

    def update_conversation(self, id: int, **fields: Any) -> Conversation:
        _fixed("conversations", fields)
        values = v.clean_fields("a conversation", v.CONVERSATION_FIELDS, fields)

        def write() -> Conversation:
            accounts = self._lock_by("conversations", [id])
            if id not in accounts:
                raise NotFoundError("conversation", id)
            conversation = self.session.get(Conversation, id)
            assert conversation is not None
            return self._apply(conversation, values)

        conversation = self._write(write)
        self._expire(Company, conversation.company_id)
        return conversation

    def update_conversation_status(
        self, id: int, status: str, outcome: str | None = None
    ) -> Conversation:
        """Move the conversation to `status`; closing ones get `closed_at` from the database."""
        fields: dict[str, Any] = {"status": status}
        if outcome is not None:
            fields["outcome"] = outcome
        return self.update_conversation(id, **fields)

    def update_conversation_context(self, id: int, updates: dict[str, Any]) -> Conversation:
        """Merge `updates` into the JSON context (top-level keys replaced, others kept)."""
        cleaned = v.json_object("updates", updates)

        def write() -> Conversation:
            if id not in self._lock_by("conversations", [id]):
                raise NotFoundError("conversation", id)
            # Merged in SQL so that concurrent merges of other keys are not lost.
            self.session.execute(
                update(Conversation)
                .where(col(Conversation.id) == id)
                .values(context=col(Conversation.context).op("||")(cleaned))
                .execution_options(synchronize_session=False)
            )
            conversation = self.session.get(Conversation, id)
            assert conversation is not None
            self.session.refresh(conversation)
            return conversation

        return self._write(write)

    def delete_conversation(self, id: int) -> None:
        """Delete the conversation with its touchpoints."""

        def write() -> Conversation:
            if id not in self._lock_by("conversations", [id]):
                raise NotFoundError("conversation", id)
            conversation = self.session.get(Conversation, id)
            assert conversation is not None
            self.session.delete(conversation)
            return conversation

        conversation = self._write(write)
        self._expire(Company, conversation.company_id)
        self._expire(Contact, conversation.contact_id)
        self._forget("conversation_id", id)


# --- touchpoints ---------------------------------------------------------------------------


class TouchpointRepository(_Repository):
    """Touches on every channel, and the email events of what we sent."""

    def create_touchpoint(
        self,
        conversation_id: int,
        channel: str,
        direction: str = Direction.OUTBOUND,
        occurred_at: datetime | None = None,
        subject: str | None = None,
        **fields: Any,
    ) -> Touchpoint:
        """A touch in a conversation; contact and account are the conversation's."""
        given = {
            "conversation_id": conversation_id,
            "channel": channel,
            "direction": direction,
            "occurred_at": occurred_at or datetime.now(UTC),
            "subject": subject,
            **fields,
        }
        values = v.clean_fields("a touchpoint", v.TOUCHPOINT_FIELDS, given)
        v.check_email_events(values["direction"], values)

        def write() -> Touchpoint:
            if values["conversation_id"] not in self._lock_by("conversations", [conversation_id]):
                raise InvalidInputError(
                    "conversation_id", f"no conversation has id {conversation_id}"
                )
            return self._insert(Touchpoint(**values))

        touchpoint = self._write(write)
        self._expire_parents(touchpoint)
        return touchpoint

    def _expire_parents(self, touchpoint: Touchpoint) -> None:
        self._expire(Conversation, touchpoint.conversation_id)
        self._expire(Contact, touchpoint.contact_id)

    def get_touchpoint_by_id(self, id: int) -> Touchpoint | None:
        return self.session.get(Touchpoint, id)

    def get_touchpoints(self, conversation_id: int) -> list[Touchpoint]:
        """The conversation's touches in the order they happened."""
        statement = (
            select(Touchpoint)
            .where(col(Touchpoint.conversation_id) == conversation_id)
            .order_by(col(Touchpoint.occurred_at), col(Touchpoint.id))
        )
        return self._all(statement)

    def get_touchpoint_history(
        self,
        contact_id: int | None = None,
        conversation_id: int | None = None,
        limit: int | None = None,
    ) -> list[Touchpoint]:
        """Touches of a contact and/or a conversation, newest first."""
        if limit is not None:
            limit, _ = v.check_page(limit)
        return self._from_function(
            Touchpoint,
            "SELECT * FROM get_touchpoint_history(:contact_id, :conversation_id, :limit)",
            contact_id=contact_id,
            conversation_id=conversation_id,
            limit=limit,
        )

    def get_engagement_metrics(
        self,
        conversation_id: int | None = None,
        contact_id: int | None = None,
        company_id: int | None = None,
    ) -> dict[str, float | int]:
        """Outbound emails sent, how many were opened, clicked, replied, and those rates."""
        row = (
            self.session.execute(
                text("SELECT * FROM get_engagement_metrics(:conversation, :contact, :company)"),
                {"conversation": conversation_id, "contact": contact_id, "company": company_id},
            )
            .mappings()
            .one()
        )
        counts = {key: int(row[key]) for key in ("sent", "opened", "clicked", "replied")}
        rates = {key: float(row[key]) for key in ("open_rate", "click_rate", "reply_rate")}
        return {**counts, **rates}

    def update_touchpoint(self, id: int, **fields: Any) -> Touchpoint:
        _fixed("touchpoints", fields)
        values = v.clean_fields("a touchpoint", v.TOUCHPOINT_FIELDS, fields)

        def write() -> Touchpoint:
            if id not in self._lock_by("touchpoints", [id]):
                raise NotFoundError("touchpoint", id)
            touchpoint = self.session.get(Touchpoint, id)
            assert touchpoint is not None
            merged = {k: values.get(k, getattr(touchpoint, k)) for k in v.EMAIL_EVENTS}
            v.check_email_events(values.get("direction", touchpoint.direction), merged)
            return self._apply(touchpoint, values)

        touchpoint = self._write(write)
        self._expire_parents(touchpoint)
        return touchpoint

    def delete_touchpoint(self, id: int) -> None:
        def write() -> Touchpoint:
            if id not in self._lock_by("touchpoints", [id]):
                raise NotFoundError("touchpoint", id)
            touchpoint = self.session.get(Touchpoint, id)
            assert touchpoint is not None
            self.session.delete(touchpoint)
            return touchpoint

        touchpoint = self._write(write)
        self._expire_parents(touchpoint)

    def record_email_sent(
        self,
        conversation_id: int,
        subject: str | None = None,
        sent_at: datetime | None = None,
        **fields: Any,
    ) -> Touchpoint:
        """An outbound email touch (content, external_id... may come in `fields`)."""
        return self.create_touchpoint(
            conversation_id,
            Channel.EMAIL,
            Direction.OUTBOUND,
            occurred_at=sent_at,
            subject=subject,
            **fields,
        )

    def _record_event(self, touchpoint_id: int, event: str, at: datetime | None) -> Touchpoint:
        when = v.timestamp("at", at) or datetime.now(UTC)

        def write() -> Touchpoint:
            if touchpoint_id not in self._lock_by("touchpoints", [touchpoint_id]):
                raise NotFoundError("touchpoint", touchpoint_id)
            touchpoint = self.session.get(Touchpoint, touchpoint_id)
            assert touchpoint is not None
            if touchpoint.direction != Direction.OUTBOUND:
                raise InvalidInputError(
                    "direction", f"only an outbound touchpoint can be {event.removesuffix('_at')}"
                )
            return self._apply(touchpoint, {event: when})

        touchpoint = self._write(write)
        self._expire_parents(touchpoint)
        return touchpoint

    def record_email_opened(self, touchpoint_id: int, at: datetime | None = None) -> Touchpoint:
        """Set when the email was opened (default now); no new touchpoint is made."""
        return self._record_event(touchpoint_id, "opened_at", at)

    def record_email_clicked(self, touchpoint_id: int, at: datetime | None = None) -> Touchpoint:
        return self._record_event(touchpoint_id, "clicked_at", at)

    def record_email_replied(self, touchpoint_id: int, at: datetime | None = None) -> Touchpoint:
        return self._record_event(touchpoint_id, "replied_at", at)


__all__: Sequence[str] = (
    "CompanyRepository",
    "ContactRepository",
    "ConversationRepository",
    "RelationshipRepository",
    "TouchpointRepository",
)
