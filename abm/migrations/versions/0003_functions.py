"""The seed's SQL helper functions and the account_overview materialized view.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPGRADE = r"""
CREATE FUNCTION abm_strength_rank(p_strength text) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE p_strength WHEN 'strong' THEN 0 WHEN 'medium' THEN 1 WHEN 'weak' THEN 2 ELSE 3 END
$$;

-- Every relationship a contact takes part in, on either side, strongest first.
CREATE FUNCTION get_contact_relationships(p_contact_id integer) RETURNS SETOF relationships
LANGUAGE sql STABLE AS $$
    SELECT * FROM relationships
    WHERE contact_id = p_contact_id OR related_contact_id = p_contact_id
    ORDER BY abm_strength_rank(strength), confidence DESC, id
$$;

-- The other people of the contact's company: those related to them first, strongest first.
CREATE FUNCTION get_colleagues(p_contact_id integer) RETURNS SETOF contacts
LANGUAGE sql STABLE AS $$
    SELECT c.* FROM contacts me
    JOIN contacts c ON c.company_id = me.company_id AND c.id <> me.id
    LEFT JOIN relationships r
        ON least(r.contact_id, r.related_contact_id) = least(me.id, c.id)
       AND greatest(r.contact_id, r.related_contact_id) = greatest(me.id, c.id)
    WHERE me.id = p_contact_id
    ORDER BY r.id IS NULL, abm_strength_rank(r.strength), c.engagement_score DESC, c.id
$$;

CREATE FUNCTION get_active_conversations(p_company_id integer) RETURNS SETOF conversations
LANGUAGE sql STABLE AS $$
    SELECT * FROM conversations
    WHERE company_id = p_company_id AND status = 'active'
    ORDER BY next_followup_at NULLS LAST, last_touchpoint_at DESC NULLS LAST, id
$$;

-- Active conversations whose follow-up is due at p_as_of, most overdue first.
CREATE FUNCTION get_conversations_needing_followup(p_as_of timestamptz DEFAULT now(),
                                                   p_company_id integer DEFAULT NULL)
RETURNS SETOF conversations LANGUAGE sql STABLE AS $$
    SELECT * FROM conversations
    WHERE status = 'active' AND next_followup_at <= p_as_of
      AND (p_company_id IS NULL OR company_id = p_company_id)
    ORDER BY next_followup_at, id
$$;

-- Touches of a contact and/or a conversation, newest first.
CREATE FUNCTION get_touchpoint_history(p_contact_id integer DEFAULT NULL,
                                       p_conversation_id integer DEFAULT NULL,
                                       p_limit integer DEFAULT NULL)
RETURNS SETOF touchpoints LANGUAGE sql STABLE AS $$
    SELECT * FROM touchpoints
    WHERE (p_contact_id IS NULL OR contact_id = p_contact_id)
      AND (p_conversation_id IS NULL OR conversation_id = p_conversation_id)
    ORDER BY occurred_at DESC, id DESC
    LIMIT p_limit
$$;

-- Email engagement of outbound mail: counts and rates as fractions of what was sent.
CREATE FUNCTION get_engagement_metrics(p_conversation_id integer DEFAULT NULL,
                                       p_contact_id integer DEFAULT NULL,
                                       p_company_id integer DEFAULT NULL)
RETURNS TABLE (sent bigint, opened bigint, clicked bigint, replied bigint,
               open_rate double precision, click_rate double precision,
               reply_rate double precision)
LANGUAGE sql STABLE AS $$
    WITH counts AS (
        SELECT count(*) AS sent,
               count(opened_at) AS opened,
               count(clicked_at) AS clicked,
               count(replied_at) AS replied
        FROM touchpoints
        WHERE direction = 'outbound' AND channel = 'email'
          AND (p_conversation_id IS NULL OR conversation_id = p_conversation_id)
          AND (p_contact_id IS NULL OR contact_id = p_contact_id)
          AND (p_company_id IS NULL OR company_id = p_company_id))
    SELECT sent, opened, clicked, replied,
           CASE WHEN sent = 0 THEN 0 ELSE opened::double precision / sent END,
           CASE WHEN sent = 0 THEN 0 ELSE clicked::double precision / sent END,
           CASE WHEN sent = 0 THEN 0 ELSE replied::double precision / sent END
    FROM counts
$$;

CREATE FUNCTION get_conversation_engagement_metrics(p_conversation_id integer)
RETURNS TABLE (sent bigint, opened bigint, clicked bigint, replied bigint,
               open_rate double precision, click_rate double precision,
               reply_rate double precision)
LANGUAGE sql STABLE AS $$
    SELECT * FROM get_engagement_metrics(p_conversation_id => p_conversation_id)
$$;

-- One row per account for the portfolio; refreshed on demand, concurrently.
CREATE MATERIALIZED VIEW account_overview AS
SELECT co.id AS company_id, co.name, co.domain, co.industry, co.tier, co.status, co.owner,
       co.contact_count, co.active_conversation_count,
       coalesce(ct.decision_makers, 0) AS decision_maker_count,
       coalesce(ct.engaged_contacts, 0) AS engaged_contact_count,
       coalesce(ct.avg_engagement, 0)::double precision AS avg_engagement_score,
       ct.last_engaged_at,
       coalesce(cv.conversations, 0) AS conversation_count,
       coalesce(cv.touchpoints, 0) AS touchpoint_count,
       cv.last_touchpoint_at,
       coalesce(rl.relationships, 0) AS relationship_count,
       now() AS refreshed_at
FROM companies co
LEFT JOIN (
    SELECT company_id,
           count(*) FILTER (WHERE is_decision_maker) AS decision_makers,
           count(*) FILTER (WHERE engagement_score > 0) AS engaged_contacts,
           avg(engagement_score) AS avg_engagement,
           max(last_engaged_at) AS last_engaged_at
    FROM contacts GROUP BY company_id) ct ON ct.company_id = co.id
LEFT JOIN (
    SELECT company_id, count(*) AS conversations, sum(touchpoint_count) AS touchpoints,
           max(last_touchpoint_at) AS last_touchpoint_at
    FROM conversations GROUP BY company_id) cv ON cv.company_id = co.id
LEFT JOIN (
    SELECT company_id, count(*) AS relationships
    FROM relationships GROUP BY company_id) rl ON rl.company_id = co.id;

CREATE UNIQUE INDEX account_overview_company_id ON account_overview (company_id);

CREATE FUNCTION refresh_account_overview() RETURNS void LANGUAGE sql AS $$
    REFRESH MATERIALIZED VIEW CONCURRENTLY account_overview
$$;
"""

DOWNGRADE = """
DROP FUNCTION refresh_account_overview();
DROP MATERIALIZED VIEW account_overview;
DROP FUNCTION get_conversation_engagement_metrics(integer);
DROP FUNCTION get_engagement_metrics(integer, integer, integer);
DROP FUNCTION get_touchpoint_history(integer, integer, integer);
DROP FUNCTION get_conversations_needing_followup(timestamptz, integer);
DROP FUNCTION get_active_conversations(integer);
DROP FUNCTION get_colleagues(integer);
DROP FUNCTION get_contact_relationships(integer);
DROP FUNCTION abm_strength_rank(text);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
