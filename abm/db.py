"""The database: one engine per process, from DATABASE_URL or the embedded server; migrations."""

from __future__ import annotations

import functools
import os
from importlib.resources import files

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

# Any number will do as long as every process that migrates uses the same one.
MIGRATION_LOCK_KEY = 7_146_205


def normalize_url(url: str) -> str:
    """Force the psycopg 3 driver whatever form of PostgreSQL URL is given."""
    parsed = make_url(url)
    if parsed.get_backend_name() not in {"postgresql", "postgres"}:
        raise ValueError(f"DATABASE_URL: only PostgreSQL is supported, got {parsed.drivername!r}")
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def database_url() -> str:
    """DATABASE_URL when set, else the embedded server (started if need be)."""
    configured = os.environ.get("DATABASE_URL")
    if configured:
        return normalize_url(configured)
    from abm.embedded import server_url

    return server_url()


# Sessions speak UTC whatever the server's own zone, so timestamps read back the same everywhere.
CONNECT_ARGS = {"options": "-c timezone=UTC"}


def make_engine(url: str, **kwargs: object) -> Engine:
    """A new engine on `url`, set up as every engine of abm is (UTC sessions, pre-ping)."""
    options: dict[str, object] = {"pool_pre_ping": True, "connect_args": CONNECT_ARGS}
    return create_engine(normalize_url(url), **(options | kwargs))


@functools.cache
def _engine_for(url: str) -> Engine:
    return make_engine(url, pool_size=5, max_overflow=10)


def get_engine(url: str | None = None) -> Engine:
    """The process's engine for `url` (default: DATABASE_URL or the embedded server)."""
    return _engine_for(normalize_url(url) if url else database_url())


def alembic_config() -> Config:
    """Alembic settings pointing at the migrations inside the installed package."""
    config = Config()
    config.set_main_option("script_location", str(files("abm") / "migrations"))
    return config


def init_db(engine: Engine) -> None:
    """Upgrade the schema to head; safe to run again and from several processes at once."""
    with engine.begin() as connection:
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def current_revision(engine: Engine) -> str | None:
    """The schema version the database is at, or None before the first migration."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
