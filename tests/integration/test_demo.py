"""The demo data: seeded, realistic, varied in health, quick to load, dated relative to as_of."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, func, select

from abm import queries
from abm.demo import is_empty, load_demo
from abm.errors import DuplicateError
from abm.models import BuyingRole, Company, Contact, Conversation, Touchpoint

AS_OF = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)


@pytest.fixture
def demo(session: Session) -> dict[str, int]:
    return load_demo(session, as_of=AS_OF)


def count(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_an_empty_database_is_empty_until_the_demo_is_loaded(session: Session) -> None:
    assert is_empty(session)
    load_demo(session, as_of=AS_OF)
    assert not is_empty(session)


def test_the_summary_counts_what_was_written(session: Session, demo: dict[str, int]) -> None:
    assert demo["companies"] == count(session, Company) >= 30
    assert demo["contacts"] == count(session, Contact) >= 200
    assert demo["conversations"] == count(session, Conversation) >= 50
    assert demo["touchpoints"] == count(session, Touchpoint) >= 500


def test_the_same_seed_gives_the_same_data(databases) -> None:  # type: ignore[no-untyped-def]
    def snapshot() -> list[tuple]:
        engine = sa.create_engine(databases.create())
        with Session(engine) as session:
            load_demo(session, seed=3, as_of=AS_OF)
            rows = session.execute(
                sa.select(Contact.email, Contact.title, Contact.role).order_by(Contact.email)
            ).all()
        engine.dispose()
        return [tuple(r) for r in rows]

    assert snapshot() == snapshot()


def test_loading_twice_is_refused(session: Session, demo: dict[str, int]) -> None:
    with pytest.raises(DuplicateError):
        load_demo(session, as_of=AS_OF)


def test_accounts_span_every_health_band(session: Session, demo: dict[str, int]) -> None:
    bands = Counter(h.status for h in queries.health_scores(session, as_of=AS_OF).values())
    assert set(bands) == set(queries.HEALTH_BANDS)


def test_buying_committees_have_decision_makers_and_champions(
    session: Session, demo: dict[str, int]
) -> None:
    roles = set(session.exec(select(Contact.role).distinct()).all())
    assert {r.value for r in BuyingRole} <= roles
    per_company = session.execute(
        sa.select(Contact.company_id, func.count().filter(Contact.is_decision_maker)).group_by(
            Contact.company_id
        )
    ).all()
    assert all(dms >= 1 for _, dms in per_company)


def test_touches_span_months_before_as_of_and_never_after(
    session: Session, demo: dict[str, int]
) -> None:
    first, last = session.execute(
        sa.select(func.min(Touchpoint.occurred_at), func.max(Touchpoint.occurred_at))
    ).one()
    assert last <= AS_OF
    assert AS_OF - first > timedelta(days=150)
    channels = set(session.exec(select(Touchpoint.channel).distinct()).all())
    assert {"email", "call", "meeting", "linkedin"} <= channels
    events = session.execute(
        sa.select(
            func.count(Touchpoint.opened_at),
            func.count(Touchpoint.clicked_at),
            func.count(Touchpoint.replied_at),
        )
    ).one()
    assert all(n > 0 for n in events)


def test_follow_ups_fall_in_every_group(session: Session, demo: dict[str, int]) -> None:
    groups = queries.followups(session, as_of=AS_OF)
    assert all(groups[name] for name in queries.FOLLOWUP_GROUPS)


def test_counters_kept_by_the_database_match_the_rows(
    session: Session, demo: dict[str, int]
) -> None:
    drift = session.execute(
        sa.text(
            "SELECT count(*) FROM companies co WHERE contact_count <>"
            " (SELECT count(*) FROM contacts c WHERE c.company_id = co.id)"
        )
    ).scalar()
    assert drift == 0
