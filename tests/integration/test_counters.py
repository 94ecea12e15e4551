"""The counters the database keeps equal the truth recomputed with plain SQL, for every writer."""

from __future__ import annotations

import io
import random
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from dblayer_helpers import drift, totals
from sqlalchemy import Connection, Engine, text
from sqlmodel import Session

from abm.models import ConversationStatus
from abm.repositories import ContactRepository, ConversationRepository, TouchpointRepository

CHANNELS = ["email", "sms", "call", "linkedin", "meeting", "other"]
STATUSES = [status.value for status in ConversationStatus]
BASE_TIME = datetime(2025, 1, 1, tzinfo=UTC)


def _libpq(engine: Engine) -> str:
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def _ids(connection: Connection, table: str) -> list[int]:
    return list(connection.execute(text(f"SELECT id FROM {table} ORDER BY id")).scalars())


def _when(rnd: random.Random) -> datetime:
    return BASE_TIME + timedelta(minutes=rnd.randrange(0, 60 * 24 * 90))


def _events(rnd: random.Random, occurred: datetime) -> dict[str, datetime | None]:
    later = [occurred + timedelta(hours=rnd.randrange(1, 72)) for _ in range(3)]
    return {
        name: (at if rnd.random() < 0.5 else None)
        for name, at in zip(("opened_at", "clicked_at", "replied_at"), later, strict=True)
    }


# --- random mixed operations -------------------------------------------------------------


class RandomWriter:
    """Random inserts, updates and deletes through plain SQL, as any client could send them."""

    def __init__(self, connection: Connection, rnd: random.Random) -> None:
        self.c = connection
        self.rnd = rnd
        self.serial = 0

    def pick(self, table: str) -> int | None:
        ids = _ids(self.c, table)
        return self.rnd.choice(ids) if ids else None

    def run(self, op: str) -> None:
        getattr(self, op)()

    def insert_company(self) -> None:
        self.serial += 1
        self.c.execute(text("INSERT INTO companies (name) VALUES (:n)"), {"n": f"Co {self.serial}"})

    def insert_contact(self) -> None:
        company = self.pick("companies")
        if company is not None:
            self.serial += 1
            self.c.execute(
                text("INSERT INTO contacts (company_id, email) VALUES (:co, :e)"),
                {"co": company, "e": f"p{self.serial}@x.example"},
            )

    def insert_conversation(self) -> None:
        contact = self.pick("contacts")
        if contact is not None:
            self.c.execute(
                text("INSERT INTO conversations (contact_id, status) VALUES (:c, :s)"),
                {"c": contact, "s": self.rnd.choice(STATUSES)},
            )

    def insert_touchpoints(self) -> None:
        """One to four touches in one multi-row statement."""
        conversation = self.pick("conversations")
        if conversation is None:
            return
        for _ in range(self.rnd.randint(1, 4)):
            occurred = _when(self.rnd)
            direction = self.rnd.choice(["inbound", "outbound"])
            events = _events(self.rnd, occurred) if direction == "outbound" else {}
            self.c.execute(
                text(
                    "INSERT INTO touchpoints (conversation_id, channel, direction, occurred_at,"
                    " opened_at, clicked_at, replied_at) VALUES (:cv, :ch, :d, :at, :o, :k, :r)"
                ),
                {
                    "cv": conversation,
                    "ch": self.rnd.choice(CHANNELS),
                    "d": direction,
                    "at": occurred,
                    "o": events.get("opened_at"),
                    "k": events.get("clicked_at"),
                    "r": events.get("replied_at"),
                },
            )

    def insert_relationship(self) -> None:
        a, b = self.pick("contacts"), self.pick("contacts")
        if a is None or a == b:
            return
        self.c.execute(
            text(
                "INSERT INTO relationships (contact_id, related_contact_id, relationship_type)"
                " VALUES (:a, :b, :t) ON CONFLICT DO NOTHING"
            ),
            {"a": a, "b": b, "t": self.rnd.choice(["colleague", "manager_of", "reports_to"])},
        )

    def update_status(self) -> None:
        self.c.execute(
            text("UPDATE conversations SET status = :s WHERE id = :id"),
            {"s": self.rnd.choice(STATUSES), "id": self.pick("conversations")},
        )

    def update_statuses_in_bulk(self) -> None:
        self.c.execute(
            text("UPDATE conversations SET status = :s WHERE id % 3 = :m"),
            {"s": self.rnd.choice(STATUSES), "m": self.rnd.randrange(3)},
        )

    def update_occurred_at(self) -> None:
        self.c.execute(
            text("UPDATE touchpoints SET occurred_at = :at WHERE id = :id"),
            {"at": _when(self.rnd), "id": self.pick("touchpoints")},
        )

    def shift_a_conversation(self) -> None:
        """A multi-row UPDATE that moves every touch of a conversation in time."""
        self.c.execute(
            text(
                "UPDATE touchpoints SET occurred_at = occurred_at + make_interval(days => :d)"
                " WHERE conversation_id = :cv"
            ),
            {"d": self.rnd.randint(-20, 20), "cv": self.pick("conversations")},
        )

    def update_events(self) -> None:
        touchpoint = self.pick("touchpoints")
        occurred = _when(self.rnd)
        self.c.execute(
            text(
                "UPDATE touchpoints SET opened_at = :o, clicked_at = :k, replied_at = :r"
                " WHERE id = :id AND direction = 'outbound'"
            ),
            {
                **dict(zip("okr", _events(self.rnd, occurred).values(), strict=True)),
                "id": touchpoint,
            },
        )

    def move_contact(self) -> None:
        self.c.execute(
            text("UPDATE contacts SET company_id = :co WHERE id = :id"),
            {"co": self.pick("companies"), "id": self.pick("contacts")},
        )

    def delete_touchpoint(self) -> None:
        self.c.execute(
            text("DELETE FROM touchpoints WHERE id = :id"), {"id": self.pick("touchpoints")}
        )

    def delete_touchpoints_in_bulk(self) -> None:
        self.c.execute(
            text("DELETE FROM touchpoints WHERE id % 5 = :m"), {"m": self.rnd.randrange(5)}
        )

    def delete_conversation(self) -> None:
        self.c.execute(
            text("DELETE FROM conversations WHERE id = :id"), {"id": self.pick("conversations")}
        )

    def delete_contact(self) -> None:
        self.c.execute(text("DELETE FROM contacts WHERE id = :id"), {"id": self.pick("contacts")})

    def delete_company(self) -> None:
        self.c.execute(text("DELETE FROM companies WHERE id = :id"), {"id": self.pick("companies")})


