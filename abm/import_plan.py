"""The set-based half of an import: per entity, how staged rows match, resolve and write."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import psycopg

from abm.errors import InvalidInputError

if TYPE_CHECKING:
    from abm.importing import ImportReport

Cursor = psycopg.Cursor[Any]
TEMP_VIEWS = ("abm_plan", "abm_rows")
TEMP_TABLES = (
    "abm_merged", "abm_dupkeys", "abm_convs", "abm_companies", "abm_ref_contact",
    "abm_ref_related", "abm_stage",
)


@dataclass(frozen=True)
class Write:
    """A column an import writes: its value from the plan row `s`, its default when created."""

    column: str
    value: str
    default: str | None = None
    on_update: bool = True

    @property
    def create(self) -> str:
        return f"coalesce({self.value}, {self.default})" if self.default else self.value


@dataclass(frozen=True)
class Spec:
    """How one entity is imported."""

    entity: str
    finish: Callable[[dict[str, str | None], set[str]], str]
    plan: str  # SELECT s.*, <resolved ids>, target_id FROM abm_rows s ...
    missing: str  # SQL over the plan row p: why it cannot be written, or NULL
    writes: tuple[Write, ...]
    prepare: Callable[[Job], None] | None = None
    parents: Callable[[Job], None] | None = None
    # Rows are inserted in file order (ids follow the file, so an export re-imports in the same
    # order); above this many rows the sort is skipped for speed and rows go in the join's
    # order (usually the file's: a big touchpoint file has far fewer threads than touches).
    sort_limit: int | None = None

    @property
    def table(self) -> str:
        return self.entity

    @property
    def updatable(self) -> tuple[Write, ...]:
        return tuple(w for w in self.writes if w.on_update)


def _ts(column: str) -> str:
    return f"s.{column}::timestamptz"


def _w(column: str, cast: str = "", default: str | None = None, update: bool = True) -> Write:
    return Write(column, f"s.{column}{cast}", default, update)


# --- row checks (Python, per row) ----------------------------------------------------------


def _need(values: dict[str, str | None], name: str, message: str = "is required") -> str:
    value = values.get(name)
    if not value:
        raise InvalidInputError(name, message)
    return value


def _finish_company(values: dict[str, str | None], mapped: set[str]) -> str:
    if not values["name"] and not values["domain"]:
        raise InvalidInputError("name", "a company needs a name or a domain")
    return values["domain"] or "name:" + (values["name"] or "").lower()


def _finish_contact(values: dict[str, str | None], mapped: set[str]) -> str:
    full = f"{values['first_name'] or ''} {values['last_name'] or ''}".strip()
    if not values["email"] and not full:
        raise InvalidInputError("email", "a contact needs an email address or a name")
    company = values["company_domain"] or (values["company_name"] or "").lower()
    return values["email"] or f"name:{full.lower()}|{company}"


def _who(values: dict[str, str | None], prefix: str) -> str:
    """The key of the contact a row names: its email, else its company and name."""
    email = values[f"{prefix}_email"]
    if email:
        return email
    first = (values[f"{prefix}_first_name"] or "").lower()
    last = (values[f"{prefix}_last_name"] or "").lower()
    if not first and not last:
        raise InvalidInputError(
            f"{prefix}_email",
            f"is required (or, for a contact without an email, {prefix}_first_name and "
            f"{prefix}_last_name with {prefix}_company_domain or {prefix}_company_name)",
        )
    company = values[f"{prefix}_company_domain"] or (values[f"{prefix}_company_name"] or "")
    if not company:
        raise InvalidInputError(
            f"{prefix}_company_domain",
            f"a contact named without an email needs its company ({prefix}_company_domain "
            f"or {prefix}_company_name)",
        )
    return f"name {first}|{last}|{company.lower()}"


def _finish_relationship(values: dict[str, str | None], mapped: set[str]) -> str:
    one = _who(values, "contact")
    other = _who(values, "related")
    if one == other:
        column = "related_email" if values["related_email"] else "related_first_name"
        raise InvalidInputError(column, "a contact cannot relate to themselves")
    return "|".join(sorted((one, other)))


def _finish_conversation(values: dict[str, str | None], mapped: set[str]) -> str:
    who = _who(values, "contact")
    return f"{who}|{(values['subject'] or '').lower()}|{values['started_at'] or ''}"


_REPLY_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|wg|tr)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)


def _finish_touchpoint(values: dict[str, str | None], mapped: set[str]) -> str:
    who = _who(values, "contact")
    occurred = _need(values, "occurred_at")
    values["channel"] = values["channel"] or "email"
    values["direction"] = values["direction"] or "outbound"
    if values["direction"] == "inbound":
        for event in ("opened_at", "clicked_at", "replied_at"):
            if values[event]:
                raise InvalidInputError(event, "only an outbound touchpoint can have this event")
    if "conversation_subject" not in mapped:
        # One conversation per thread: the subject without its Re:/Fwd: prefixes.
        values["conversation_subject"] = _REPLY_PREFIX.sub("", values["subject"] or "") or None
    if values["external_id"]:
        return f"{who}|x|{values['external_id']}"
    thread = (values["conversation_subject"] or "").lower()
    return (
        f"{who}|{thread}|{values['conversation_started_at'] or ''}|{occurred}|"
        f"{values['channel']}|{values['direction']}"
    )


# --- contacts a row names: by email, else by company and name (set-based) ---------------------


_WHO = ("email", "company_domain", "company_name", "first_name", "last_name")


def _ref(prefix: str, row: str = "s") -> str:
    """SQL: the row's reference to a contact, one text (no email has a space: no clash)."""
    parts = ", ".join(
        f"coalesce({row}.{prefix}_{name}, '')"
        for name in _WHO[1:]
    )
    return f"coalesce({row}.{prefix}_email, 'name ' || lower(concat_ws('|', {parts})))"


