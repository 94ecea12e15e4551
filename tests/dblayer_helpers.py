"""Truth recomputed with plain SQL, to check the counters and owners the triggers keep."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

# Engagement points and "engaged at" of one touchpoint, written out again independently of the
# abm_touchpoint_points / abm_touchpoint_engaged_at functions so that a bug there shows up.
_POINTS = """
    CASE
        WHEN t.channel = 'meeting' THEN 10
        WHEN t.direction = 'inbound' AND t.channel = 'call' THEN 6
        WHEN t.direction = 'inbound' THEN 5
        ELSE (t.opened_at IS NOT NULL)::int * 1 + (t.clicked_at IS NOT NULL)::int * 3
           + (t.replied_at IS NOT NULL)::int * 5
    END"""
_ENGAGED_AT = """
    CASE
        WHEN t.direction = 'inbound' OR t.channel = 'meeting'
            THEN greatest(t.occurred_at, t.opened_at, t.clicked_at, t.replied_at)
        ELSE greatest(t.opened_at, t.clicked_at, t.replied_at)
    END"""

# Each query lists the rows whose stored value differs from the truth: empty means right.
DRIFT_QUERIES = {
    "companies.contact_count": """
        SELECT co.id, co.contact_count, (SELECT count(*) FROM contacts c
                                         WHERE c.company_id = co.id) AS truth
        FROM companies co""",
    "companies.active_conversation_count": """
        SELECT co.id, co.active_conversation_count,
               (SELECT count(*) FROM conversations cv
                WHERE cv.company_id = co.id AND cv.status = 'active') AS truth
        FROM companies co""",
    "conversations.touchpoint_count": """
        SELECT cv.id, cv.touchpoint_count,
               (SELECT count(*) FROM touchpoints t WHERE t.conversation_id = cv.id) AS truth
        FROM conversations cv""",
    "conversations.last_touchpoint_at": """
        SELECT cv.id, cv.last_touchpoint_at,
               (SELECT max(t.occurred_at) FROM touchpoints t
                WHERE t.conversation_id = cv.id) AS truth
        FROM conversations cv""",
    "contacts.engagement_points": f"""
        SELECT c.id, c.engagement_points,
               (SELECT coalesce(sum({_POINTS}), 0) FROM touchpoints t
                WHERE t.contact_id = c.id)::double precision AS truth
        FROM contacts c""",
    "contacts.engagement_score": """
        SELECT c.id, c.engagement_score,
               round((100 * (1 - exp(-least(c.engagement_points / 30.0, 700))))::numeric, 2)::float8
                   AS truth
        FROM contacts c""",
    "contacts.last_engaged_at": f"""
        SELECT c.id, c.last_engaged_at,
               (SELECT max({_ENGAGED_AT}) FROM touchpoints t
                WHERE t.contact_id = c.id) AS truth
        FROM contacts c""",
    "conversations.company_id": """
        SELECT cv.id, cv.company_id, c.company_id AS truth
        FROM conversations cv JOIN contacts c ON c.id = cv.contact_id""",
    "touchpoints.contact_id": """
        SELECT t.id, t.contact_id, cv.contact_id AS truth
        FROM touchpoints t JOIN conversations cv ON cv.id = t.conversation_id""",
    "touchpoints.company_id": """
        SELECT t.id, t.company_id, cv.company_id AS truth
        FROM touchpoints t JOIN conversations cv ON cv.id = t.conversation_id""",
    "relationships.company_id": """
        SELECT r.id, r.company_id, c.company_id AS truth
        FROM relationships r JOIN contacts c ON c.id = r.contact_id""",
}


def drift(connection: Connection) -> dict[str, list[Any]]:
    """Every kept value that differs from the truth, by column; {} when all are right."""
    found: dict[str, list[Any]] = {}
    for name, query in DRIFT_QUERIES.items():
        rows = connection.execute(
            text(f"SELECT * FROM ({query}) q WHERE q.truth IS DISTINCT FROM q.{_stored(query)}")
        ).all()
        if rows:
            found[name] = [tuple(row) for row in rows[:5]]
    return found


def _stored(query: str) -> str:
    """The name of the stored column: the second item of the query's select list."""
    select_list = query.split("SELECT", 1)[1]
    return select_list.split(",")[1].strip().split(".")[-1]


def totals(connection: Connection) -> dict[str, int]:
    """Row counts of the five tables (to prove a test really wrote something)."""
    tables = ["companies", "contacts", "relationships", "conversations", "touchpoints"]
    return {
        table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
        for table in tables
    }
