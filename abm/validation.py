"""Validation and normalisation of repository input, and database errors named by field."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.exc import DBAPIError

from abm.errors import ABMError, DuplicateError, InvalidInputError
from abm.models import (
    BuyingRole,
    Channel,
    CompanyStatus,
    ConversationStatus,
    Direction,
    QualificationTier,
    RelationshipType,
    Seniority,
    Strength,
)

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
_DOMAIN_RE = re.compile(r"^[a-z0-9.-]+\.[a-z0-9-]+$")
_LABEL_RE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_SCHEME_RE = re.compile(r"^[a-z][a-z0-9+.-]*://")

Cleaner = Callable[[str, Any], Any]


# --- single values -------------------------------------------------------------------------


def normalize_domain(value: Any, field: str = "domain") -> str | None:
    """A bare lower-case host name: "https://www.AcmeMedical.com/x" -> "acmemedical.com".

    >>> normalize_domain("https://www.AcmeMedical.com/")
    'acmemedical.com'
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInputError(field, f"must be text, got {type(value).__name__}")
    host = value.strip().lower()
    if not host:
        return None
    host = _SCHEME_RE.sub("", host)
    # Whatever follows the host (path, query, fragment) is not part of the domain.
    host = re.split(r"[/?#]", host, maxsplit=1)[0]
    host = host.rsplit("@", 1)[-1]  # user@host forms and email addresses
    host = host.split(":", 1)[0].strip().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise InvalidInputError(field, f"{value!r} is not a valid domain") from exc
    labels = host.split(".")
    if (
        not _DOMAIN_RE.match(host)
        or len(host) > 253
        or not all(_LABEL_RE.match(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise InvalidInputError(field, f"{value!r} is not a valid domain")
    return host


def normalize_email(value: Any, field: str = "email") -> str | None:
    """A syntactically valid address in lower case; blank gives None.

    >>> normalize_email(" Jane.Doe@AcmeMedical.com ")
    'jane.doe@acmemedical.com'
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInputError(field, f"must be text, got {type(value).__name__}")
    text = value.strip()
    if not text:
        return None
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidInputError(field, f"{text!r} is not a valid email address: {exc}") from exc
    return result.normalized.lower()


def choice(vocabulary: type[StrEnum], *, optional: bool = False) -> Cleaner:
    """A cleaner accepting a word of the vocabulary, any case, surrounding spaces ignored."""
    words = [member.value for member in vocabulary]

    def clean(field: str, value: Any) -> str | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            if optional:
                return None
            raise InvalidInputError(field, f"is required, one of {', '.join(words)}")
        if not isinstance(value, str):
            raise InvalidInputError(field, f"must be one of {', '.join(words)}")
        word = value.strip().lower()
        if word not in words:
            raise InvalidInputError(field, f"{value!r} is not one of {', '.join(words)}")
        return word

    return clean


def suggested(vocabulary: type[StrEnum]) -> Cleaner:
    """Free text, with the vocabulary's spelling when it names one of its words."""
    words = {member.value for member in vocabulary}

    def clean(field: str, value: Any) -> str | None:
        value = text(field, value)
        if value is None:
            return None
        key = re.sub(r"[\s-]+", "_", value.lower())
        return key if key in words else value

    return clean


def text(field: str, value: Any) -> str | None:
    """Optional text, stripped; blank gives None."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInputError(field, f"must be text, got {type(value).__name__}")
    stripped = value.strip()
    return stripped or None


def required_text(field: str, value: Any) -> str:
    """Text that must not be blank."""
    cleaned = text(field, value)
    if cleaned is None:
        raise InvalidInputError(field, "is required and cannot be blank")
    return cleaned


def name_part(field: str, value: Any) -> str:
    """A first or last name: text, possibly empty (contacts known only by email)."""
    return text(field, value) or ""


def integer(low: int | None = None, high: int = INT32_MAX, *, optional: bool = True) -> Cleaner:
    """A cleaner for an integer in [low, high]; digit strings are accepted."""

    def clean(field: str, value: Any) -> int | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            if optional:
                return None
            raise InvalidInputError(field, "is required")
        if isinstance(value, bool):
            raise InvalidInputError(field, "must be a whole number, not a boolean")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
            value = int(value)
        if not isinstance(value, int):
            raise InvalidInputError(field, f"must be a whole number, got {value!r}")
        if (low is not None and value < low) or value > high:
            bounds = f"between {low} and {high}" if low is not None else f"at most {high}"
            raise InvalidInputError(field, f"must be {bounds}, got {value}")
        return value

    return clean


def identifier(field: str, value: Any) -> int:
    """A row id: a positive integer."""
    cleaned = integer(1, INT64_MAX, optional=False)(field, value)
    assert cleaned is not None
    return cleaned


def fraction(field: str, value: Any) -> float:
    """A number in [0, 1], such as a confidence."""
    if isinstance(value, bool) or value is None:
        raise InvalidInputError(field, "must be a number between 0 and 1")
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(field, f"must be a number between 0 and 1, got {value!r}") from exc
    if math.isnan(number) or not 0.0 <= number <= 1.0:
        raise InvalidInputError(field, f"must be between 0 and 1, got {value!r}")
    return number


def flag(field: str, value: Any) -> bool:
    """A boolean; None is refused so that a flag is never unknown."""
    if not isinstance(value, bool):
        raise InvalidInputError(field, f"must be true or false, got {value!r}")
    return value


def timestamp(field: str, value: Any) -> datetime | None:
    """A timezone-aware UTC datetime; naive datetimes and ISO strings are read as UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise InvalidInputError(field, f"{value!r} is not an ISO date and time") from exc
    elif isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if not isinstance(value, datetime):
        raise InvalidInputError(field, f"must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def required_timestamp(field: str, value: Any) -> datetime:
    """A timestamp that must be given."""
    cleaned = timestamp(field, value)
    if cleaned is None:
        raise InvalidInputError(field, "is required")
    return cleaned


def json_object(field: str, value: Any) -> dict[str, Any]:
    """A JSON object (dict with text keys); None gives an empty one."""
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise InvalidInputError(field, "must be a mapping with text keys")
    return dict(value)


def text_list(field: str, value: Any) -> list[str]:
    """A list of non-blank strings, such as interests; a comma-separated string is split."""
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise InvalidInputError(field, "must be a list of text")
    return [item.strip() for item in value if item.strip()]


def optional_id(field: str, value: Any) -> int | None:
    """An optional reference to another row."""
    return None if value is None else identifier(field, value)


def _domain(field: str, value: Any) -> str | None:
    return normalize_domain(value, field)


def _email(field: str, value: Any) -> str | None:
    return normalize_email(value, field)


# --- whole records -------------------------------------------------------------------------

COMPANY_FIELDS: dict[str, Cleaner] = {
    "name": required_text,
    "domain": _domain,
    "industry": text,
    "sector": text,
    "tier": integer(1, 3),
    "status": choice(CompanyStatus),
    "employee_count": integer(0),
    "annual_revenue": integer(0, INT64_MAX),
    "location": text,
    "owner": text,
    "description": text,
    "research_data": json_object,
    "research_updated_at": timestamp,
    "import_batch_id": optional_id,
}

CONTACT_FIELDS: dict[str, Cleaner] = {
    "company_id": identifier,
    "first_name": name_part,
    "last_name": name_part,
    "email": _email,
    "phone": text,
    "title": text,
    "department": text,
    "role": suggested(BuyingRole),
    "seniority": suggested(Seniority),
    "is_decision_maker": flag,
    "is_primary": flag,
    "linkedin_url": text,
    "location": text,
    "timezone": text,
    "interests": text_list,
    "communication_preferences": json_object,
    "preferred_channel": choice(Channel, optional=True),
    "opted_out": flag,
    "notes": text,
    "import_batch_id": optional_id,
}

RELATIONSHIP_FIELDS: dict[str, Cleaner] = {
    "contact_id": identifier,
    "related_contact_id": identifier,
    "relationship_type": choice(RelationshipType),
    "strength": choice(Strength),
    "confidence": fraction,
    "source": text,
    "notes": text,
    "import_batch_id": optional_id,
}

CONVERSATION_FIELDS: dict[str, Cleaner] = {
    "contact_id": identifier,
    "subject": text,
    "status": choice(ConversationStatus),
    "qualification_tier": choice(QualificationTier),
    "channel": choice(Channel, optional=True),
    "owner": text,
    "next_followup_at": timestamp,
    "context": json_object,
    "outcome": text,
    "started_at": required_timestamp,
    "closed_at": timestamp,
    "import_batch_id": optional_id,
}

TOUCHPOINT_FIELDS: dict[str, Cleaner] = {
    "conversation_id": identifier,
    "channel": choice(Channel),
    "direction": choice(Direction),
    "occurred_at": required_timestamp,
    "subject": text,
    "content": text,
    "external_id": text,
    "duration_minutes": integer(0),
    "delivered_at": timestamp,
    "opened_at": timestamp,
    "clicked_at": timestamp,
    "replied_at": timestamp,
    "details": json_object,
    "import_batch_id": optional_id,
}

# Fields that identify a row's owner: fixed once written (contacts may move account).
FIXED_ON_UPDATE = {
    "relationships": {"contact_id", "related_contact_id"},
    "conversations": {"contact_id"},
    "touchpoints": {"conversation_id"},
}

EMAIL_EVENTS = ("opened_at", "clicked_at", "replied_at")


def clean_fields(
    entity: str, schema: Mapping[str, Cleaner], fields: Mapping[str, Any]
) -> dict[str, Any]:
    """Validate and normalise `fields` by `schema`; an unknown name is refused by name."""
    cleaned: dict[str, Any] = {}
    for name, value in fields.items():
        cleaner = schema.get(name)
        if cleaner is None:
            raise InvalidInputError(name, f"is not a field {entity} can be given")
        cleaned[name] = cleaner(name, value)
    return cleaned


def check_contact_identity(first_name: str, last_name: str, email: str | None) -> None:
    """A contact needs an email or a name."""
    if email is None and not (first_name or last_name):
        raise InvalidInputError("email", "a contact needs an email address or a name")


def check_email_events(direction: str, values: Mapping[str, Any]) -> None:
    """Opened, clicked and replied belong to mail we sent, never to inbound touches."""
    if direction == Direction.INBOUND:
        for event in EMAIL_EVENTS:
            if values.get(event) is not None:
                raise InvalidInputError(event, "only an outbound touchpoint can have this event")


def check_page(limit: Any, offset: Any = 0) -> tuple[int, int]:
    """A valid limit and offset for a list query."""
    clean_limit = integer(0, INT32_MAX, optional=False)("limit", limit)
    clean_offset = integer(0, INT64_MAX, optional=False)("offset", offset)
    assert clean_limit is not None and clean_offset is not None
    return clean_limit, clean_offset


# --- database errors -----------------------------------------------------------------------

# Constraints whose rule does not spell the field: constraint name -> (field, message).
_CONSTRAINT_FIELDS: dict[str, tuple[str, str]] = {
    "companies_domain_key": ("domain", "another company already has this domain"),
    "contacts_email_key": ("email", "another contact already has this email address"),
    "contacts_one_primary_per_company": ("is_primary", "the company has a primary contact"),
    "contacts_email_or_name": ("email", "a contact needs an email address or a name"),
    "relationships_pair_key": ("related_contact_id", "these contacts are already related"),
    "relationships_no_self_relationship": (
        "related_contact_id",
        "a contact cannot relate to themselves",
    ),
    "relationships_manager_of_stored_reversed": ("relationship_type", "stored as reports_to"),
    "touchpoints_external_key": ("external_id", "this contact already has this external id"),
    "touchpoints_events_only_outbound": ("direction", "only outbound touches have events"),
    "companies_name_not_blank": ("name", "is required and cannot be blank"),
    "companies_domain_normalized": ("domain", "is not a normalised domain"),
}
_DUPLICATE_SQLSTATE = "23505"
_RULE_SUFFIXES = ("_vocabulary", "_range", "_format", "_fkey", "_key", "_not_blank", "_fixed")


def _field_of(constraint: str | None, column: str | None, table: str | None) -> str:
    """The field a constraint guards: its column, or its name less table and rule."""
    if column:
        return column
    if not constraint:
        return "unknown"
    name = constraint
    if table and name.startswith(f"{table}_"):
        name = name[len(table) + 1 :]
    for suffix in _RULE_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def translate_db_error(exc: DBAPIError) -> ABMError:
    """The DuplicateError or InvalidInputError that a database error means."""
    orig = exc.orig
    diag = getattr(orig, "diag", None)
    constraint = getattr(diag, "constraint_name", None)
    column = getattr(diag, "column_name", None)
    table = getattr(diag, "table_name", None)
    detail = getattr(diag, "message_primary", None) or str(orig).splitlines()[0]
    sqlstate = getattr(orig, "sqlstate", None)
    known = _CONSTRAINT_FIELDS.get(constraint or "")
    field, message = known if known else (_field_of(constraint, column, table), detail)
    if sqlstate == _DUPLICATE_SQLSTATE:
        return DuplicateError(field, message)
    if constraint and constraint.endswith("_fkey"):
        message = f"refers to a row that does not exist ({detail})"
    return InvalidInputError(field, message)