def _prepare_refs(job: Job, prefix: str, rows: str = "abm_rows") -> None:
    """Resolve every distinct contact reference of `rows` at once into abm_ref_<prefix>.

    By name, a contact without an email wins (exports name only those); more than one
    candidate left is ambiguous (`matches` > 1) and rejects the rows.
    """
    table = f"abm_ref_{prefix}"
    job.execute(f"""
        CREATE TEMP TABLE {table} ON COMMIT DROP AS
        SELECT {_ref(prefix)} AS ref, min(s.{prefix}_email) AS email,
               min(s.{prefix}_company_domain) AS domain,
               min(lower(s.{prefix}_company_name)) AS company_name,
               coalesce(min(lower(s.{prefix}_first_name)), '') AS first_name,
               coalesce(min(lower(s.{prefix}_last_name)), '') AS last_name,
               NULL::integer AS id, NULL::integer AS company_id, 0 AS matches
        FROM {rows} s GROUP BY 1;
        UPDATE {table} r SET id = c.id, matches = 1
        FROM contacts c WHERE r.email IS NOT NULL AND lower(c.email) = r.email;
        UPDATE {table} r SET matches = m.matches,
            id = CASE WHEN m.matches = 1 THEN m.id END
        FROM (
            SELECT rc.ref,
                CASE WHEN count(*) FILTER (WHERE c.email IS NULL) > 0
                     THEN count(*) FILTER (WHERE c.email IS NULL) ELSE count(*) END AS matches,
                coalesce(min(c.id) FILTER (WHERE c.email IS NULL), min(c.id)) AS id
            FROM (SELECT r.ref, r.first_name, r.last_name, co.id AS company_id
                  FROM {table} r JOIN companies co ON lower(co.domain) = r.domain
                  WHERE r.email IS NULL
                  UNION ALL
                  SELECT r.ref, r.first_name, r.last_name, co.id
                  FROM {table} r JOIN companies co ON lower(btrim(co.name)) = r.company_name
                  WHERE r.email IS NULL AND r.domain IS NULL) rc
            JOIN contacts c ON c.company_id = rc.company_id
                AND lower(btrim(c.first_name)) = rc.first_name
                AND lower(btrim(c.last_name)) = rc.last_name
            GROUP BY rc.ref) m
        WHERE r.ref = m.ref;
        UPDATE {table} r SET company_id = c.company_id FROM contacts c WHERE c.id = r.id;
    """)


