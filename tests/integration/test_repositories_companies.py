"""CompanyRepository on a real database: create, read, list, search, update, delete."""

# Model ids are `int | None` until flushed; these tests use flushed rows.
# mypy: disable-error-code="arg-type"

from __future__ import annotations

import pytest
from factories import count_rows, make_company, make_contact, make_conversation, make_touchpoint
from sqlmodel import Session

from abm.errors import DuplicateError, InvalidInputError, NotFoundError
from abm.models import Company, Contact, Conversation
from abm.repositories import CompanyRepository


@pytest.fixture
def companies(session: Session) -> CompanyRepository:
    return CompanyRepository(session)


def test_create_company_returns_flushed_row_with_id_and_defaults(
    companies: CompanyRepository,
) -> None:
    acme = companies.create_company(
        name="Acme Medical Group", domain="acmemedical-c1.com", industry="Healthcare", tier=1
    )
    assert isinstance(acme.id, int)
    assert acme.status == "target"
    assert acme.contact_count == 0 and acme.active_conversation_count == 0
    assert acme.research_data == {}
    assert acme.created_at.tzinfo is not None


def test_create_company_normalizes_the_domain_and_trims_text(
    companies: CompanyRepository,
) -> None:
    acme = companies.create_company(name="  Acme  ", domain="https://www.AcmeNorm.com/about?x=1")
    assert acme.domain == "acmenorm.com"
    assert acme.name == "Acme"


def test_create_company_accepts_other_columns_as_keywords(companies: CompanyRepository) -> None:
    acme = companies.create_company(
        name="Acme Extra",
        sector="Hospitals",
        annual_revenue=12_000_000_000,
        employee_count=5000,
        research_data={"funding": "Series C"},
        status="engaged",
    )
    assert acme.annual_revenue == 12_000_000_000
    assert acme.research_data == {"funding": "Series C"}
    assert acme.status == "engaged"


def test_get_company_by_id_returns_none_for_a_missing_id(companies: CompanyRepository) -> None:
    assert companies.get_company_by_id(2_000_000_000) is None


def test_get_company_by_domain_finds_it_in_any_form(companies: CompanyRepository) -> None:
    acme = companies.create_company(name="Acme", domain="acmefind.com")
    assert companies.get_company_by_domain("https://www.AcmeFind.com/") is acme
    assert companies.get_company_by_domain("ACMEFIND.COM") is acme
    assert companies.get_company_by_domain("nobody-here.com") is None
    assert companies.get_company_by_domain("not a domain") is None
    assert companies.get_company_by_domain("") is None


def test_a_second_company_with_the_same_domain_in_other_case_is_a_duplicate(
    companies: CompanyRepository, session: Session
) -> None:
    companies.create_company(name="Acme", domain="acmedup.com")
    before = count_rows(session)
    with pytest.raises(DuplicateError) as error:
        companies.create_company(name="Acme 2", domain="http://WWW.ACMEDUP.COM")
    assert error.value.field == "domain"
    assert count_rows(session) == before


def test_update_company_changes_fields_and_normalizes(
    companies: CompanyRepository, session: Session
) -> None:
    acme = make_company(session)
    updated = companies.update_company(acme.id, tier="2", domain="WWW.Acme-Upd.com", owner="Ann")
    assert updated is acme
    assert (acme.tier, acme.domain, acme.owner) == (2, "acme-upd.com", "Ann")
    assert acme.updated_at >= acme.created_at


def test_update_company_to_a_taken_domain_is_a_duplicate_and_keeps_the_old_one(
    companies: CompanyRepository, session: Session
) -> None:
    make_company(session, domain="taken-upd.com")
    acme = make_company(session, domain="mine-upd.com")
    with pytest.raises(DuplicateError) as error:
        companies.update_company(acme.id, domain="Taken-Upd.com")
    assert error.value.field == "domain"
    assert companies.get_company_by_id(acme.id).domain == "mine-upd.com"  # type: ignore[union-attr]


