"""Triggers: derived owner columns, canonical relationships, counters kept for every writer.

Counters are kept by statement-level triggers over transition tables, so a COPY of a million
rows costs one UPDATE per touched parent, not one per row.

Locking order. A statement locks the rows it writes itself before its AFTER triggers run, so
the triggers lock parents strictly upwards from there, in one hierarchy:
touchpoints < contacts < conversations < companies, each level by id. A touchpoint writer thus
takes its contact, then its conversation, and never a company (touchpoints count nothing
there); a conversation writer (its own row first) takes its company. Concurrent writers on one
account then queue instead of deadlocking. (Locking companies first, as in the first draft,
deadlocked a status change, which holds its conversation and wants the company, against a new
touchpoint, which held the company and wanted the conversation.)

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPGRADE = r"""
-- updated_at moves when a user-visible column changes, not when a counter does.
CREATE FUNCTION abm_touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ignored text[] := TG_ARGV || ARRAY['updated_at'];
BEGIN
    IF (to_jsonb(NEW) - ignored) IS DISTINCT FROM (to_jsonb(OLD) - ignored) THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER companies_updated_at BEFORE UPDATE ON companies FOR EACH ROW
    EXECUTE FUNCTION abm_touch_updated_at('contact_count', 'active_conversation_count');
CREATE TRIGGER contacts_updated_at BEFORE UPDATE ON contacts FOR EACH ROW
    EXECUTE FUNCTION abm_touch_updated_at('engagement_points', 'engagement_score',
                                          'last_engaged_at');
CREATE TRIGGER relationships_updated_at BEFORE UPDATE ON relationships FOR EACH ROW
    EXECUTE FUNCTION abm_touch_updated_at();
CREATE TRIGGER conversations_updated_at BEFORE UPDATE ON conversations FOR EACH ROW
    EXECUTE FUNCTION abm_touch_updated_at('touchpoint_count', 'last_touchpoint_at');