def _prepare_contact(job: Job) -> None:
    _prepare_refs(job, "contact")


def _prepare_pair(job: Job) -> None:
    _prepare_refs(job, "contact")
    _prepare_refs(job, "related")


def _named_by(prefix: str) -> str:
    """SQL over the plan row p: the column that names the contact."""
    return (
        f"CASE WHEN p.{prefix}_email IS NOT NULL THEN '{prefix}_email' "
        f"WHEN p.{prefix}_first_name IS NOT NULL THEN '{prefix}_first_name' "
        f"ELSE '{prefix}_last_name' END"
    )


def _who_problem(prefix: str, found: str) -> str:
    """SQL over the plan row p: why the contact it names (`found`: its id) is not one, or NULL."""
    name = (
        f"quote_literal(btrim(coalesce(p.{prefix}_first_name, '') || ' ' || "
        f"coalesce(p.{prefix}_last_name, ''))) || ' at ' || "
        f"coalesce(p.{prefix}_company_domain, p.{prefix}_company_name)"
    )
    return (
        f"CASE WHEN p.{found} IS NOT NULL THEN NULL "
        f"WHEN p.{prefix}_matches > 1 THEN {_named_by(prefix)} || ': ambiguous: ' || "
        f"p.{prefix}_matches || ' contacts are named ' || {name} || "
        "' (give them email addresses, or tell them apart by name)' "
        f"WHEN p.{prefix}_email IS NOT NULL THEN "
        f"'{prefix}_email: no contact has the address ' || p.{prefix}_email "
        f"ELSE {_named_by(prefix)} || ': no contact is named ' || {name} END"
    )


# --- parents an import creates -------------------------------------------------------------

_FIND_COMPANY = """CASE WHEN {r}.domain IS NOT NULL THEN coalesce(
        (SELECT c.id FROM companies c WHERE lower(c.domain) = {r}.domain),
        (SELECT min(c.id) FROM companies c WHERE c.domain IS NULL
            AND lower(c.name) = lower({r}.name)))
    ELSE (SELECT min(c.id) FROM companies c WHERE lower(c.name) = lower({r}.name)) END"""


def _prepare_contacts(job: Job) -> None:
    """The companies the file names, by domain, else by name, found or to be created."""
    job.execute(f"""
        CREATE TEMP TABLE abm_companies ON COMMIT DROP AS
        SELECT ref, min(domain) AS domain, min(name) AS name, NULL::integer AS id
        FROM (SELECT coalesce(company_domain, 'n:' || lower(company_name)) AS ref,
                     company_domain AS domain, company_name AS name
              FROM abm_rows WHERE coalesce(company_domain, company_name) IS NOT NULL) r
        GROUP BY ref;
        UPDATE abm_companies r SET id = {_FIND_COMPANY.format(r="r")};
    """)


def _create_companies(job: Job) -> None:
    count = job.execute("""
        WITH made AS (
            INSERT INTO companies (name, domain, import_batch_id)
            SELECT coalesce(r.name, r.domain), r.domain, %(batch)s FROM abm_companies r
            WHERE r.id IS NULL AND EXISTS (
                SELECT 1 FROM abm_plan p
                WHERE p.company_ref = r.ref AND p.action IN ('created', 'updated'))
            ORDER BY r.ref
            RETURNING id, domain, name)
        UPDATE abm_companies r SET id = made.id FROM made
        WHERE r.id IS NULL AND made.domain IS NOT DISTINCT FROM r.domain
          AND (r.domain IS NOT NULL OR made.name = r.name)
    """)
    if count:
        job.report.parents_created["companies"] = count


