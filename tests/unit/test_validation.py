"""abm.validation without a database: normalisation, vocabularies, ranges, field names."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from abm import validation as v
from abm.errors import InvalidInputError
from abm.models import CompanyStatus, RelationshipType

DB_DOMAIN = re.compile(r"^[a-z0-9.-]+\.[a-z0-9-]+$")  # the CHECK companies_domain_normalized


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://www.AcmeMedical.com/", "acmemedical.com"),
        ("acmemedical.com", "acmemedical.com"),
        ("  HTTP://acme.co.uk/path?q=1#top ", "acme.co.uk"),
        ("www.acme.com:8080", "acme.com"),
        ("acme.com.", "acme.com"),
        ("jane@acme.com", "acme.com"),
        ("münchen.de", "xn--mnchen-3ya.de"),
        ("", None),
        (None, None),
    ],
)
def test_normalize_domain(raw: str | None, expected: str | None) -> None:
    assert v.normalize_domain(raw) == expected


@pytest.mark.parametrize(
    "raw", ["not a domain", "localhost", "acme..com", "-acme.com", "1.2.3.4", "http://", "a_b.com"]
)
def test_normalize_domain_refuses_non_domains(raw: str) -> None:
    with pytest.raises(InvalidInputError) as error:
        v.normalize_domain(raw)
    assert error.value.field == "domain"


labels = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)


@given(
    st.lists(labels, min_size=1, max_size=3),
    st.sampled_from(["com", "org", "io", "co"]),
    st.sampled_from(["", "http://", "https://", "HTTPS://"]),
    st.booleans(),
    st.sampled_from(["", "/", "/about", "?x=1"]),
)
def test_any_written_form_of_a_domain_normalizes_to_it(
    parts: list[str], tld: str, scheme: str, www: bool, tail: str
) -> None:
    domain = ".".join([*parts, tld])
    if domain.startswith("www."):
        return
    written = f"{scheme}{'www.' if www else ''}{domain.upper()}{tail}"
    normalized = v.normalize_domain(written)
    assert normalized == domain
    assert DB_DOMAIN.match(normalized)
    assert v.normalize_domain(normalized) == normalized  # idempotent


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Jane.Doe@AcmeMedical.com", "jane.doe@acmemedical.com"),
        ("  bob@acme.com ", "bob@acme.com"),
        ("", None),
        (None, None),
    ],
)
def test_normalize_email(raw: str | None, expected: str | None) -> None:
    assert v.normalize_email(raw) == expected


@pytest.mark.parametrize(
    "raw", ["plainaddress", "a b@c.com", "a@b", "@acme.com", "a@@acme.com", 42]
)
def test_normalize_email_refuses_bad_addresses(raw: Any) -> None:
    with pytest.raises(InvalidInputError) as error:
        v.normalize_email(raw, field="work_email")
    assert error.value.field == "work_email"


def test_choice_accepts_any_case_and_refuses_other_words() -> None:
    clean = v.choice(CompanyStatus)
    assert clean("status", " Customer ") == "customer"
    assert clean("status", CompanyStatus.TARGET) == "target"
    for bad in ("client", None, "", 3):
        with pytest.raises(InvalidInputError) as error:
            clean("status", bad)
        assert error.value.field == "status"
    assert v.choice(RelationshipType, optional=True)("relationship_type", None) is None


@given(st.sampled_from(list(RelationshipType)))
def test_every_word_of_a_vocabulary_passes(word: RelationshipType) -> None:
    assert v.choice(RelationshipType)("t", word.value.upper()) == word.value


def test_integer_ranges() -> None:
    tier = v.COMPANY_FIELDS["tier"]
    assert [tier("tier", x) for x in (1, "2", 3.0, None)] == [1, 2, 3, None]
    for bad in (0, 4, "high", True, 2.5):
        with pytest.raises(InvalidInputError) as error:
            tier("tier", bad)
        assert error.value.field == "tier"
    with pytest.raises(InvalidInputError):
        v.COMPANY_FIELDS["employee_count"]("employee_count", 2**31)


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_fraction_accepts_exactly_zero_to_one(x: float) -> None:
    if 0 <= x <= 1:
        assert v.fraction("confidence", x) == x
    else:
        with pytest.raises(InvalidInputError):
            v.fraction("confidence", x)


def test_timestamps_are_aware_utc() -> None:
    naive = datetime(2024, 1, 2, 3, 4)
    assert v.timestamp("at", naive) == naive.replace(tzinfo=UTC)
    paris = datetime(2024, 1, 2, 5, 4, tzinfo=timezone(timedelta(hours=2)))
    assert v.timestamp("at", paris) == naive.replace(tzinfo=UTC)
    assert v.timestamp("at", paris).tzinfo is UTC  # type: ignore[union-attr]
    assert v.timestamp("at", "2024-01-02T03:04:00Z") == naive.replace(tzinfo=UTC)
    assert v.timestamp("at", date(2024, 1, 2)) == datetime(2024, 1, 2, tzinfo=UTC)
    for bad in ("soon", 12345):
        with pytest.raises(InvalidInputError) as error:
            v.timestamp("next_followup_at", bad)
        assert error.value.field == "next_followup_at"


def test_clean_fields_normalizes_and_names_unknown_fields() -> None:
    cleaned = v.clean_fields(
        "a company",
        v.COMPANY_FIELDS,
        {"name": " Acme ", "domain": "WWW.ACME.COM", "status": "Customer", "industry": ""},
    )
    assert cleaned == {"name": "Acme", "domain": "acme.com", "status": "customer", "industry": None}
    with pytest.raises(InvalidInputError) as error:
        v.clean_fields("a company", v.COMPANY_FIELDS, {"contact_count": 3})
    assert error.value.field == "contact_count"


@pytest.mark.parametrize(
    ("schema", "field", "value"),
    [
        (v.COMPANY_FIELDS, "name", "   "),
        (v.COMPANY_FIELDS, "research_data", ["a"]),
        (v.CONTACT_FIELDS, "is_decision_maker", None),
        (v.CONTACT_FIELDS, "interests", [1, 2]),
        (v.CONTACT_FIELDS, "company_id", 0),
        (v.RELATIONSHIP_FIELDS, "strength", "mighty"),
        (v.CONVERSATION_FIELDS, "qualification_tier", "tepid"),
        (v.TOUCHPOINT_FIELDS, "direction", "both"),
        (v.TOUCHPOINT_FIELDS, "duration_minutes", -1),
    ],
)
def test_each_bad_value_names_its_field(schema: dict[str, Any], field: str, value: Any) -> None:
    with pytest.raises(InvalidInputError) as error:
        v.clean_fields("a record", schema, {field: value})
    assert error.value.field == field


def test_suggested_vocabulary_keeps_free_text() -> None:
    role = v.CONTACT_FIELDS["role"]
    assert role("role", "Technical Buyer") == "technical_buyer"
    assert role("role", "Head of IT") == "Head of IT"
    assert role("role", " ") is None


def test_contact_identity_and_email_events() -> None:
    v.check_contact_identity("", "", "a@b.com")
    v.check_contact_identity("Ann", "", None)
    with pytest.raises(InvalidInputError) as error:
        v.check_contact_identity("", "", None)
    assert error.value.field == "email"
    v.check_email_events("outbound", {"opened_at": datetime.now(UTC)})
    with pytest.raises(InvalidInputError) as error:
        v.check_email_events("inbound", {"clicked_at": datetime.now(UTC)})
    assert error.value.field == "clicked_at"


class _Diag:
    def __init__(self, constraint: str | None, column: str | None, table: str | None) -> None:
        self.constraint_name = constraint
        self.column_name = column
        self.table_name = table
        self.message_primary = "refused"


class _Orig(Exception):
    def __init__(self, sqlstate: str, diag: _Diag) -> None:
        super().__init__("refused")
        self.sqlstate = sqlstate
        self.diag = diag


@pytest.mark.parametrize(
    ("sqlstate", "constraint", "column", "table", "kind", "field"),
    [
        ("23505", "companies_domain_key", None, "companies", "DuplicateError", "domain"),
        ("23505", "contacts_email_key", None, "contacts", "DuplicateError", "email"),
        ("23505", "relationships_pair_key", None, "relationships", "DuplicateError",
         "related_contact_id"),
        ("23514", "companies_tier_range", None, "companies", "InvalidInputError", "tier"),
        ("23514", "conversations_qualification_tier_vocabulary", None, "conversations",
         "InvalidInputError", "qualification_tier"),
        ("23503", "contacts_company_id_fkey", None, "contacts", "InvalidInputError",
         "company_id"),
        ("23502", None, "name", "companies", "InvalidInputError", "name"),
        ("23514", "touchpoints_conversation_fixed", "conversation_id", "touchpoints",
         "InvalidInputError", "conversation_id"),
    ],
)  # fmt: skip
def test_translate_db_error_names_the_field(
    sqlstate: str, constraint: str | None, column: str | None, table: str, kind: str, field: str
) -> None:
    from sqlalchemy.exc import IntegrityError

    exc = IntegrityError("stmt", {}, _Orig(sqlstate, _Diag(constraint, column, table)))
    error = v.translate_db_error(exc)
    assert type(error).__name__ == kind
    assert error.field == field  # type: ignore[attr-defined]
