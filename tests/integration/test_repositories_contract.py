"""The DESIGN section 4 example runs as written; writes survive errors and concurrent writers."""

# Model ids are `int | None` until flushed; these tests use flushed rows.
# mypy: disable-error-code="arg-type"

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from factories import count_rows, make_company, make_contact
from sqlalchemy import Engine, text
from sqlmodel import Session

from abm.errors import DuplicateError, InvalidInputError


def test_the_design_example_works_verbatim(
    fresh_engine: Callable[[], Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", fresh_engine().url.render_as_string(hide_password=False))
    # The example of DESIGN section 4, line for line.
    from sqlmodel import Session

    from abm.db import get_engine, init_db
    from abm.errors import ABMError, DuplicateError, InvalidInputError, NotFoundError  # noqa: F401
    from abm.models import Company, Contact, Conversation, Relationship, Touchpoint  # noqa: F401
    from abm.repositories import (  # noqa: F401
        CompanyRepository,
        ContactRepository,
        ConversationRepository,
        RelationshipRepository,
        TouchpointRepository,
    )

    engine = get_engine()
    init_db(engine)
    with Session(engine) as session:
        companies = CompanyRepository(session)  # every repository takes a Session
        acme = companies.create_company(
            name="Acme Medical Group", domain="acmemedical.com", industry="Healthcare", tier=1
        )
        session.commit()
        acme_id = acme.id

    with Session(engine) as session:
        found = CompanyRepository(session).get_company_by_domain("https://www.AcmeMedical.com/")
        assert found is not None and found.id == acme_id and found.tier == 1


def test_a_refused_write_leaves_the_callers_transaction_usable(session: Session) -> None:
    from abm.repositories import CompanyRepository, ContactRepository

    companies, contacts = CompanyRepository(session), ContactRepository(session)
    kept = companies.create_company(name="Kept Co", domain="kept-contract.com")
    before = count_rows(session)
    with pytest.raises(DuplicateError):
        companies.create_company(name="Again", domain="kept-contract.com")
    with pytest.raises(InvalidInputError):
        contacts.create_contact(kept.id, "", "", email="not an email")
    assert count_rows(session) == before
    # The earlier write of the same transaction is still there and more writes work.
    contacts.create_contact(kept.id, "Still", "Works")
    assert kept.contact_count == 1
    assert session.execute(text("SELECT 1")).scalar_one() == 1


def test_many_writers_on_one_account_all_succeed_and_counters_are_right(
    fresh_engine: Callable[[], Engine],
) -> None:
    from abm.repositories import ContactRepository, ConversationRepository, TouchpointRepository

    engine = fresh_engine()
    with Session(engine) as session:
        company = make_company(session)
        seed = make_contact(session, company)
        session.commit()
        company_id, seed_id = company.id, seed.id
    errors: list[BaseException] = []
    workers, rounds = 6, 5

    def work(n: int) -> None:
        try:
            for i in range(rounds):
                with Session(engine) as s:
                    person = ContactRepository(s).create_contact(
                        company_id, f"W{n}", f"R{i}", email=f"w{n}r{i}@concurrent.com"
                    )
                    talk = ConversationRepository(s).create_conversation(person.id)
                    touches = TouchpointRepository(s)
                    mail = touches.record_email_sent(talk.id)
                    touches.record_email_opened(mail.id)
                    seed_talk = ConversationRepository(s).create_conversation(seed_id)
                    touches.create_touchpoint(seed_talk.id, "call", "inbound")
                    s.commit()
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with Session(engine) as session:
        counts = session.execute(
            text(
                "SELECT contact_count, active_conversation_count,"
                " (SELECT count(*) FROM contacts WHERE company_id = :id),"
                " (SELECT count(*) FROM conversations WHERE company_id = :id"
                "  AND status = 'active'),"
                " (SELECT engagement_points FROM contacts WHERE id = :seed)"
                " FROM companies WHERE id = :id"
            ),
            {"id": company_id, "seed": seed_id},
        ).one()
    assert counts[0] == counts[2] == 1 + workers * rounds
    assert counts[1] == counts[3] == 2 * workers * rounds
    assert counts[4] == 6 * workers * rounds