def _prepare_touchpoints(job: Job) -> None:
    """One conversation per contact and thread: found, or created (not in update mode)."""
    who = ", ".join(f"min(s.contact_{name}) AS contact_{name}" for name in _WHO)
    job.execute(f"""
        CREATE TEMP TABLE abm_convs ON COMMIT DROP AS
        SELECT {_ref("contact")} AS contact_ref,
               lower(coalesce(s.conversation_subject, '')) AS conv_key,
               coalesce(s.conversation_started_at, '') AS started, {who},
               min(s.conversation_subject) AS subject, min(s.channel) AS channel,
               min(s.occurred_at::timestamptz) AS first_at, min(s.line) AS first_line,
               NULL::integer AS contact_id, NULL::integer AS company_id, 0 AS matches,
               NULL::integer AS conversation_id, false AS created
        FROM abm_rows s GROUP BY 1, 2, 3;
    """)
    # The threads are far fewer than the touches: resolve the contacts from them.
    _prepare_refs(job, "contact", "abm_convs")
    job.execute("""
        UPDATE abm_convs v SET contact_id = r.id, company_id = r.company_id, matches = r.matches
        FROM abm_ref_contact r WHERE r.ref = v.contact_ref;
        UPDATE abm_convs v SET conversation_id = (
            SELECT cv.id FROM conversations cv
            WHERE cv.contact_id = v.contact_id AND lower(coalesce(cv.subject, '')) = v.conv_key
              AND (v.started = '' OR cv.started_at = v.started::timestamptz)
            ORDER BY cv.started_at DESC, cv.id DESC LIMIT 1)
        WHERE v.contact_id IS NOT NULL;
    """)
    if job.report.mode == "update":
        return
    count = job.execute("""
        INSERT INTO conversations (contact_id, subject, channel, started_at, import_batch_id)
        SELECT contact_id, subject, channel,
               CASE WHEN started = '' THEN first_at ELSE started::timestamptz END, %(batch)s
        FROM abm_convs WHERE contact_id IS NOT NULL AND conversation_id IS NULL
        ORDER BY first_line
    """)
    if count:
        job.report.parents_created["conversations"] = count
        job.execute("""
            UPDATE abm_convs v SET conversation_id = cv.id, created = true
            FROM conversations cv
            WHERE cv.import_batch_id = %(batch)s AND v.conversation_id IS NULL
              AND v.contact_id IS NOT NULL AND cv.contact_id = v.contact_id
              AND lower(coalesce(cv.subject, '')) = v.conv_key
              AND cv.started_at = CASE WHEN v.started = '' THEN v.first_at
                                       ELSE v.started::timestamptz END
        """)


# --- the entities --------------------------------------------------------------------------

_CONTACT_PROBLEM = _who_problem("contact", "contact_id")