# Inserts outweigh deletes so that the data grows while being churned.
WEIGHTS = {
    "insert_company": 2,
    "insert_contact": 6,
    "insert_conversation": 6,
    "insert_touchpoints": 12,
    "insert_relationship": 3,
    "update_status": 5,
    "update_statuses_in_bulk": 1,
    "update_occurred_at": 5,
    "shift_a_conversation": 2,
    "update_events": 5,
    "move_contact": 3,
    "delete_touchpoint": 3,
    "delete_touchpoints_in_bulk": 1,
    "delete_conversation": 2,
    "delete_contact": 1,
    "delete_company": 1,
}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_counters_equal_the_truth_after_random_operations(
    fresh_engine: Callable[[], Engine], seed: int
) -> None:
    rnd = random.Random(seed)
    engine = fresh_engine()
    done: dict[str, int] = dict.fromkeys(WEIGHTS, 0)
    with engine.connect() as connection:
        writer = RandomWriter(connection, rnd)
        for _ in range(3):
            writer.insert_company()
        for step in range(400):
            op = rnd.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
            writer.run(op)
            done[op] += 1
            connection.commit()
            if step % 25 == 0:
                assert drift(connection) == {}, f"after {op} (step {step})"
        assert drift(connection) == {}
        assert totals(connection)["touchpoints"] > 20
        moved = connection.execute(
            text("SELECT count(*) FROM contacts WHERE engagement_points > 0")
        ).scalar_one()
    assert moved > 0
    assert all(count > 0 for count in done.values()), done


