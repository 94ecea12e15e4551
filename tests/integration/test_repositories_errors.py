"""Database errors come back as DuplicateError / InvalidInputError naming the field."""

# Model ids are `int | None` until flushed; these tests use flushed rows.
# mypy: disable-error-code="arg-type"

from __future__ import annotations

import pytest
from factories import make_company, make_contact, make_conversation, make_touchpoint
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from abm.errors import ABMError, DuplicateError, InvalidInputError
from abm.validation import translate_db_error


def _error_of(session: Session, sql: str, **params: object) -> ABMError:
    """Run SQL that the database refuses and translate its error."""
    with pytest.raises(DBAPIError) as raised, session.begin_nested():
        session.execute(text(sql), params)
    return translate_db_error(raised.value)


@pytest.mark.parametrize(
    ("sql", "field"),
    [
        ("INSERT INTO companies (name, tier) VALUES ('x', 9)", "tier"),
        ("INSERT INTO companies (name, status) VALUES ('x', 'bogus')", "status"),
        ("INSERT INTO companies (name) VALUES ('  ')", "name"),
        ("INSERT INTO companies (name, domain) VALUES ('x', 'Not A Domain')", "domain"),
        ("INSERT INTO companies (name, employee_count) VALUES ('x', -1)", "employee_count"),
        ("INSERT INTO companies (name) VALUES (NULL)", "name"),
        ("INSERT INTO contacts (company_id, first_name) VALUES (2000000000, 'x')", "company_id"),
    ],
)
def test_company_and_contact_rules_name_their_field(session: Session, sql: str, field: str) -> None:
    error = _error_of(session, sql)
    assert isinstance(error, InvalidInputError)
    assert error.field == field


def test_child_rules_name_their_field(session: Session) -> None:
    company = make_company(session, domain="errors-dup.com")
    a, b = make_contact(session, company), make_contact(session, company)
    talk = make_conversation(session, a)
    touch = make_touchpoint(session, talk)
    cases = [
        (f"INSERT INTO contacts (company_id) VALUES ({company.id})", "email"),
        (f"UPDATE contacts SET email = 'bad' WHERE id = {a.id}", "email"),
        (f"UPDATE contacts SET preferred_channel = 'fax' WHERE id = {a.id}", "preferred_channel"),
        (
            f"INSERT INTO relationships (contact_id, related_contact_id) VALUES ({a.id}, {a.id})",
            "related_contact_id",
        ),
        (
            "INSERT INTO relationships (contact_id, related_contact_id, confidence)"
            f" VALUES ({a.id}, {b.id}, 3)",
            "confidence",
        ),
        (f"UPDATE conversations SET status = 'x' WHERE id = {talk.id}", "status"),
        (f"UPDATE conversations SET contact_id = {b.id} WHERE id = {talk.id}", "contact_id"),
        (f"UPDATE touchpoints SET direction = 'inbound' WHERE id = {touch.id}", "direction"),
    ]
    session.execute(
        text("UPDATE touchpoints SET opened_at = now() WHERE id = :id"), {"id": touch.id}
    )
    for sql, field in cases:
        error = _error_of(session, sql)
        assert isinstance(error, InvalidInputError), sql
        assert error.field == field, sql


def test_unique_keys_are_duplicates_naming_the_field(session: Session) -> None:
    company = make_company(session, domain="errors-uq.com")
    a, b = make_contact(session, company, email="uq@errors-uq.com"), make_contact(session, company)
    session.execute(
        text("INSERT INTO relationships (contact_id, related_contact_id) VALUES (:a, :b)"),
        {"a": a.id, "b": b.id},
    )
    cases = [
        ("INSERT INTO companies (name, domain) VALUES ('x', 'errors-uq.com')", "domain"),
        (
            f"INSERT INTO contacts (company_id, email) VALUES ({company.id}, 'UQ@errors-uq.com')",
            "email",
        ),
        (
            f"INSERT INTO relationships (contact_id, related_contact_id) VALUES ({b.id}, {a.id})",
            "related_contact_id",
        ),
        (f"UPDATE contacts SET is_primary = true WHERE company_id = {company.id}", "is_primary"),
    ]
    for sql, field in cases:
        error = _error_of(session, sql)
        assert isinstance(error, DuplicateError), sql
        assert error.field == field, sql