SPECS: dict[str, Spec] = {
    "companies": Spec(
        entity="companies",
        finish=_finish_company,
        plan=f"SELECT s.*, {_FIND_COMPANY.format(r='s')} AS target_id FROM abm_rows s",
        missing="NULL::text",
        writes=(
            Write("name", "s.name", "s.domain"), _w("domain"), _w("industry"), _w("sector"),
            _w("tier", "::integer"), _w("status", default="'target'"),
            _w("employee_count", "::integer"), _w("annual_revenue", "::bigint"),
            _w("location"), _w("owner"), _w("description"),
            _w("research_data", "::jsonb", "'{}'::jsonb"),
            Write("research_updated_at", _ts("research_updated_at")),
        ),
    ),
    "contacts": Spec(
        entity="contacts",
        finish=_finish_contact,
        prepare=_prepare_contacts,
        parents=_create_companies,
        plan="""
            SELECT s.*, co.ref AS company_ref, co.id AS company_id,
                CASE WHEN s.email IS NOT NULL
                    THEN (SELECT c.id FROM contacts c WHERE lower(c.email) = s.email)
                    ELSE (SELECT min(c.id) FROM contacts c
                          WHERE c.email IS NULL AND c.company_id = co.id
                            AND lower(btrim(c.first_name || ' ' || c.last_name))
                              = lower(btrim(coalesce(s.first_name, '') || ' '
                                            || coalesce(s.last_name, ''))))
                END AS target_id
            FROM abm_rows s LEFT JOIN abm_companies co
                ON co.ref = coalesce(s.company_domain, 'n:' || lower(s.company_name))""",
        missing="CASE WHEN p.target_id IS NULL AND p.company_ref IS NULL THEN "
        "'company_domain: a new contact needs its company (company_domain or company_name)' END",
        writes=(
            _w("company_id"), _w("first_name", default="''"), _w("last_name", default="''"),
            _w("email"), _w("phone"), _w("title"), _w("department"), _w("role"),
            _w("seniority"), _w("is_decision_maker", "::boolean", "false"),
            _w("is_primary", "::boolean", "false"), _w("linkedin_url"), _w("location"),
            _w("timezone"), _w("interests", "::jsonb", "'[]'::jsonb"),
            _w("communication_preferences", "::jsonb", "'{}'::jsonb"),
            _w("preferred_channel"), _w("opted_out", "::boolean", "false"), _w("notes"),
        ),
    ),
    "relationships": Spec(
        entity="relationships",
        finish=_finish_relationship,
        prepare=_prepare_pair,
        plan=f"""
            SELECT s.*, a.id AS contact_id, a.matches AS contact_matches,
                b.id AS related_contact_id, b.matches AS related_matches,
                (SELECT r.id FROM relationships r
                 WHERE least(r.contact_id, r.related_contact_id) = least(a.id, b.id)
                   AND greatest(r.contact_id, r.related_contact_id) = greatest(a.id, b.id))
                AS target_id
            FROM abm_rows s
            LEFT JOIN abm_ref_contact a ON a.ref = {_ref("contact")}
            LEFT JOIN abm_ref_related b ON b.ref = {_ref("related")}""",
        missing=f"coalesce({_CONTACT_PROBLEM}, "
        f"{_who_problem('related', 'related_contact_id')}, "
        f"CASE WHEN p.contact_id = p.related_contact_id THEN {_named_by('related')} "
        "|| ': a contact cannot relate to themselves' END)",
        writes=(
            _w("contact_id", update=False), _w("related_contact_id", update=False),
            _w("relationship_type", default="'colleague'"), _w("strength", default="'medium'"),
            _w("confidence", "::float8", "1.0"), _w("source"), _w("notes"),
        ),
    ),
    "conversations": Spec(
        entity="conversations",
        finish=_finish_conversation,
        prepare=_prepare_contact,
        plan=f"""
            SELECT s.*, ct.id AS contact_id, ct.matches AS contact_matches,
                (SELECT cv.id FROM conversations cv
                 WHERE cv.contact_id = ct.id
                   AND lower(coalesce(cv.subject, '')) = lower(coalesce(s.subject, ''))
                   AND (s.started_at IS NULL OR cv.started_at = s.started_at::timestamptz)
                 ORDER BY cv.started_at DESC, cv.id DESC LIMIT 1) AS target_id
            FROM abm_rows s LEFT JOIN abm_ref_contact ct ON ct.ref = {_ref("contact")}""",
        missing=_CONTACT_PROBLEM,
        writes=(
            _w("contact_id", update=False), _w("subject"), _w("status", default="'active'"),
            _w("qualification_tier", default="'warm'"), _w("channel"), _w("owner"),
            Write("next_followup_at", _ts("next_followup_at")),
            _w("context", "::jsonb", "'{}'::jsonb"), _w("outcome"),
            Write("started_at", _ts("started_at"), "now()"),
            Write("closed_at", _ts("closed_at")),
        ),
    ),
    "touchpoints": Spec(
        entity="touchpoints",
        finish=_finish_touchpoint,
        prepare=_prepare_touchpoints,
        sort_limit=100_000,
        plan=f"""
            SELECT s.*, v.conversation_id, v.contact_id, v.company_id,
                v.matches AS contact_matches,
                CASE WHEN v.conversation_id IS NULL OR v.created THEN NULL
                     WHEN s.external_id IS NOT NULL THEN
                        (SELECT t.id FROM touchpoints t
                         WHERE t.contact_id = v.contact_id AND t.external_id = s.external_id)
                     ELSE (SELECT min(t.id) FROM touchpoints t
                           WHERE t.conversation_id = v.conversation_id
                             AND t.occurred_at = s.occurred_at::timestamptz
                             AND t.channel = s.channel AND t.direction = s.direction)
                END AS target_id
            FROM abm_rows s LEFT JOIN abm_convs v
                ON v.contact_ref = {_ref("contact")}
               AND v.conv_key = lower(coalesce(s.conversation_subject, ''))
               AND v.started = coalesce(s.conversation_started_at, '')""",
        missing=f"coalesce({_CONTACT_PROBLEM}, "
        "CASE WHEN p.conversation_id IS NULL THEN 'conversation_subject: no conversation '"
        " || quote_literal(coalesce(p.conversation_subject, '')) || ' with this contact'"
        " || ' (mode update creates none)' END)",
        writes=(
            _w("conversation_id", update=False), _w("contact_id", update=False),
            _w("company_id", update=False), _w("channel", default="'email'"),
            _w("direction", default="'outbound'"), Write("occurred_at", _ts("occurred_at")),
            _w("subject"), _w("content"), _w("external_id"),
            _w("duration_minutes", "::integer"),
            *(Write(c, _ts(c)) for c in ("delivered_at", "opened_at", "clicked_at", "replied_at")),
            _w("details", "::jsonb", "'{}'::jsonb"),
        ),
    ),
}


