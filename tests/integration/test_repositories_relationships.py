"""RelationshipRepository on a real database: one row per pair, in either order."""

# Model ids are `int | None` until flushed; these tests use flushed rows.
# mypy: disable-error-code="arg-type"

from __future__ import annotations

from typing import Any

import pytest
from factories import count_rows, make_company, make_contact
from sqlmodel import Session

from abm.errors import DuplicateError, InvalidInputError, NotFoundError
from abm.models import Company, Contact
from abm.repositories import RelationshipRepository


@pytest.fixture
def relationships(session: Session) -> RelationshipRepository:
    return RelationshipRepository(session)


@pytest.fixture
def company(session: Session) -> Company:
    return make_company(session)


@pytest.fixture
def people(session: Session, company: Company) -> list[Contact]:
    return [make_contact(session, company) for _ in range(4)]


def test_create_relationship_with_defaults(
    relationships: RelationshipRepository, people: list[Contact], company: Company
) -> None:
    a, b = people[:2]
    tie = relationships.create_relationship(a.id, b.id)
    assert isinstance(tie.id, int)
    assert (tie.relationship_type, tie.strength, tie.confidence) == ("colleague", "medium", 1.0)
    assert tie.company_id == company.id


def test_manager_of_is_stored_as_reports_to_the_other_way(
    relationships: RelationshipRepository, people: list[Contact]
) -> None:
    boss, report = people[:2]
    tie = relationships.create_relationship(boss.id, report.id, relationship_type="manager_of")
    assert (tie.contact_id, tie.related_contact_id) == (report.id, boss.id)
    assert tie.relationship_type == "reports_to"
    with pytest.raises(DuplicateError):
        relationships.create_relationship(report.id, boss.id, relationship_type="reports_to")


def test_a_pair_in_either_order_is_a_duplicate_and_writes_nothing(
    relationships: RelationshipRepository, people: list[Contact], session: Session
) -> None:
    a, b = people[:2]
    relationships.create_relationship(a.id, b.id, relationship_type="peer")
    before = count_rows(session)
    for first, second in ((a, b), (b, a)):
        with pytest.raises(DuplicateError) as error:
            relationships.create_relationship(first.id, second.id)
        assert error.value.field == "related_contact_id"
    assert count_rows(session) == before


def test_bad_relationships_are_refused_by_field(
    relationships: RelationshipRepository, people: list[Contact], session: Session
) -> None:
    a, b = people[:2]
    before = count_rows(session)
    cases: tuple[tuple[tuple[Any, Any], dict[str, Any], str], ...] = (
        ((a.id, a.id), {}, "related_contact_id"),
        ((a.id, 2_000_000_000), {}, "related_contact_id"),
        ((2_000_000_000, a.id), {}, "contact_id"),
        ((a.id, b.id), {"relationship_type": "enemy"}, "relationship_type"),
        ((a.id, b.id), {"strength": "huge"}, "strength"),
        ((a.id, b.id), {"confidence": 1.5}, "confidence"),
        ((a.id, b.id), {"confidence": -0.1}, "confidence"),
        ((a.id, b.id), {"confidence": float("nan")}, "confidence"),
        ((a.id, b.id), {"vibe": "good"}, "vibe"),
    )
    for ids, kwargs, field in cases:
        with pytest.raises(InvalidInputError) as error:
            relationships.create_relationship(*ids, **kwargs)
        assert error.value.field == field, (ids, kwargs)
    assert count_rows(session) == before


def test_get_and_check_relationship_in_either_order(
    relationships: RelationshipRepository, people: list[Contact]
) -> None:
    a, b, c = people[:3]
    tie = relationships.create_relationship(a.id, b.id, strength="strong", confidence=0.7)
    assert relationships.get_relationship(a.id, b.id) is tie
    assert relationships.get_relationship(b.id, a.id) is tie
    assert relationships.get_relationship(a.id, c.id) is None
    assert relationships.check_relationship(b.id, a.id) is True
    assert relationships.check_relationship(c.id, a.id) is False
    assert relationships.get_relationship_by_id(tie.id) is tie
    assert relationships.get_relationship_by_id(2_000_000_000) is None


def test_contact_relationships_cover_both_sides_strongest_first(
    relationships: RelationshipRepository, people: list[Contact]
) -> None:
    a, b, c, d = people
    weak = relationships.create_relationship(a.id, b.id, strength="weak")
    strong = relationships.create_relationship(c.id, a.id, strength="strong")
    relationships.create_relationship(c.id, d.id)
    assert [r.id for r in relationships.get_contact_relationships(a.id)] == [strong.id, weak.id]


def test_colleagues_are_the_other_contacts_of_the_account_related_first(
    relationships: RelationshipRepository, people: list[Contact], session: Session
) -> None:
    a, b, c, d = people
    relationships.create_relationship(a.id, c.id, strength="strong")
    make_contact(session)  # another account
    colleagues = relationships.get_colleagues(a.id)
    assert all(isinstance(x, Contact) for x in colleagues)
    assert colleagues[0].id == c.id
    assert {x.id for x in colleagues} == {b.id, c.id, d.id}
    assert relationships.get_colleagues(2_000_000_000) == []


def test_update_relationship(relationships: RelationshipRepository, people: list[Contact]) -> None:
    a, b = people[:2]
    tie = relationships.create_relationship(a.id, b.id)
    relationships.update_relationship(tie.id, strength="STRONG", confidence=0.5, notes="golf")
    assert (tie.strength, tie.confidence, tie.notes) == ("strong", 0.5, "golf")
    relationships.update_relationship(tie.id, relationship_type="manager_of")
    assert (tie.contact_id, tie.related_contact_id, tie.relationship_type) == (
        b.id,
        a.id,
        "reports_to",
    )


def test_update_relationship_refuses_bad_input_and_missing_ids(
    relationships: RelationshipRepository, people: list[Contact]
) -> None:
    a, b, c = people[:3]
    tie = relationships.create_relationship(a.id, b.id)
    for fields, field in (
        ({"contact_id": c.id}, "contact_id"),
        ({"related_contact_id": c.id}, "related_contact_id"),
        ({"confidence": 2}, "confidence"),
        ({"strength": None}, "strength"),
    ):
        with pytest.raises(InvalidInputError) as error:
            relationships.update_relationship(tie.id, **fields)
        assert error.value.field == field
    assert (tie.strength, tie.confidence) == ("medium", 1.0)
    with pytest.raises(NotFoundError):
        relationships.update_relationship(2_000_000_000, strength="weak")


def test_delete_relationship(
    relationships: RelationshipRepository, people: list[Contact], session: Session
) -> None:
    a, b = people[:2]
    tie = relationships.create_relationship(a.id, b.id)
    before = count_rows(session)
    relationships.delete_relationship(tie.id)
    assert relationships.check_relationship(a.id, b.id) is False
    assert count_rows(session)["relationships"] == before["relationships"] - 1
    with pytest.raises(NotFoundError):
        relationships.delete_relationship(tie.id)
