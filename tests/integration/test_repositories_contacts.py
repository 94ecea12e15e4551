"""ContactRepository on a real database: people at accounts, found, searched and changed."""

# Model ids are `int | None` until flushed; these tests use flushed rows.
# mypy: disable-error-code="arg-type"

from __future__ import annotations

import pytest
from factories import count_rows, make_company, make_contact, make_conversation, make_touchpoint
from sqlmodel import Session

from abm.errors import DuplicateError, InvalidInputError, NotFoundError
from abm.models import Company, Conversation
from abm.repositories import ContactRepository


@pytest.fixture
def contacts(session: Session) -> ContactRepository:
    return ContactRepository(session)


@pytest.fixture
def company(session: Session) -> Company:
    return make_company(session)


def test_create_contact_counts_on_the_company_at_once(
    contacts: ContactRepository, company: Company
) -> None:
    jane = contacts.create_contact(company.id, "Jane", "Doe", email="Jane.Doe@AcmeCt.com")
    assert isinstance(jane.id, int)
    assert jane.email == "jane.doe@acmect.com"
    assert jane.full_name == "Jane Doe"
    assert jane.engagement_score == 0
    assert company.contact_count == 1
    contacts.create_contact(company.id, "Bob", "Roe")
    assert company.contact_count == 2


def test_a_contact_known_only_by_email_is_fine(
    contacts: ContactRepository, company: Company
) -> None:
    anon = contacts.create_contact(company.id, email="only.mail@acmect.com")
    assert (anon.first_name, anon.last_name) == ("", "")
    assert anon.full_name == "only.mail@acmect.com"


def test_a_contact_with_neither_name_nor_email_is_refused(
    contacts: ContactRepository, company: Company, session: Session
) -> None:
    before = count_rows(session)
    with pytest.raises(InvalidInputError) as error:
        contacts.create_contact(company.id, "  ", "")
    assert error.value.field == "email"
    assert count_rows(session) == before


def test_role_and_seniority_are_free_text_spelled_like_the_vocabulary_when_they_match(
    contacts: ContactRepository, company: Company
) -> None:
    a = contacts.create_contact(company.id, "A", "A", role="Economic Buyer", seniority="C-Level")
    b = contacts.create_contact(company.id, "B", "B", role="Procurement lead", seniority="Chief")
    assert (a.role, a.seniority) == ("economic_buyer", "c_level")
    assert (b.role, b.seniority) == ("Procurement lead", "Chief")


def test_email_is_unique_whatever_the_case(
    contacts: ContactRepository, company: Company, session: Session
) -> None:
    contacts.create_contact(company.id, "A", "A", email="same@acmect.com")
    other = make_company(session)
    before = count_rows(session)
    with pytest.raises(DuplicateError) as error:
        contacts.create_contact(other.id, "B", "B", email="SAME@AcmeCt.com")
    assert error.value.field == "email"
    assert count_rows(session) == before
    session.refresh(other)
    assert other.contact_count == 0


def test_create_contact_in_a_missing_company_names_company_id(
    contacts: ContactRepository, session: Session
) -> None:
    before = count_rows(session)
    with pytest.raises(InvalidInputError) as error:
        contacts.create_contact(2_000_000_000, "A", "B")
    assert error.value.field == "company_id"
    assert count_rows(session) == before


def test_getters(contacts: ContactRepository, company: Company) -> None:
    jane = contacts.create_contact(company.id, "Jane", "Doe", email="jane@getters-ct.com")
    assert contacts.get_contact_by_id(jane.id) is jane
    assert contacts.get_contact_by_id(2_000_000_000) is None
    assert contacts.get_contact_by_email(" JANE@Getters-Ct.com ") is jane
    assert contacts.get_contact_by_email("nobody@getters-ct.com") is None
    assert contacts.get_contact_by_email("") is None


def test_finders_by_company_role_decision_and_primary(
    contacts: ContactRepository, company: Company, session: Session
) -> None:
    zed = contacts.create_contact(company.id, "Zed", "Alpha", role="champion")
    boss = contacts.create_contact(
        company.id, "Ann", "Boss", role="economic_buyer", is_decision_maker=True
    )
    prim = contacts.create_contact(company.id, "Pat", "Zulu", role="Champion", is_primary=True)
    make_contact(session)  # another account
    assert [c.id for c in contacts.find_contacts_by_company(company.id)] == [
        prim.id,
        boss.id,
        zed.id,
    ]
    assert {c.id for c in contacts.find_contacts_by_role(company.id, "CHAMPION")} == {
        zed.id,
        prim.id,
    }
    assert contacts.find_contacts_by_role(company.id, "gatekeeper") == []
    assert [c.id for c in contacts.find_decision_makers(company.id)] == [boss.id]
    assert contacts.find_primary_contact(company.id) is prim
    assert contacts.find_primary_contact(make_company(session).id) is None