# --- one run -------------------------------------------------------------------------------


@dataclass
class Job:
    """The SQL side of one import, on the caller's cursor and transaction."""

    cur: Cursor
    report: ImportReport
    spec: Spec
    fields: list[str]
    batch: int = 0
    planned: dict[str, int] = field(default_factory=dict)
    targets: dict[int, int] = field(default_factory=dict)

    def execute(self, sql: str, params: dict[str, Any] | None = None) -> int:
        self.cur.execute(sql.encode(), {"batch": self.batch, **(params or {})})  # type: ignore[arg-type]
        return self.cur.rowcount

    def start(self) -> None:
        self.cleanup()
        columns = ", ".join(f"{name} text" for name in self.fields)
        self.execute(
            f"CREATE TEMP TABLE abm_stage (line integer, k text, {columns}) ON COMMIT DROP"
        )
        self.cur.execute(
            "INSERT INTO import_batches (entity, filename, preset, mode) "
            "VALUES (%s, %s, %s, %s) RETURNING id",
            (self.spec.entity, self.report.filename, self.report.preset, self.report.mode),
        )
        row = self.cur.fetchone()
        assert row is not None
        self.batch = int(row[0])

    def copy_sql(self) -> str:
        return f"COPY abm_stage (line, k, {', '.join(self.fields)}) FROM STDIN (FORMAT csv)"

    def cleanup(self) -> None:
        for view in TEMP_VIEWS:
            self.execute(f"DROP VIEW IF EXISTS pg_temp.{view}")
        for table in TEMP_TABLES:
            self.execute(f"DROP TABLE IF EXISTS pg_temp.{table}")

    # -- planning

    def plan(self, rejects: dict[int, str], max_outcomes: int) -> None:
        """Merge repeats, resolve references, decide every row; fill the report's figures."""
        from abm.importing import RowOutcome

        self.execute("ANALYZE abm_stage")
        merged = self._merge_repeats()
        if self.spec.prepare:
            self.spec.prepare(self)
        self.execute(f"CREATE TEMP VIEW abm_plan AS {self._decide()}")
        self.cur.execute("SELECT action, count(*) FROM abm_plan GROUP BY action")
        self.planned = {action: int(n) for action, n in self.cur.fetchall()}
        report = self.report
        report.created = self.planned.get("created", 0)
        report.updated = self.planned.get("updated", 0)
        report.merged = len(merged)
        report.rejected = self.planned.get("rejected", 0) + len(rejects)
        outcomes = [RowOutcome(line, "rejected", "", reason) for line, reason in rejects.items()]
        outcomes += [RowOutcome(line, "merged", k, f"merged into line {kept}")
                     for line, k, kept in merged]
        if report.rows <= max_outcomes:
            where = ""
        elif self.planned.get("rejected"):
            where, report.outcomes_truncated = "WHERE action = 'rejected'", True
        else:
            where, report.outcomes_truncated = "WHERE false", True
        self.cur.execute(
            f"SELECT line, action, k, coalesce(reason, ''), target_id FROM abm_plan {where}"
        )
        for line, action, key, reason, target in self.cur:
            outcomes.append(RowOutcome(line, action, key, reason))
            if action == "updated":
                self.targets[line] = target
        outcomes.sort(key=lambda o: o.line)
        report.rejected_lines = {o.line: o.reason for o in outcomes if o.action == "rejected"}
        if len(outcomes) > max_outcomes:
            report.outcomes_truncated = True
            outcomes = outcomes[:max_outcomes]
        report.outcomes = outcomes

    def _merge_repeats(self) -> list[tuple[int, str, int]]:
        """Rows of the file with the same key become one: the last non-empty cell wins."""
        self.execute("""
            CREATE TEMP TABLE abm_dupkeys ON COMMIT DROP AS
            SELECT k, max(line) AS kept FROM abm_stage GROUP BY k HAVING count(*) > 1
        """)
        self.cur.execute("SELECT count(*) FROM abm_dupkeys")
        row = self.cur.fetchone()
        if not row or not row[0]:
            self.execute("CREATE TEMP VIEW abm_rows AS SELECT * FROM abm_stage")
            return []
        merged_cells = ", ".join(
            f"(array_agg({name} ORDER BY line DESC) FILTER (WHERE {name} IS NOT NULL))[1]"
            f" AS {name}"
            for name in self.fields
        )
        self.execute(f"""
            CREATE TEMP TABLE abm_merged ON COMMIT DROP AS
            SELECT s.* FROM abm_stage s WHERE NOT EXISTS (
                SELECT 1 FROM abm_dupkeys d WHERE d.k = s.k)
            UNION ALL
            SELECT max(line), k, {merged_cells} FROM abm_stage s
            WHERE EXISTS (SELECT 1 FROM abm_dupkeys d WHERE d.k = s.k) GROUP BY k;
            CREATE TEMP VIEW abm_rows AS SELECT * FROM abm_merged;
        """)
        self.cur.execute("""
            SELECT s.line, s.k, d.kept FROM abm_stage s JOIN abm_dupkeys d USING (k)
            WHERE s.line <> d.kept ORDER BY s.line
        """)
        return [(int(a), str(b), int(c)) for a, b, c in self.cur.fetchall()]

    def _decide(self) -> str:
        mode = self.report.mode
        singular = self.spec.entity.removesuffix("s").removesuffix("ie") + (
            "y" if self.spec.entity.endswith("ies") else ""
        )
        assert mode in {"create", "upsert", "update"}  # inlined below: views take no parameters
        missing = self.spec.missing
        return f"""
            SELECT p.*,
                CASE WHEN ({missing}) IS NOT NULL THEN 'rejected'
                     WHEN p.target_id IS NULL AND '{mode}' = 'update' THEN 'rejected'
                     WHEN p.target_id IS NOT NULL AND '{mode}' = 'create' THEN 'rejected'
                     WHEN p.target_id IS NULL THEN 'created' ELSE 'updated' END AS action,
                CASE WHEN ({missing}) IS NOT NULL THEN ({missing})
                     WHEN p.target_id IS NULL AND '{mode}' = 'update'
                        THEN 'no existing {singular} matches (mode update creates none)'
                     WHEN p.target_id IS NOT NULL AND '{mode}' = 'create'
                        THEN 'already exists (mode create; use mode upsert to update it)'
                END AS reason
            FROM ({self.spec.plan}) p"""

    # -- writing

    def write(self) -> None:
        if self.spec.parents:
            self.spec.parents(self)
        changed = self._update() if self.planned.get("updated") else 0
        self.report.unchanged = self.report.updated - changed
        self.report.updated = changed
        if self.planned.get("created"):
            self._insert()
        self._finish_batch()

    def _update(self) -> int:
        spec = self.spec
        old = ", ".join(f"t.{w.column}" for w in spec.updatable)
        new = ", ".join(f"coalesce({w.value}, t.{w.column})" for w in spec.updatable)
        differs = f"(({old}) IS DISTINCT FROM ({new}))"
        joined = (
            f"FROM abm_plan s WHERE s.action = 'updated' AND t.id = s.target_id AND {differs}"
        )
        self.execute(
            "INSERT INTO import_changes (batch_id, entity, row_id, action, previous) "
            f"SELECT %(batch)s, '{spec.entity}', t.id, 'updated', to_jsonb(t) "
            f"FROM {spec.table} t, abm_plan s WHERE s.action = 'updated' "
            f"AND t.id = s.target_id AND {differs}"
        )
        sets = ", ".join(f"{w.column} = coalesce({w.value}, t.{w.column})" for w in spec.updatable)
        changed = self.execute(
            f"UPDATE {spec.table} t SET {sets}, import_batch_id = %(batch)s {joined}"
        )
        self._mark_unchanged()
        return changed

    def _mark_unchanged(self) -> None:
        if not self.targets:
            return
        self.cur.execute(
            "SELECT row_id FROM import_changes WHERE batch_id = %s AND row_id = ANY(%s)",
            (self.batch, list(self.targets.values())),
        )
        changed = {int(row_id) for (row_id,) in self.cur.fetchall()}
        for outcome in self.report.outcomes:
            if outcome.action == "updated" and self.targets.get(outcome.line) not in changed:
                outcome.action = "unchanged"

    def _insert(self) -> None:
        spec = self.spec
        columns = ", ".join(w.column for w in spec.writes)
        values = ", ".join(w.create for w in spec.writes)
        limit = spec.sort_limit
        order = " ORDER BY s.line" if limit is None or self.report.rows <= limit else ""
        self.execute(
            f"INSERT INTO {spec.table} ({columns}, import_batch_id) "
            f"SELECT {values}, %(batch)s FROM abm_plan s WHERE s.action = 'created'{order}"
        )

    def _finish_batch(self) -> None:
        report = self.report
        summary = {"rows": report.rows, "merged": report.merged,
                   "unchanged": report.unchanged, "parents_created": report.parents_created,
                   "warnings": report.warnings[:20]}
        self.cur.execute(
            "UPDATE import_batches SET status = 'completed', created_count = %s, "
            "updated_count = %s, rejected_count = %s, summary = %s::jsonb, finished_at = now() "
            "WHERE id = %s",
            (report.created, report.updated, report.rejected, json.dumps(summary), self.batch),
        )
        report.batch_id = self.batch


# --- revert --------------------------------------------------------------------------------

_REVERT_ORDER = ("touchpoints", "conversations", "relationships", "contacts", "companies")


def revert(cur: Cursor, batch: int) -> tuple[int, int]:
    """Restore what the batch updated, then delete what it created: (restored, deleted)."""
    restored = deleted = 0
    for entity in _REVERT_ORDER:
        columns = [w.column for w in SPECS[entity].updatable] + ["import_batch_id"]
        targets = ", ".join(columns)
        sources = ", ".join(f"p.{c}" for c in columns)
        cur.execute(
            f"UPDATE {entity} t SET ({targets}) = (SELECT {sources} "  # type: ignore[arg-type]
            f"FROM jsonb_populate_record(NULL::{entity}, c.previous) p) "
            "FROM import_changes c WHERE c.batch_id = %s AND c.entity = %s "
            "AND c.action = 'updated' AND t.id = c.row_id",
            (batch, entity),
        )
        restored += cur.rowcount
    for entity in _REVERT_ORDER:
        cur.execute(f"DELETE FROM {entity} WHERE import_batch_id = %s", (batch,))  # type: ignore[arg-type]
        deleted += cur.rowcount
    return restored, deleted