def test_a_contact_move_carries_its_account_data(fresh_engine: Callable[[], Engine]) -> None:
    engine = fresh_engine()
    with engine.begin() as c:
        old, new = (
            c.execute(
                text("INSERT INTO companies (name) VALUES (:n) RETURNING id"), {"n": n}
            ).scalar_one()
            for n in ("Old", "New")
        )
        mover, stayer = (
            c.execute(
                text("INSERT INTO contacts (company_id, email) VALUES (:co, :e) RETURNING id"),
                {"co": old, "e": e},
            ).scalar_one()
            for e in ("m@old.example", "s@old.example")
        )
        conversation = c.execute(
            text("INSERT INTO conversations (contact_id) VALUES (:c) RETURNING id"), {"c": mover}
        ).scalar_one()
        c.execute(
            text(
                "INSERT INTO touchpoints (conversation_id, channel, direction)"
                " VALUES (:cv, 'call', 'inbound')"
            ),
            {"cv": conversation},
        )
        c.execute(
            text("INSERT INTO relationships (contact_id, related_contact_id) VALUES (:a, :b)"),
            {"a": mover, "b": stayer},
        )
        c.execute(
            text("UPDATE contacts SET company_id = :new WHERE id = :id"), {"new": new, "id": mover}
        )
        counts: dict[str, int] = dict(
            c.execute(
                text("SELECT name, contact_count * 10 + active_conversation_count FROM companies")
            ).all()
        )
        assert counts == {"Old": 10, "New": 11}
        owners = c.execute(
            text(
                "SELECT (SELECT company_id FROM conversations), (SELECT company_id FROM"
                " touchpoints), (SELECT company_id FROM relationships)"
            )
        ).one()
        assert tuple(owners) == (new, new, new)
        assert drift(c) == {}


# --- rows written with plain SQL ---------------------------------------------------------


def _account(connection: Connection) -> tuple[int, int]:
    """A company with one contact; returns (company id, contact id)."""
    company = connection.execute(
        text("INSERT INTO companies (name) VALUES ('Bulk') RETURNING id")
    ).scalar_one()
    contact = connection.execute(
        text(
            "INSERT INTO contacts (company_id, email) VALUES (:co, 'first@bulk.example')"
            " RETURNING id"
        ),
        {"co": company},
    ).scalar_one()
    return company, contact


def test_multi_row_insert_with_required_columns_only(session: Session) -> None:
    c = session.connection()
    company, contact = _account(c)
    c.execute(
        text(
            "INSERT INTO contacts (company_id, email) SELECT :co, 'p' || g || '@bulk.example'"
            " FROM generate_series(1, 50) g"
        ),
        {"co": company},
    )
    c.execute(
        text(
            "INSERT INTO conversations (contact_id) SELECT id FROM contacts WHERE company_id = :co"
        ),
        {"co": company},
    )
    c.execute(
        text(
            "INSERT INTO touchpoints (conversation_id, channel, direction)"
            " SELECT cv.id, (ARRAY['email','call','meeting'])[1 + g % 3],"
            " (ARRAY['inbound','outbound'])[1 + g % 2]"
            " FROM conversations cv, generate_series(1, 6) g WHERE cv.company_id = :co"
        ),
        {"co": company},
    )
    row = c.execute(
        text("SELECT contact_count, active_conversation_count FROM companies WHERE id = :co"),
        {"co": company},
    ).one()
    assert tuple(row) == (51, 51)
    counts = set(
        c.execute(
            text("SELECT touchpoint_count FROM conversations WHERE company_id = :co"),
            {"co": company},
        ).scalars()
    )
    assert counts == {6}
    assert drift(c) == {}
    assert contact > 0


def _copy_rows(engine: Engine, sql: str, rows: list[tuple[Any, ...]]) -> None:
    with (
        psycopg.connect(_libpq(engine)) as connection,
        connection.cursor() as cursor,
        cursor.copy(sql) as copy,
    ):
        for row in rows:
            copy.write_row(row)


def test_copy_with_required_columns_only(fresh_engine: Callable[[], Engine]) -> None:
    engine = fresh_engine()
    with engine.begin() as c:
        company, contact = _account(c)
    _copy_rows(
        engine,
        "COPY contacts (company_id, email) FROM STDIN",
        [(company, f"copy{i}@bulk.example") for i in range(200)],
    )
    with engine.connect() as c:
        contacts = _ids(c, "contacts")
    _copy_rows(engine, "COPY conversations (contact_id) FROM STDIN", [(i,) for i in contacts])
    with engine.connect() as c:
        conversations = _ids(c, "conversations")
    rnd = random.Random(7)
    touches = [
        (cv, rnd.choice(CHANNELS), rnd.choice(["inbound", "outbound"]))
        for cv in conversations
        for _ in range(5)
    ]
    _copy_rows(engine, "COPY touchpoints (conversation_id, channel, direction) FROM STDIN", touches)
    with engine.connect() as c:
        assert drift(c) == {}
        assert totals(c)["touchpoints"] == 5 * 201
        assert c.execute(text("SELECT contact_count FROM companies")).scalar_one() == 201
        engaged = c.execute(
            text("SELECT count(*) FROM contacts WHERE engagement_points > 0")
        ).scalar_one()
    assert engaged > 100
    assert contact in contacts


