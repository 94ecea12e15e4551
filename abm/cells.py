"""CSV cells: reading one typed value from text, and keeping formulas out of spreadsheets."""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable
from datetime import UTC, datetime

from abm import validation
from abm.errors import InvalidInputError
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

# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets.
_FORMULA_START = re.compile(r"^'*[=+\-@\t\r]")


def neutralize(cell: str) -> str:
    """Prefix a quote so no spreadsheet runs the cell; quotes already there get one more."""
    return "'" + cell if _FORMULA_START.match(cell) else cell


def unneutralize(cell: str) -> str:
    """Undo `neutralize`: an export read back gives the original text."""
    if cell.startswith("'") and _FORMULA_START.match(cell):
        return cell[1:]
    return cell


def _key(word: str) -> str:
    return re.sub(r"[^a-z0-9]", "", word.lower())


_ACTIVE_STAGES = (
    "open in progress appointmentscheduled qualifiedtobuy presentationscheduled "
    "decisionmakerboughtin contractsent prospecting qualification needsanalysis "
    "valueproposition iddecisionmakers perceptionanalysis proposalpricequote negotiationreview"
)
# CRM spellings of our words, keyed by _key: "Closed Won" -> won, "Phone" -> call.
SYNONYMS: dict[str, dict[str, str]] = {
    "channel": {
        "phone": "call", "phonecall": "call", "calls": "call", "mail": "email", "emails": "email",
        "listemail": "email", "incomingemail": "email", "text": "sms", "textmessage": "sms",
        "linkedinmessage": "linkedin", "inmail": "linkedin", "meetings": "meeting",
        "note": "other", "task": "other", "notes": "other", "tasks": "other",
    },
    "direction": {
        "out": "outbound", "outgoing": "outbound", "sent": "outbound", "in": "inbound",
        "incoming": "inbound", "received": "inbound", "incomingemail": "inbound",
        "forwardedemail": "outbound",
    },
    "conversation_status": {
        "closedwon": "won", "closedlost": "lost", **dict.fromkeys(_ACTIVE_STAGES.split(), "active"),
    },
}

_VOCABULARIES = {
    "company_status": CompanyStatus,
    "conversation_status": ConversationStatus,
    "qualification_tier": QualificationTier,
    "channel": Channel,
    "direction": Direction,
    "relationship_type": RelationshipType,
    "strength": Strength,
}

_TRUE = {"true", "t", "yes", "y", "1", "x", "checked", "on"}
_FALSE = {"false", "f", "no", "n", "0", "unchecked", "off"}
_US_FORMATS = ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y %I:%M %p", "%m/%d/%Y")
_UTC_ISO = re.compile(r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d{1,6})?)?(Z|\+00:?00)$")


def _vocabulary(kind: str) -> Callable[[str], str]:
    words = {member.value for member in _VOCABULARIES[kind]}
    by_key = {_key(word): word for word in words} | SYNONYMS.get(kind, {})

    def read(cell: str) -> str:
        word = by_key.get(_key(cell))
        if word is None:
            raise InvalidInputError(kind, f"{cell!r} is not one of {', '.join(sorted(words))}")
        return word

    return read


@functools.lru_cache(maxsize=65536)
def read_email(cell: str) -> str:
    """A lower-case valid address (cached: a file names the same people many times)."""
    email = validation.normalize_email(cell)
    assert email is not None
    return email


@functools.lru_cache(maxsize=65536)
def read_domain(cell: str) -> str:
    domain = validation.normalize_domain(cell)
    assert domain is not None
    return domain


def read_int(cell: str) -> str:
    digits = cell.replace(",", "").replace("_", "").replace(" ", "")
    if digits.endswith(".0"):
        digits = digits[:-2]
    if not re.fullmatch(r"[+-]?\d+", digits):
        raise InvalidInputError("int", f"{cell!r} is not a whole number")
    number = int(digits)
    if number < 0 or number > validation.INT64_MAX:
        raise InvalidInputError("int", f"{cell!r} is out of range")
    return str(number)


