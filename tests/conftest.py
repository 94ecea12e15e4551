"""Fixtures: a throwaway database on a real PostgreSQL (embedded, or DATABASE_URL's server)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator

import psycopg
import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlmodel import Session

from abm.db import init_db, make_engine, normalize_url


def _server_url() -> str:
    """A URL to the server the tests run against (its database part gets replaced)."""
    configured = os.environ.get("DATABASE_URL")
    if configured:
        return normalize_url(configured)
    from abm.embedded import server_url

    return server_url()


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class Databases:
    """Creates fresh databases on the test server and drops them all at the end."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self.admin = _libpq(make_url(server_url).set(database="postgres").render_as_string(False))
        self.created: list[str] = []

    def create(self, migrate: bool = True) -> str:
        name = f"abm_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        url = make_url(self.server_url).set(database=name).render_as_string(False)
        if migrate:
            engine = make_engine(url)
            init_db(engine)
            engine.dispose()
        return url

    def drop_all(self) -> None:
        with psycopg.connect(self.admin, autocommit=True) as conn:
            for name in self.created:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def databases() -> Iterator[Databases]:
    dbs = Databases(_server_url())
    yield dbs
    dbs.drop_all()


@pytest.fixture(scope="session")
def database_url(databases: Databases) -> str:
    """One migrated database shared by the tests that roll back."""
    return databases.create()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose every write, commits included, is rolled back after the test."""
    with engine.connect() as connection:
        transaction = connection.begin()
        with Session(bind=connection, join_transaction_mode="create_savepoint") as session:
            yield session
        transaction.rollback()


@pytest.fixture
def fresh_engine(databases: Databases) -> Iterator[Callable[[], Engine]]:
    """Engines on brand-new migrated databases, for tests that must really commit."""
    engines: list[Engine] = []

    def make() -> Engine:
        engine = make_engine(databases.create(), pool_size=10)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.dispose()