def test_copy_of_a_bulk_loader_that_fills_the_owners(fresh_engine: Callable[[], Engine]) -> None:
    """A loader may give contact_id and company_id itself; right ones are taken as given."""
    engine = fresh_engine()
    with engine.begin() as c:
        company, contact = _account(c)
        conversation = c.execute(
            text("INSERT INTO conversations (contact_id) VALUES (:c) RETURNING id"),
            {"c": contact},
        ).scalar_one()
    opened = datetime(2025, 3, 1, tzinfo=UTC)
    rows = [(conversation, contact, company, "email", "outbound", opened)] * 30
    _copy_rows(
        engine,
        "COPY touchpoints (conversation_id, contact_id, company_id, channel, direction,"
        " opened_at) FROM STDIN",
        rows,
    )
    with engine.connect() as c:
        assert drift(c) == {}
        points = c.execute(text("SELECT engagement_points FROM contacts")).scalar_one()
    assert points == 30.0

    with engine.begin() as c:
        other = c.execute(
            text("INSERT INTO companies (name) VALUES ('Other') RETURNING id")
        ).scalar_one()
    wrong = [(conversation, contact, other, "email", "outbound", None)]
    with pytest.raises(psycopg.errors.CheckViolation) as error:
        _copy_rows(
            engine,
            "COPY touchpoints (conversation_id, contact_id, company_id, channel,"
            " direction, opened_at) FROM STDIN",
            wrong,
        )
    assert error.value.diag.constraint_name == "touchpoints_owner_matches_conversation"
    with engine.connect() as c:
        assert totals(c)["touchpoints"] == 30


def test_copy_of_many_rows_in_one_statement(fresh_engine: Callable[[], Engine]) -> None:
    """The statement triggers count a large COPY right (one update per parent)."""
    engine = fresh_engine()
    with engine.begin() as c:
        _, contact = _account(c)
        conversation = c.execute(
            text("INSERT INTO conversations (contact_id) VALUES (:c) RETURNING id"),
            {"c": contact},
        ).scalar_one()
    buffer = io.StringIO()
    for _i in range(20_000):
        buffer.write(f"{conversation}\tcall\tinbound\t2025-01-01 00:00:00+00\n")
    buffer.write(f"{conversation}\tmeeting\toutbound\t2025-06-01 12:00:00+00\n")
    with psycopg.connect(_libpq(engine)) as connection, connection.cursor() as cursor:
        copy_sql = "COPY touchpoints (conversation_id, channel, direction, occurred_at) FROM STDIN"
        with cursor.copy(copy_sql) as copy:
            copy.write(buffer.getvalue())
    with engine.connect() as c:
        row = c.execute(text("SELECT touchpoint_count, last_touchpoint_at FROM conversations"))
        count, last = row.one()
        points = c.execute(text("SELECT engagement_points FROM contacts")).scalar_one()
        assert drift(c) == {}
    assert count == 20_001
    assert last == datetime(2025, 6, 1, 12, tzinfo=UTC)
    assert points == 20_000 * 6 + 10


# --- many writers at once ----------------------------------------------------------------

WRITERS = 8
ROUNDS = 40


class _Shared:
    """Ids every writer may use: one account with a few contacts and conversations."""

    def __init__(self, company: int, contacts: list[int], conversations: list[int]) -> None:
        self.company = company
        self.contacts = contacts
        self.conversations = conversations


def _seed_account(engine: Engine) -> _Shared:
    with engine.begin() as c:
        company = c.execute(
            text("INSERT INTO companies (name) VALUES ('One account') RETURNING id")
        ).scalar_one()
        contacts = [
            c.execute(
                text("INSERT INTO contacts (company_id, email) VALUES (:co, :e) RETURNING id"),
                {"co": company, "e": f"seed{i}@one.example"},
            ).scalar_one()
            for i in range(4)
        ]
        conversations = [
            c.execute(
                text("INSERT INTO conversations (contact_id) VALUES (:c) RETURNING id"),
                {"c": contacts[i % 4]},
            ).scalar_one()
            for i in range(6)
        ]
    return _Shared(company, contacts, conversations)


