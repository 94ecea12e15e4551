"""The database guards its own integrity against any writer, psql included."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from psycopg import errors as pg
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session


@pytest.fixture
def c(session: Session) -> Iterator[Connection]:
    """The rolled-back test connection, for plain SQL."""
    yield session.connection()


def _one(c: Connection, sql: str, /, **params: Any) -> Any:
    return c.execute(text(sql), params).scalar_one()


def _company(c: Connection, name: str = "Acme") -> int:
    return _one(c, "INSERT INTO companies (name) VALUES (:n) RETURNING id", n=name)


def _contact(c: Connection, company: int, email: str) -> int:
    return _one(
        c,
        "INSERT INTO contacts (company_id, email) VALUES (:co, :e) RETURNING id",
        co=company,
        e=email,
    )


def _conversation(c: Connection, contact: int) -> int:
    return _one(c, "INSERT INTO conversations (contact_id) VALUES (:c) RETURNING id", c=contact)


def _refused(
    c: Connection, sql: str, error: type[Exception], constraint: str | None, /, **params: Any
) -> None:
    """The statement fails with `error` naming `constraint`, and leaves nothing behind."""
    savepoint = c.begin_nested()
    with pytest.raises(DBAPIError) as raised:
        c.execute(text(sql), params)
    savepoint.rollback()
    assert isinstance(raised.value.orig, error), raised.value.orig
    if constraint is not None:
        assert raised.value.orig.diag.constraint_name == constraint  # type: ignore[attr-defined]


@pytest.fixture
def account(c: Connection) -> dict[str, int]:
    company = _company(c)
    a = _contact(c, company, "a@acme.example")
    b = _contact(c, company, "b@acme.example")
    return {"company": company, "a": a, "b": b, "conversation": _conversation(c, a)}


def test_a_psql_insert_with_required_columns_is_valid_and_counted(c: Connection) -> None:
    company = _company(c)
    contact = _contact(c, company, "only@acme.example")
    conversation = _conversation(c, contact)
    _one(
        c,
        "INSERT INTO touchpoints (conversation_id, channel) VALUES (:cv, 'email') RETURNING id",
        cv=conversation,
    )
    row = c.execute(
        text(
            "SELECT co.status, co.research_data, co.contact_count, co.active_conversation_count,"
            " ct.is_decision_maker, ct.interests, ct.engagement_score, cv.status,"
            " cv.qualification_tier, cv.touchpoint_count, cv.context, t.direction, t.details,"
            " co.created_at IS NOT NULL AND t.occurred_at IS NOT NULL"
            " FROM companies co JOIN contacts ct ON ct.company_id = co.id"
            " JOIN conversations cv ON cv.contact_id = ct.id"
            " JOIN touchpoints t ON t.conversation_id = cv.id WHERE co.id = :co"
        ),
        {"co": company},
    ).one()
    assert tuple(row) == (
        "target",
        {},
        1,
        1,
        False,
        [],
        0.0,
        "active",
        "warm",
        1,
        {},
        "outbound",
        {},
        True,
    )


def test_no_self_relationship(c: Connection, account: dict[str, int]) -> None:
    _refused(
        c,
        "INSERT INTO relationships (contact_id, related_contact_id) VALUES (:a, :a)",
        pg.CheckViolation,
        "relationships_no_self_relationship",
        a=account["a"],
    )


def test_no_reverse_duplicate_relationship(c: Connection, account: dict[str, int]) -> None:
    insert = "INSERT INTO relationships (contact_id, related_contact_id) VALUES (:a, :b)"
    c.execute(text(insert), {"a": account["a"], "b": account["b"]})
    _refused(
        c, insert, pg.UniqueViolation, "relationships_pair_key", a=account["b"], b=account["a"]
    )
    assert _one(c, "SELECT count(*) FROM relationships") == 1


def test_manager_of_is_stored_as_reports_to(c: Connection, account: dict[str, int]) -> None:
    row = c.execute(
        text(
            "INSERT INTO relationships (contact_id, related_contact_id, relationship_type)"
            " VALUES (:b, :a, 'manager_of')"
            " RETURNING contact_id, related_contact_id, relationship_type, company_id"
        ),
        {"a": account["a"], "b": account["b"]},
    ).one()
    assert tuple(row) == (account["a"], account["b"], "reports_to", account["company"])


@pytest.mark.parametrize(
    ("sql", "constraint"),
    [
        (
            "INSERT INTO companies (name, status) VALUES ('X', 'bogus')",
            "companies_status_vocabulary",
        ),
        ("INSERT INTO companies (name, tier) VALUES ('X', 4)", "companies_tier_range"),
        ("INSERT INTO companies (name, tier) VALUES ('X', 0)", "companies_tier_range"),
        ("INSERT INTO companies (name) VALUES ('   ')", "companies_name_not_blank"),
        (
            "INSERT INTO companies (name, domain) VALUES ('X', 'Acme.COM')",
            "companies_domain_normalized",
        ),
        (
            "INSERT INTO contacts (company_id, email) VALUES (:co, 'not-an-email')",
            "contacts_email_format",
        ),
        ("INSERT INTO contacts (company_id) VALUES (:co)", "contacts_email_or_name"),
        (
            "INSERT INTO contacts (company_id, first_name, preferred_channel)"
            " VALUES (:co, 'A', 'pigeon')",
            "contacts_preferred_channel_vocabulary",
        ),
        (
            "INSERT INTO conversations (contact_id, status) VALUES (:a, 'maybe')",
            "conversations_status_vocabulary",
        ),
        (
            "INSERT INTO conversations (contact_id, qualification_tier) VALUES (:a, 'lukewarm')",
            "conversations_qualification_tier_vocabulary",
        ),
        (
            "INSERT INTO touchpoints (conversation_id, channel) VALUES (:cv, 'fax')",
            "touchpoints_channel_vocabulary",
        ),
        (
            "INSERT INTO touchpoints (conversation_id, channel, direction)"
            " VALUES (:cv, 'call', 'up')",
            "touchpoints_direction_vocabulary",
        ),
        (
            "INSERT INTO relationships (contact_id, related_contact_id, strength)"
            " VALUES (:a, :b, 'mighty')",
            "relationships_strength_vocabulary",
        ),
        (
            "INSERT INTO relationships (contact_id, related_contact_id, relationship_type)"
            " VALUES (:a, :b, 'friend')",
            "relationships_relationship_type_vocabulary",
        ),
        (
            "INSERT INTO relationships (contact_id, related_contact_id, confidence)"
            " VALUES (:a, :b, 1.5)",
            "relationships_confidence_range",
        ),
    ],
)
def test_bad_values_are_refused(
    c: Connection, account: dict[str, int], sql: str, constraint: str
) -> None:
    params = {
        "co": account["company"],
        "a": account["a"],
        "b": account["b"],
        "cv": account["conversation"],
    }
    used = {name: value for name, value in params.items() if f":{name}" in sql}
    _refused(c, sql, pg.CheckViolation, constraint, **used)


def test_case_insensitive_unique_domain_and_email(c: Connection, account: dict[str, int]) -> None:
    c.execute(
        text("UPDATE companies SET domain = 'acme.example' WHERE id = :id"),
        {"id": account["company"]},
    )
    _refused(
        c,
        "INSERT INTO companies (name, domain) VALUES ('Dup', 'acme.example')",
        pg.UniqueViolation,
        "companies_domain_key",
    )
    _refused(
        c,
        "INSERT INTO contacts (company_id, email) VALUES (:co, 'A@ACME.example')",
        pg.UniqueViolation,
        "contacts_email_key",
        co=account["company"],
    )


def test_one_primary_contact_per_company(c: Connection, account: dict[str, int]) -> None:
    c.execute(text("UPDATE contacts SET is_primary = true WHERE id = :id"), {"id": account["a"]})
    _refused(
        c,
        "UPDATE contacts SET is_primary = true WHERE id = :id",
        pg.UniqueViolation,
        "contacts_one_primary_per_company",
        id=account["b"],
    )


def test_opened_at_on_an_inbound_touch_is_refused(c: Connection, account: dict[str, int]) -> None:
    _refused(
        c,
        "INSERT INTO touchpoints (conversation_id, channel, direction, opened_at)"
        " VALUES (:cv, 'email', 'inbound', now())",
        pg.CheckViolation,
        "touchpoints_events_only_outbound",
        cv=account["conversation"],
    )


def test_touchpoint_owner_must_be_its_conversations(c: Connection, account: dict[str, int]) -> None:
    cv = account["conversation"]
    # Only the contact given (the per-row trigger then fills the company): still checked.
    _refused(
        c,
        "INSERT INTO touchpoints (conversation_id, contact_id, channel) VALUES (:cv, :b, 'email')",
        pg.CheckViolation,
        "touchpoints_owner_matches_conversation",
        cv=cv,
        b=account["b"],
    )
    # Both given (the bulk-loader path): checked by the statement trigger.
    _refused(
        c,
        "INSERT INTO touchpoints (conversation_id, contact_id, company_id, channel)"
        " VALUES (:cv, :b, :co, 'email')",
        pg.CheckViolation,
        "touchpoints_owner_matches_conversation",
        cv=cv,
        b=account["b"],
        co=account["company"],
    )
    touch = _one(
        c,
        "INSERT INTO touchpoints (conversation_id, channel) VALUES (:cv, 'sms') RETURNING id",
        cv=cv,
    )
    _refused(
        c,
        "UPDATE touchpoints SET contact_id = :b WHERE id = :t",
        pg.CheckViolation,
        "touchpoints_owner_matches_conversation",
        b=account["b"],
        t=touch,
    )
    other = _conversation(c, account["b"])
    _refused(
        c,
        "UPDATE touchpoints SET conversation_id = :o WHERE id = :t",
        pg.CheckViolation,
        "touchpoints_conversation_fixed",
        o=other,
        t=touch,
    )
    assert _one(c, "SELECT touchpoint_count FROM conversations WHERE id = :cv", cv=cv) == 1


def test_a_conversation_cannot_move_to_another_contact(
    c: Connection, account: dict[str, int]
) -> None:
    _refused(
        c,
        "UPDATE conversations SET contact_id = :b WHERE id = :cv",
        pg.CheckViolation,
        "conversations_contact_fixed",
        b=account["b"],
        cv=account["conversation"],
    )


def test_missing_parents_are_reported_as_foreign_keys(c: Connection) -> None:
    """Not as a NOT NULL on the derived column the BEFORE trigger could not fill."""
    _refused(
        c,
        "INSERT INTO conversations (contact_id) VALUES (-1)",
        pg.ForeignKeyViolation,
        "conversations_contact_id_fkey",
    )
    _refused(
        c,
        "INSERT INTO touchpoints (conversation_id, channel) VALUES (-1, 'email')",
        pg.ForeignKeyViolation,
        "touchpoints_conversation_id_fkey",
    )
    _refused(
        c,
        "INSERT INTO relationships (contact_id, related_contact_id) VALUES (-1, -2)",
        pg.ForeignKeyViolation,
        "relationships_contact_id_fkey",
    )


def test_derived_owners_ignore_what_the_caller_gives(
    c: Connection, account: dict[str, int]
) -> None:
    other = _company(c, "Other")
    row = c.execute(
        text(
            "INSERT INTO conversations (contact_id, company_id, status) VALUES (:a, :o, 'won')"
            " RETURNING company_id, closed_at IS NOT NULL"
        ),
        {"a": account["a"], "o": other},
    ).one()
    assert tuple(row) == (account["company"], True)


def test_closed_at_follows_the_status(c: Connection, account: dict[str, int]) -> None:
    cv = account["conversation"]
    closed = "SELECT closed_at IS NOT NULL FROM conversations WHERE id = :cv"
    assert _one(c, closed, cv=cv) is False
    c.execute(text("UPDATE conversations SET status = 'lost' WHERE id = :cv"), {"cv": cv})
    assert _one(c, closed, cv=cv) is True
    c.execute(text("UPDATE conversations SET status = 'active' WHERE id = :cv"), {"cv": cv})
    assert _one(c, closed, cv=cv) is False


def test_updated_at_moves_for_edits_not_for_counters(
    c: Connection, account: dict[str, int]
) -> None:
    co = account["company"]
    c.execute(text("UPDATE companies SET updated_at = '2000-01-01' WHERE id = :co"), {"co": co})
    stamp = "SELECT updated_at < '2001-01-01' FROM companies WHERE id = :co"
    _contact(c, co, "counted@acme.example")
    assert _one(c, stamp, co=co) is True
    c.execute(text("UPDATE companies SET industry = 'Energy' WHERE id = :co"), {"co": co})
    assert _one(c, stamp, co=co) is False


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ("companies", {"contacts": 0, "conversations": 0, "touchpoints": 0, "relationships": 0}),
        ("contacts", {"contacts": 1, "conversations": 0, "touchpoints": 0, "relationships": 0}),
    ],
)
def test_deletes_cascade(
    c: Connection, account: dict[str, int], table: str, expected: dict[str, int]
) -> None:
    c.execute(
        text("INSERT INTO relationships (contact_id, related_contact_id) VALUES (:a, :b)"),
        {"a": account["a"], "b": account["b"]},
    )
    c.execute(
        text("INSERT INTO touchpoints (conversation_id, channel) VALUES (:cv, 'email')"),
        {"cv": account["conversation"]},
    )
    target = account["company"] if table == "companies" else account["a"]
    c.execute(text(f"DELETE FROM {table} WHERE id = :id"), {"id": target})
    left = {
        name: _one(c, f"SELECT count(*) FROM {name} WHERE company_id = :co", co=account["company"])
        for name in expected
    }
    assert left == expected
    if table == "contacts":
        assert (
            _one(c, "SELECT contact_count FROM companies WHERE id = :co", co=account["company"])
            == 1
        )


def test_import_batch_delete_keeps_the_rows(c: Connection) -> None:
    batch = _one(c, "INSERT INTO import_batches (entity) VALUES ('companies') RETURNING id")
    company = _one(
        c, "INSERT INTO companies (name, import_batch_id) VALUES ('Imp', :b) RETURNING id", b=batch
    )
    c.execute(text("DELETE FROM import_batches WHERE id = :b"), {"b": batch})
    assert _one(c, "SELECT import_batch_id FROM companies WHERE id = :id", id=company) is None