def test_a_new_primary_contact_replaces_the_old_one(
    contacts: ContactRepository, company: Company
) -> None:
    first = contacts.create_contact(company.id, "First", "P", is_primary=True)
    second = contacts.create_contact(company.id, "Second", "P", is_primary=True)
    assert contacts.find_primary_contact(company.id) is second
    assert first.is_primary is False
    contacts.update_contact(first.id, is_primary=True)
    assert second.is_primary is False
    assert contacts.find_primary_contact(company.id) is first


def test_update_contact_changes_fields(contacts: ContactRepository, company: Company) -> None:
    jane = contacts.create_contact(company.id, "Jane", "Doe")
    contacts.update_contact(
        jane.id, title="CFO", email="NEW@upd-ct.com", interests=["golf", " sailing "]
    )
    assert (jane.title, jane.email, jane.interests) == (
        "CFO",
        "new@upd-ct.com",
        ["golf", "sailing"],
    )


def test_update_contact_refuses_bad_values_and_leaves_the_row(
    contacts: ContactRepository, company: Company
) -> None:
    jane = contacts.create_contact(company.id, "", "", email="keep@upd-ct.com")
    for fields, field in (
        ({"email": None}, "email"),
        ({"email": "not-an-email"}, "email"),
        ({"preferred_channel": "pigeon"}, "preferred_channel"),
        ({"is_primary": "yes"}, "is_primary"),
        ({"engagement_score": 99}, "engagement_score"),
        ({"shoe_size": 44}, "shoe_size"),
    ):
        with pytest.raises(InvalidInputError) as error:
            contacts.update_contact(jane.id, **fields)
        assert error.value.field == field
        assert contacts.get_contact_by_id(jane.id).email == "keep@upd-ct.com"  # type: ignore[union-attr]


def test_update_contact_to_a_taken_email_is_a_duplicate(
    contacts: ContactRepository, company: Company
) -> None:
    contacts.create_contact(company.id, email="taken@upd-ct.com")
    jane = contacts.create_contact(company.id, email="jane@upd-ct.com")
    with pytest.raises(DuplicateError) as error:
        contacts.update_contact(jane.id, email="Taken@Upd-Ct.com")
    assert error.value.field == "email"
    assert jane.email == "jane@upd-ct.com"


def test_moving_a_contact_to_another_account_moves_counts_and_conversations(
    contacts: ContactRepository, company: Company, session: Session
) -> None:
    jane = contacts.create_contact(company.id, "Jane", "Mover")
    conversation = make_conversation(session, jane)
    other = make_company(session)
    contacts.update_contact(jane.id, company_id=other.id)
    assert (company.contact_count, other.contact_count) == (0, 1)
    assert (company.active_conversation_count, other.active_conversation_count) == (0, 1)
    assert session.get(Conversation, conversation.id).company_id == other.id  # type: ignore[union-attr]
    with pytest.raises(InvalidInputError) as error:
        contacts.update_contact(jane.id, company_id=2_000_000_000)
    assert error.value.field == "company_id"


def test_update_or_delete_of_a_missing_contact_is_not_found(contacts: ContactRepository) -> None:
    with pytest.raises(NotFoundError):
        contacts.update_contact(2_000_000_000, title="x")
    with pytest.raises(NotFoundError):
        contacts.delete_contact(2_000_000_000)


def test_delete_contact_takes_conversations_and_updates_the_count(
    contacts: ContactRepository, company: Company, session: Session
) -> None:
    jane = contacts.create_contact(company.id, "Jane", "Gone")
    make_touchpoint(session, make_conversation(session, jane))
    jane_id = jane.id
    before = count_rows(session)
    contacts.delete_contact(jane_id)
    after = count_rows(session)
    assert contacts.get_contact_by_id(jane_id) is None
    assert company.contact_count == 0 and company.active_conversation_count == 0
    assert before["conversations"] - after["conversations"] == 1
    assert before["touchpoints"] - after["touchpoints"] == 1


def test_search_contacts_by_name_or_email_fuzzy_and_scoped(
    contacts: ContactRepository, company: Company, session: Session
) -> None:
    jane = contacts.create_contact(company.id, "Janeqz", "Doequx", email="jdq@search-ct.com")
    other = make_contact(session, first_name="Janeqz", last_name="Elsewhere")
    assert contacts.search_contacts("Janeqz Doequx")[0].id == jane.id
    assert contacts.search_contacts("Janeqs Doeqxu")[0].id == jane.id  # typos
    assert jane in contacts.search_contacts("jdq@search")
    assert jane in contacts.search_contacts("Jan")
    assert {c.id for c in contacts.search_contacts("janeqz")} >= {jane.id, other.id}
    scoped = contacts.search_contacts("janeqz", company_id=company.id)
    assert [c.id for c in scoped] == [jane.id]
    assert contacts.search_contacts("") == []
    assert len(contacts.search_contacts("janeqz", limit=1)) == 1