def _sql_writer(engine: Engine, shared: _Shared, rnd: random.Random, me: int) -> None:
    """Plain SQL, one statement per transaction, like psql in autocommit mode."""
    mine: list[int] = []
    with psycopg.connect(_libpq(engine), autocommit=True) as c:
        for i in range(ROUNDS):
            conversation = rnd.choice(shared.conversations)
            op = rnd.randrange(7)
            if op <= 1:
                occurred = _when(rnd)
                c.execute(
                    "INSERT INTO touchpoints (conversation_id, channel, direction, occurred_at,"
                    " opened_at) VALUES (%s, %s, 'outbound', %s, %s)",
                    (
                        conversation,
                        rnd.choice(CHANNELS),
                        occurred,
                        occurred + timedelta(hours=1) if rnd.random() < 0.5 else None,
                    ),
                )
            elif op == 2:
                c.execute(
                    "UPDATE conversations SET status = %s WHERE id = %s",
                    (rnd.choice(STATUSES), conversation),
                )
            elif op == 3:
                c.execute(
                    "UPDATE touchpoints SET occurred_at = occurred_at - interval '1 day'"
                    " WHERE conversation_id = %s",
                    (conversation,),
                )
            elif op == 4:
                c.execute(
                    "UPDATE touchpoints SET opened_at = occurred_at + interval '2 hours'"
                    " WHERE conversation_id = %s AND direction = 'outbound'"
                    " AND opened_at IS NULL",
                    (conversation,),
                )
            elif op == 5:
                new = c.execute(
                    "INSERT INTO contacts (company_id, email) VALUES (%s, %s) RETURNING id",
                    (shared.company, f"sql{me}-{i}@one.example"),
                ).fetchone()
                assert new is not None
                created = c.execute(
                    "INSERT INTO conversations (contact_id) VALUES (%s) RETURNING id", (new[0],)
                ).fetchone()
                assert created is not None
                mine.append(created[0])
            elif mine:
                # Deletes only what this writer made: no one else edits it meanwhile.
                c.execute("DELETE FROM conversations WHERE id = %s", (mine.pop(),))


def _repository_writer(engine: Engine, shared: _Shared, rnd: random.Random, me: int) -> None:
    """The repositories, one commit per call, as the app and the CLI use them."""
    with Session(engine) as session:
        contacts = ContactRepository(session)
        conversations = ConversationRepository(session)
        touchpoints = TouchpointRepository(session)
        made: list[int] = []
        for i in range(ROUNDS):
            conversation = rnd.choice(shared.conversations)
            op = rnd.randrange(5)
            if op <= 1:
                touch = touchpoints.record_email_sent(conversation, sent_at=_when(rnd))
                made.append(int(touch.id or 0))
            elif op == 2:
                conversations.update_conversation_status(conversation, rnd.choice(STATUSES))
            elif op == 3 and made:
                touchpoints.record_email_opened(made[-1])
            else:
                contact = contacts.create_contact(shared.company, email=f"repo{me}-{i}@one.example")
                conversations.create_conversation(int(contact.id or 0), subject="Hi")
            session.commit()


@pytest.mark.parametrize("mix", ["sql", "repositories", "both"])
def test_many_writers_on_one_account(fresh_engine: Callable[[], Engine], mix: str) -> None:
    engine = fresh_engine()
    shared = _seed_account(engine)
    writers = {
        "sql": [_sql_writer] * WRITERS,
        "repositories": [_repository_writer] * WRITERS,
        "both": [_sql_writer, _repository_writer] * (WRITERS // 2),
    }[mix]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(writers))

    def run(writer: Callable[..., None], me: int) -> None:
        try:
            barrier.wait()
            writer(engine, shared, random.Random(me), me)
        except BaseException as exc:  # noqa: BLE001  (collected and asserted below)
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(w, i)) for i, w in enumerate(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [repr(error) for error in errors] == []
    with engine.connect() as c:
        assert drift(c) == {}
        assert totals(c)["touchpoints"] > WRITERS
        assert c.execute(text("SELECT contact_count FROM companies")).scalar_one() > 4
