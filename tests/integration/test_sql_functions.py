"""The seed's SQL functions and the account_overview view return what they should."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, text
from sqlmodel import Session

T0 = datetime(2025, 5, 1, tzinfo=UTC)


def _one(c: Connection, sql: str, /, **params: Any) -> Any:
    return c.execute(text(sql), params).scalar_one()


def _ids(c: Connection, sql: str, /, **params: Any) -> list[int]:
    return list(c.execute(text(sql), params).scalars())


def _build(c: Connection) -> dict[str, Any]:
    """Two accounts: Acme (ann, bob, cat, dan) and Other (eve); ties, conversations, touches."""
    ids: dict[str, Any] = {}
    for name in ("Acme", "Other"):
        ids[name] = _one(c, "INSERT INTO companies (name) VALUES (:n) RETURNING id", n=name)
    for person, company in [
        ("ann", "Acme"),
        ("bob", "Acme"),
        ("cat", "Acme"),
        ("dan", "Acme"),
        ("eve", "Other"),
    ]:
        ids[person] = _one(
            c,
            "INSERT INTO contacts (company_id, first_name, email, is_decision_maker)"
            " VALUES (:co, :n, :e, :dm) RETURNING id",
            co=ids[company],
            n=person,
            e=f"{person}@x.example",
            dm=person == "bob",
        )
    for a, b, strength, confidence in [
        ("ann", "bob", "weak", 0.9),
        ("cat", "ann", "strong", 0.5),
        ("ann", "dan", "strong", 0.8),
    ]:
        c.execute(
            text(
                "INSERT INTO relationships (contact_id, related_contact_id, strength,"
                " confidence) VALUES (:a, :b, :s, :k)"
            ),
            {"a": ids[a], "b": ids[b], "s": strength, "k": confidence},
        )
    for key, person, status, due in [
        ("late", "ann", "active", T0 - timedelta(days=3)),
        ("soon", "bob", "active", T0 + timedelta(days=3)),
        ("later", "cat", "active", None),
        ("won", "dan", "won", T0 - timedelta(days=9)),
        ("elsewhere", "eve", "active", T0 - timedelta(days=1)),
    ]:
        ids[key] = _one(
            c,
            "INSERT INTO conversations (contact_id, status, next_followup_at)"
            " VALUES (:c, :s, :d) RETURNING id",
            c=ids[person],
            s=status,
            d=due,
        )
    emails = [
        (T0, T0, None, None),
        (T0 + timedelta(days=1), T0, T0, None),
        (T0 + timedelta(days=2), None, None, None),
        (T0 + timedelta(days=3), T0, T0, T0),
    ]
    for occurred, opened, clicked, replied in emails:
        c.execute(
            text(
                "INSERT INTO touchpoints (conversation_id, channel, occurred_at,"
                " opened_at, clicked_at, replied_at) VALUES (:cv, 'email', :at, :o, :k, :r)"
            ),
            {"cv": ids["late"], "at": occurred, "o": opened, "k": clicked, "r": replied},
        )
    c.execute(
        text(
            "INSERT INTO touchpoints (conversation_id, channel, direction, occurred_at)"
            " VALUES (:cv, 'call', 'inbound', :at)"
        ),
        {"cv": ids["late"], "at": T0 + timedelta(days=5)},
    )
    return ids


def test_get_contact_relationships_both_sides_strongest_first(session: Session) -> None:
    c = session.connection()
    ids = _build(c)
    related = c.execute(
        text("SELECT contact_id, related_contact_id, strength FROM get_contact_relationships(:id)"),
        {"id": ids["ann"]},
    ).all()
    assert [(row[2]) for row in related] == ["strong", "strong", "weak"]
    # Equal strength: higher confidence first (dan 0.8 before cat 0.5).
    assert [tuple(row[:2]) for row in related] == [
        (ids["ann"], ids["dan"]),
        (ids["cat"], ids["ann"]),
        (ids["ann"], ids["bob"]),
    ]


def test_get_colleagues_related_first_same_company_only(session: Session) -> None:
    c = session.connection()
    ids = _build(c)
    colleagues = _ids(c, "SELECT id FROM get_colleagues(:id)", id=ids["bob"])
    assert colleagues[0] == ids["ann"]
    assert set(colleagues) == {ids["ann"], ids["cat"], ids["dan"]}
    assert _ids(c, "SELECT id FROM get_colleagues(:id)", id=ids["eve"]) == []


def test_get_active_conversations(session: Session) -> None:
    c = session.connection()
    ids = _build(c)
    found = _ids(c, "SELECT id FROM get_active_conversations(:co)", co=ids["Acme"])
    assert found == [ids["late"], ids["soon"], ids["later"]]


def test_get_conversations_needing_followup(session: Session) -> None:
    c = session.connection()
    ids = _build(c)
    due = _ids(
        c, "SELECT id FROM get_conversations_needing_followup(:at, :co)", at=T0, co=ids["Acme"]
    )
    assert due == [ids["late"]]
    everywhere = _ids(c, "SELECT id FROM get_conversations_needing_followup(:at)", at=T0)
    mine = set(ids.values())
    assert [i for i in everywhere if i in mine] == [ids["late"], ids["elsewhere"]]
    assert ids["soon"] in _ids(
        c, "SELECT id FROM get_conversations_needing_followup(:at)", at=T0 + timedelta(days=4)
    )


def test_get_touchpoint_history_newest_first_with_limit(session: Session) -> None:
    c = session.connection()
    ids = _build(c)
    times = list(
        c.execute(
            text("SELECT occurred_at FROM get_touchpoint_history(:ct, NULL, 3)"), {"ct": ids["ann"]}
        ).scalars()
    )
    assert times == [T0 + timedelta(days=d) for d in (5, 3, 2)]
    assert (
        _one(
            c,
            "SELECT count(*) FROM get_touchpoint_history(p_conversation_id => :cv)",
            cv=ids["late"],
        )
        == 5
    )
    assert _one(c, "SELECT count(*) FROM get_touchpoint_history(:ct)", ct=ids["bob"]) == 0


def test_engagement_metrics(session: Session) -> None:
    c = session.connection()
    ids = _build(c)
    expected = (4, 3, 2, 1, 0.75, 0.5, 0.25)
    by_conversation = c.execute(
        text("SELECT * FROM get_conversation_engagement_metrics(:cv)"), {"cv": ids["late"]}
    ).one()
    assert tuple(by_conversation) == expected
    for args in ("NULL, :ct, NULL", "NULL, NULL, :co"):
        row = c.execute(
            text(f"SELECT * FROM get_engagement_metrics({args})"),
            {"ct": ids["ann"], "co": ids["Acme"]},
        ).one()
        assert tuple(row) == expected
    nothing = c.execute(
        text("SELECT * FROM get_engagement_metrics(NULL, :ct)"), {"ct": ids["eve"]}
    ).one()
    assert tuple(nothing) == (0, 0, 0, 0, 0.0, 0.0, 0.0)


def test_engagement_points_and_score(session: Session) -> None:
    """Outbound email: opened 1, clicked 3, replied 5; inbound call 6; score 100(1-e^-p/30)."""
    c = session.connection()
    ids = _build(c)
    row = c.execute(
        text(
            "SELECT engagement_points, engagement_score, last_engaged_at"
            " FROM contacts WHERE id = :id"
        ),
        {"id": ids["ann"]},
    ).one()
    points = 1 + (1 + 3) + 0 + (1 + 3 + 5) + 6
    assert row[0] == points
    assert row[1] == pytest.approx(round(100 * (1 - 2.718281828459045 ** (-points / 30)), 2))
    assert row[2] == T0 + timedelta(days=5)


def test_account_overview_refreshes_concurrently_and_matches(
    fresh_engine: Callable[[], Engine],
) -> None:
    engine = fresh_engine()
    with engine.begin() as c:
        ids = _build(c)
    with engine.begin() as c:
        before = _one(c, "SELECT count(*) FROM account_overview")
        c.execute(text("SELECT refresh_account_overview()"))
    with engine.connect() as c:
        rows = {row.company_id: row for row in c.execute(text("SELECT * FROM account_overview"))}
        truth = {row.id: row for row in c.execute(text("SELECT * FROM companies"))}
    assert before == 0
    assert set(rows) == set(truth)
    acme = rows[ids["Acme"]]
    assert acme.contact_count == truth[ids["Acme"]].contact_count == 4
    assert acme.active_conversation_count == 3
    assert acme.decision_maker_count == 1
    assert acme.conversation_count == 4
    assert acme.touchpoint_count == 5
    assert acme.relationship_count == 3
    assert acme.engaged_contact_count == 1
    assert acme.last_touchpoint_at == T0 + timedelta(days=5)
    assert rows[ids["Other"]].touchpoint_count == 0


def test_refresh_does_not_block_readers(fresh_engine: Callable[[], Engine]) -> None:
    """CONCURRENTLY: a reader holding the view open does not stop a refresh."""
    engine = fresh_engine()
    with engine.begin() as c:
        _build(c)
    with engine.connect() as reader:
        reader.begin()
        assert _one(reader, "SELECT count(*) FROM account_overview") == 0
        with engine.begin() as writer:
            writer.execute(text("SET LOCAL lock_timeout = '5s'"))
            writer.execute(text("SELECT refresh_account_overview()"))
        reader.rollback()
    with engine.connect() as c:
        assert _one(c, "SELECT count(*) FROM account_overview") == 2