-- Lock parents upwards (contacts, conversations, companies; each by id) before changing
-- them: the statement already holds the lower rows it wrote, so concurrent writers queue.
CREATE FUNCTION abm_lock_parents(p_companies integer[], p_conversations integer[],
                                 p_contacts integer[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM contacts WHERE id = ANY (p_contacts) ORDER BY id FOR NO KEY UPDATE;
    PERFORM 1 FROM conversations WHERE id = ANY (p_conversations) ORDER BY id FOR NO KEY UPDATE;
    PERFORM 1 FROM companies WHERE id = ANY (p_companies) ORDER BY id FOR NO KEY UPDATE;
END $$;

-- The rows a statement changed, signed: +1 for new rows, -1 for old ones.
CREATE FUNCTION abm_signed_rows(p_op text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_op
        WHEN 'INSERT' THEN 'SELECT 1 AS sign, * FROM new_rows'
        WHEN 'DELETE' THEN 'SELECT -1 AS sign, * FROM old_rows'
        ELSE 'SELECT 1 AS sign, * FROM new_rows UNION ALL SELECT -1 AS sign, * FROM old_rows'
    END
$$;

-- Statement triggers fire even when no row changed; those have nothing to count.
CREATE FUNCTION abm_nothing_changed(p_op text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_op WHEN 'DELETE' THEN 'SELECT NOT EXISTS (SELECT 1 FROM old_rows)'
                     ELSE 'SELECT NOT EXISTS (SELECT 1 FROM new_rows)' END
$$;

-- A derived column whose parent row is missing: raise the foreign key violation the FK would
-- (the BEFORE trigger runs first and would otherwise leave a NOT NULL error on the wrong column).
CREATE FUNCTION abm_missing_parent(p_table text, p_column text, p_value bigint, p_parent text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'insert or update on table "%" violates foreign key constraint "%"',
            p_table, p_table || '_' || p_column || '_fkey'
        USING ERRCODE = 'foreign_key_violation', TABLE = p_table, COLUMN = p_column,
              CONSTRAINT = p_table || '_' || p_column || '_fkey',
              DETAIL = format('Key (%s)=(%s) is not present in table "%s".',
                              p_column, p_value, p_parent);
END $$;

------------------------------------------------------------------------------------------
-- Relationships: manager_of(B, A) is stored as reports_to(A, B); the company is A's.
CREATE FUNCTION abm_relationship_canonical() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    other integer;
BEGIN
    IF NEW.relationship_type = 'manager_of' THEN
        other := NEW.contact_id;
        NEW.contact_id := NEW.related_contact_id;
        NEW.related_contact_id := other;
        NEW.relationship_type := 'reports_to';
    END IF;
    SELECT company_id INTO NEW.company_id FROM contacts WHERE id = NEW.contact_id;
    IF NOT FOUND THEN
        PERFORM abm_missing_parent('relationships', 'contact_id', NEW.contact_id, 'contacts');
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER relationships_canonical BEFORE INSERT OR UPDATE ON relationships
    FOR EACH ROW EXECUTE FUNCTION abm_relationship_canonical();

------------------------------------------------------------------------------------------
-- Conversations: the company is the contact's; closed_at follows the status.
CREATE FUNCTION abm_conversation_owner() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.contact_id IS DISTINCT FROM OLD.contact_id THEN
        RAISE EXCEPTION 'contact_id: a conversation cannot move to another contact'
            USING ERRCODE = 'check_violation', COLUMN = 'contact_id',
                  TABLE = 'conversations', CONSTRAINT = 'conversations_contact_fixed';
    END IF;
    SELECT company_id INTO NEW.company_id FROM contacts WHERE id = NEW.contact_id;
    IF NOT FOUND THEN
        PERFORM abm_missing_parent('conversations', 'contact_id', NEW.contact_id, 'contacts');
    END IF;
    IF NEW.status IN ('won', 'lost', 'closed') THEN
        NEW.closed_at := coalesce(NEW.closed_at, now());
    ELSE
        NEW.closed_at := NULL;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER conversations_owner BEFORE INSERT OR UPDATE ON conversations
    FOR EACH ROW EXECUTE FUNCTION abm_conversation_owner();

------------------------------------------------------------------------------------------
-- Touchpoints: contact and company are the conversation's. Bulk loaders may fill them in
-- themselves (the WHEN clause then skips the per-row lookup); a statement trigger checks them.
-- A value given that is not the conversation's is refused, never silently replaced.
CREATE FUNCTION abm_touchpoint_owner() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    owner conversations%ROWTYPE;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.conversation_id IS DISTINCT FROM OLD.conversation_id THEN
        RAISE EXCEPTION 'conversation_id: a touchpoint cannot move to another conversation'
            USING ERRCODE = 'check_violation', COLUMN = 'conversation_id',
                  TABLE = 'touchpoints', CONSTRAINT = 'touchpoints_conversation_fixed';
    END IF;
    SELECT * INTO owner FROM conversations WHERE id = NEW.conversation_id;
    IF NOT FOUND THEN
        PERFORM abm_missing_parent('touchpoints', 'conversation_id', NEW.conversation_id,
                                   'conversations');
    END IF;
    IF NEW.contact_id <> owner.contact_id OR NEW.company_id <> owner.company_id THEN
        RAISE EXCEPTION 'contact_id: touchpoint contact and company must be its conversation''s'
            USING ERRCODE = 'check_violation', COLUMN = 'contact_id', TABLE = 'touchpoints',
                  CONSTRAINT = 'touchpoints_owner_matches_conversation';
    END IF;
    NEW.contact_id := owner.contact_id;
    NEW.company_id := owner.company_id;
    RETURN NEW;
END $$;

CREATE TRIGGER touchpoints_owner_insert BEFORE INSERT ON touchpoints FOR EACH ROW
    WHEN (NEW.contact_id IS NULL OR NEW.company_id IS NULL)
    EXECUTE FUNCTION abm_touchpoint_owner();
CREATE TRIGGER touchpoints_owner_update BEFORE UPDATE ON touchpoints FOR EACH ROW
    WHEN (NEW.conversation_id IS DISTINCT FROM OLD.conversation_id
          OR NEW.contact_id IS DISTINCT FROM OLD.contact_id
          OR NEW.company_id IS DISTINCT FROM OLD.company_id)
    EXECUTE FUNCTION abm_touchpoint_owner();

------------------------------------------------------------------------------------------
-- What a touchpoint adds to its contact's engagement, and when it shows them engaged.
CREATE FUNCTION abm_touchpoint_points(p_channel text, p_direction text, p_opened timestamptz,
                                      p_clicked timestamptz, p_replied timestamptz)
RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN p_channel = 'meeting' THEN 10.0
        WHEN p_direction = 'inbound' AND p_channel = 'call' THEN 6.0
        WHEN p_direction = 'inbound' THEN 5.0
        ELSE (CASE WHEN p_opened IS NULL THEN 0 ELSE 1 END)
           + (CASE WHEN p_clicked IS NULL THEN 0 ELSE 3 END)
           + (CASE WHEN p_replied IS NULL THEN 0 ELSE 5 END)
    END::double precision
$$;

CREATE FUNCTION abm_touchpoint_engaged_at(p_channel text, p_direction text,
                                          p_occurred timestamptz, p_opened timestamptz,
                                          p_clicked timestamptz, p_replied timestamptz)
RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN p_direction = 'inbound' OR p_channel = 'meeting'
            THEN greatest(p_occurred, p_opened, p_clicked, p_replied)
        ELSE greatest(p_opened, p_clicked, p_replied)
    END
$$;

------------------------------------------------------------------------------------------
-- Counters. Each function serves the INSERT, UPDATE and DELETE triggers of its table.
CREATE FUNCTION abm_contacts_counters() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changes text := abm_signed_rows(TG_OP);
    delta text;
    empty boolean;
BEGIN
    EXECUTE abm_nothing_changed(TG_OP) INTO empty;
    IF empty THEN
        RETURN NULL;
    END IF;
    -- Nested IFs: plpgsql plans old_rows only on the branch where the trigger has it.
    IF TG_OP = 'UPDATE' THEN
        IF EXISTS (SELECT 1 FROM new_rows n JOIN old_rows o USING (id)
                   WHERE n.company_id <> o.company_id) THEN
            -- A contact moved to another account takes its conversations, touches and ties.
            -- Done before the counts below: conversations sit below companies in the order.
            UPDATE conversations cv SET company_id = n.company_id
                FROM new_rows n JOIN old_rows o USING (id)
                WHERE cv.contact_id = n.id AND n.company_id <> o.company_id;
            UPDATE touchpoints t SET company_id = n.company_id
                FROM new_rows n JOIN old_rows o USING (id)
                WHERE t.contact_id = n.id AND n.company_id <> o.company_id;
            UPDATE relationships r SET company_id = n.company_id
                FROM new_rows n JOIN old_rows o USING (id)
                WHERE r.contact_id = n.id AND n.company_id <> o.company_id;
        END IF;
    END IF;
    delta := format($q$
        SELECT company_id, sum(sign)::integer AS n FROM (%s) c
        GROUP BY company_id HAVING sum(sign) <> 0
    $q$, changes);
    -- The lock is a statement of its own so that the UPDATE takes its snapshot after the wait.
    EXECUTE format('SELECT abm_lock_parents(array_agg(company_id), NULL, NULL) FROM (%s) d',
                   delta);
    EXECUTE format('UPDATE companies co SET contact_count = co.contact_count + d.n
                    FROM (%s) d WHERE co.id = d.company_id', delta);
    RETURN NULL;
END $$;

CREATE FUNCTION abm_conversations_counters() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changes text := abm_signed_rows(TG_OP);
    delta text;
    empty boolean;
BEGIN
    EXECUTE abm_nothing_changed(TG_OP) INTO empty;
    IF empty THEN
        RETURN NULL;
    END IF;
    delta := format($q$
        SELECT company_id, sum(sign)::integer AS n FROM (%s) c
        WHERE status = 'active'
        GROUP BY company_id HAVING sum(sign) <> 0
    $q$, changes);
    -- The lock is a statement of its own so that the UPDATE takes its snapshot after the wait.
    EXECUTE format('SELECT abm_lock_parents(array_agg(company_id), NULL, NULL) FROM (%s) d',
                   delta);
    EXECUTE format('UPDATE companies co SET active_conversation_count = co.active_conversation_count + d.n
                    FROM (%s) d WHERE co.id = d.company_id', delta);
    RETURN NULL;
END $$;

CREATE FUNCTION abm_touchpoints_counters() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changes text := abm_signed_rows(TG_OP);
    conversation_delta text;
    contact_delta text;
    mismatch bigint;
    empty boolean;
BEGIN
    EXECUTE abm_nothing_changed(TG_OP) INTO empty;
    IF empty THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        SELECT n.id INTO mismatch FROM new_rows n JOIN conversations cv ON cv.id = n.conversation_id
            WHERE n.contact_id <> cv.contact_id OR n.company_id <> cv.company_id LIMIT 1;
        IF mismatch IS NOT NULL THEN
            RAISE EXCEPTION 'contact_id: touchpoint contact and company must be its conversation''s'
                USING ERRCODE = 'check_violation', COLUMN = 'contact_id', TABLE = 'touchpoints',
                      CONSTRAINT = 'touchpoints_owner_matches_conversation';
        END IF;
    END IF;

    -- What the statement changes per conversation and per contact. Parents whose kept values
    -- cannot change (an UPDATE of a subject, an outbound mail never opened) are left alone,
    -- unlocked: fewer waits, and an edit never queues behind a delete of its conversation.
    conversation_delta := format($q$
        SELECT conversation_id, sum(sign)::integer AS n,
               max(occurred_at) FILTER (WHERE sign > 0) AS added_last,
               max(occurred_at) FILTER (WHERE sign < 0) AS removed_last
        FROM (%s) c GROUP BY conversation_id
        HAVING sum(sign) <> 0
            OR max(occurred_at) FILTER (WHERE sign > 0)
               IS DISTINCT FROM max(occurred_at) FILTER (WHERE sign < 0)
    $q$, changes);
    contact_delta := format($q$
        SELECT contact_id, sum(sign * points) AS points,
               max(engaged_at) FILTER (WHERE sign > 0) AS added_last,
               max(engaged_at) FILTER (WHERE sign < 0) AS removed_last
        FROM (SELECT contact_id, sign,
                     abm_touchpoint_points(channel, direction, opened_at, clicked_at,
                                           replied_at) AS points,
                     abm_touchpoint_engaged_at(channel, direction, occurred_at, opened_at,
                                               clicked_at, replied_at) AS engaged_at
              FROM (%s) c) scored
        GROUP BY contact_id
        HAVING sum(sign * points) <> 0
            OR max(engaged_at) FILTER (WHERE sign > 0)
               IS DISTINCT FROM max(engaged_at) FILTER (WHERE sign < 0)
    $q$, changes);

    -- Locked in a statement of its own, so that the updates below take their snapshot after
    -- the wait and their look-ups see every touchpoint committed by the writers before us.
    EXECUTE format($q$
        SELECT abm_lock_parents(NULL,
                                (SELECT array_agg(conversation_id) FROM (%s) d),
                                (SELECT array_agg(contact_id) FROM (%s) d))
    $q$, conversation_delta, contact_delta);

    -- Conversations: count, and the last touch (looked up again only when it was removed).
    EXECUTE format($q$
        UPDATE conversations cv SET
            touchpoint_count = cv.touchpoint_count + delta.n,
            last_touchpoint_at = CASE
                WHEN delta.removed_last >= cv.last_touchpoint_at
                    THEN (SELECT max(t.occurred_at) FROM touchpoints t
                          WHERE t.conversation_id = cv.id)
                ELSE greatest(cv.last_touchpoint_at, delta.added_last)
            END
        FROM (%s) delta WHERE cv.id = delta.conversation_id
    $q$, conversation_delta);

    -- Contacts: engagement points, and when they last engaged.
    EXECUTE format($q$
        UPDATE contacts ct SET
            engagement_points = greatest(0, ct.engagement_points + delta.points),
            last_engaged_at = CASE
                WHEN delta.removed_last >= ct.last_engaged_at
                    THEN (SELECT max(abm_touchpoint_engaged_at(t.channel, t.direction,
                                     t.occurred_at, t.opened_at, t.clicked_at, t.replied_at))
                          FROM touchpoints t WHERE t.contact_id = ct.id)
                ELSE greatest(ct.last_engaged_at, delta.added_last)
            END
        FROM (%s) delta WHERE ct.id = delta.contact_id
    $q$, contact_delta);
    RETURN NULL;
END $$;
"""

STATEMENT_TRIGGERS = {
    "contacts": "abm_contacts_counters",
    "conversations": "abm_conversations_counters",
    "touchpoints": "abm_touchpoints_counters",
}

TRANSITIONS = {
    "INSERT": "REFERENCING NEW TABLE AS new_rows",
    "UPDATE": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "DELETE": "REFERENCING OLD TABLE AS old_rows",
}


def counter_triggers() -> str:
    """One statement-level trigger per table and event (transition tables allow one event)."""
    return "\n".join(
        f"CREATE TRIGGER {table}_counters_{event.lower()} AFTER {event} ON {table} "
        f"{referencing} FOR EACH STATEMENT EXECUTE FUNCTION {function}();"
        for table, function in STATEMENT_TRIGGERS.items()
        for event, referencing in TRANSITIONS.items()
    )


DOWNGRADE = """
DROP TRIGGER IF EXISTS companies_updated_at ON companies;
DROP TRIGGER IF EXISTS contacts_updated_at ON contacts;
DROP TRIGGER IF EXISTS relationships_updated_at ON relationships;
DROP TRIGGER IF EXISTS conversations_updated_at ON conversations;
DROP TRIGGER IF EXISTS relationships_canonical ON relationships;
DROP TRIGGER IF EXISTS conversations_owner ON conversations;
DROP TRIGGER IF EXISTS touchpoints_owner_insert ON touchpoints;
DROP TRIGGER IF EXISTS touchpoints_owner_update ON touchpoints;
DROP FUNCTION abm_touch_updated_at();
DROP FUNCTION abm_relationship_canonical();
DROP FUNCTION abm_conversation_owner();
DROP FUNCTION abm_touchpoint_owner();
DROP FUNCTION abm_contacts_counters();
DROP FUNCTION abm_conversations_counters();
DROP FUNCTION abm_touchpoints_counters();
DROP FUNCTION abm_touchpoint_points(text, text, timestamptz, timestamptz, timestamptz);
DROP FUNCTION abm_touchpoint_engaged_at(text, text, timestamptz, timestamptz, timestamptz,
                                        timestamptz);
DROP FUNCTION abm_lock_parents(integer[], integer[], integer[]);
DROP FUNCTION abm_signed_rows(text);
DROP FUNCTION abm_nothing_changed(text);
DROP FUNCTION abm_missing_parent(text, text, bigint, text);
"""


def upgrade() -> None:
    op.execute(UPGRADE)
    op.execute(counter_triggers())


def downgrade() -> None:
    drops = "\n".join(
        f"DROP TRIGGER IF EXISTS {table}_counters_{event.lower()} ON {table};"
        for table in STATEMENT_TRIGGERS
        for event in TRANSITIONS
    )
    op.execute(drops)
    op.execute(DOWNGRADE)