def read_tier(cell: str) -> str:
    """1 to 3, also as HubSpot writes it ("tier_1", "Tier 1")."""
    match = re.fullmatch(r"(?:tier)?\s*[_ -]?\s*([0-9]+)", cell.strip().lower())
    if not match or match.group(1) not in {"1", "2", "3"}:
        raise InvalidInputError("tier", f"{cell!r} is not a tier from 1 to 3")
    return match.group(1)


def read_float(cell: str) -> str:
    try:
        number = float(cell)
    except ValueError as exc:
        raise InvalidInputError("float", f"{cell!r} is not a number") from exc
    if not math.isfinite(number):
        raise InvalidInputError("float", f"{cell!r} is not a finite number")
    return repr(number)


def read_fraction(cell: str) -> str:
    number = float(read_float(cell))
    if not 0.0 <= number <= 1.0:
        raise InvalidInputError("float", f"{cell!r} is not between 0 and 1")
    return repr(number)


def read_bool(cell: str) -> str:
    word = cell.strip().lower()
    if word in _TRUE:
        return "true"
    if word in _FALSE:
        return "false"
    raise InvalidInputError("bool", f"{cell!r} is not true or false")


def read_timestamp(cell: str) -> str:
    """An ISO 8601 UTC timestamp; naive times and US dates (as CRMs export) are read as UTC."""
    if _UTC_ISO.match(cell):
        try:
            datetime.fromisoformat(cell)  # the shape is right; is the date real?
            return cell
        except ValueError:
            pass
    try:
        moment = datetime.fromisoformat(cell)
    except ValueError:
        moment = _us_date(cell)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


def _us_date(cell: str) -> datetime:
    for pattern in _US_FORMATS:
        try:
            return datetime.strptime(cell, pattern)
        except ValueError:
            continue
    raise InvalidInputError("timestamp", f"{cell!r} is not a date and time (use ISO 8601)")


def read_json(cell: str) -> str:
    try:
        json.loads(cell)
    except ValueError as exc:
        raise InvalidInputError("json", f"{cell[:40]!r} is not valid JSON: {exc}") from exc
    return cell


def read_list(cell: str) -> str:
    """A JSON list, or text split on ; or , (interests)."""
    if cell.startswith("["):
        value = json.loads(read_json(cell))
        if not isinstance(value, list):
            raise InvalidInputError("json", "must be a list")
        return cell
    items = [item.strip() for item in re.split(r"[;,]", cell) if item.strip()]
    return json.dumps(items)


def read_object(cell: str) -> str:
    if not isinstance(json.loads(read_json(cell)), dict):
        raise InvalidInputError("json", f"{cell[:40]!r} is not a JSON object")
    return cell


def _suggested(vocabulary: type[BuyingRole] | type[Seniority]) -> Callable[[str], str]:
    clean = validation.suggested(vocabulary)
    return lambda cell: clean("text", cell) or ""


READERS: dict[str, Callable[[str], str]] = {
    "text": lambda cell: cell,
    "email": read_email,
    "domain": read_domain,
    "int": read_int,
    "tier": read_tier,
    "float": read_float,
    "fraction": read_fraction,
    "bool": read_bool,
    "timestamp": read_timestamp,
    "json": read_object,
    "list": read_list,
    "role": _suggested(BuyingRole),
    "seniority": _suggested(Seniority),
    **{kind: _vocabulary(kind) for kind in _VOCABULARIES},
}


def reader_for(kind: str, name: str) -> Callable[[str], str]:
    """The reader of a column; its errors name the column, not the kind."""
    read = READERS[kind]

    def read_cell(cell: str) -> str:
        try:
            return read(cell)
        except InvalidInputError as exc:
            raise InvalidInputError(name, exc.message) from None

    return read_cell