def test_update_company_refuses_unknown_and_db_kept_fields(
    companies: CompanyRepository, session: Session
) -> None:
    acme = make_company(session)
    for field in ("colour", "contact_count", "engagement_score", "created_at"):
        with pytest.raises(InvalidInputError) as error:
            companies.update_company(acme.id, **{field: 1})
        assert error.value.field == field


def test_update_or_delete_of_a_missing_company_is_not_found(
    companies: CompanyRepository,
) -> None:
    with pytest.raises(NotFoundError):
        companies.update_company(2_000_000_000, name="x")
    with pytest.raises(NotFoundError):
        companies.delete_company(2_000_000_000)


def test_list_companies_filters_by_tier_status_and_industry(
    companies: CompanyRepository, session: Session
) -> None:
    industry = "Listing Test Industry"
    a = make_company(session, name="B list", tier=1, status="customer", industry=industry)
    b = make_company(session, name="A list", tier=1, status="target", industry=industry)
    c = make_company(session, name="C list", tier=2, status="target", industry=industry)
    make_company(session, name="Other", tier=1, industry="Elsewhere")
    assert companies.list_companies(industry=industry) == [b, a, c]
    assert companies.list_companies(industry=industry.upper(), tier=1) == [b, a]
    assert companies.list_companies(industry=industry, status="TARGET") == [b, c]
    assert companies.list_companies(industry=industry, limit=1, offset=1) == [a]
    assert companies.list_companies(industry=industry, limit=0) == []


def test_list_companies_refuses_bad_filters(companies: CompanyRepository) -> None:
    for kwargs, field in (
        ({"tier": 7}, "tier"),
        ({"status": "happy"}, "status"),
        ({"limit": -1}, "limit"),
        ({"offset": -5}, "offset"),
    ):
        with pytest.raises(InvalidInputError) as error:
            companies.list_companies(**kwargs)  # type: ignore[arg-type]
        assert error.value.field == field


def test_search_companies_is_fuzzy_and_best_first(
    companies: CompanyRepository, session: Session
) -> None:
    acme = make_company(session, name="Zyxwquux Medical Group")
    other = make_company(session, name="Zyxwquux Logistics")
    make_company(session, name="Completely Unrelated")
    typo = companies.search_companies("Zyxwqux Medcal")
    assert typo[0].id == acme.id
    both = companies.search_companies("zyxwquux")
    assert {c.id for c in both[:2]} == {acme.id, other.id}
    assert companies.search_companies("zyxwquux medical group")[0].id == acme.id


def test_search_companies_matches_short_substrings_and_domains(
    companies: CompanyRepository, session: Session
) -> None:
    acme = make_company(session, name="Qv Holdings", domain="qvholdings-srch.com")
    assert acme in companies.search_companies("Qv")
    assert acme in companies.search_companies("holdings-srch")
    assert companies.search_companies("   ") == []
    assert companies.search_companies("%") == [] or all(
        "%" in c.name or "%" in (c.domain or "") for c in companies.search_companies("%")
    )


def test_search_companies_respects_the_limit(
    companies: CompanyRepository, session: Session
) -> None:
    for i in range(5):
        make_company(session, name=f"Limitco {i}")
    assert len(companies.search_companies("Limitco", limit=3)) == 3


def test_delete_company_cascades_to_everything_of_the_account(
    companies: CompanyRepository, session: Session
) -> None:
    acme = make_company(session)
    contact = make_contact(session, acme)
    conversation = make_conversation(session, contact)
    make_touchpoint(session, conversation)
    ids = {Contact: contact.id, Conversation: conversation.id, Company: acme.id}
    before = count_rows(session)
    companies.delete_company(acme.id)
    after = count_rows(session)
    assert companies.get_company_by_id(acme.id) is None
    assert before["companies"] - after["companies"] == 1
    assert before["contacts"] - after["contacts"] == 1
    assert before["conversations"] - after["conversations"] == 1
    assert before["touchpoints"] - after["touchpoints"] == 1
    for model, row_id in ids.items():
        assert session.get(model, row_id) is None
