"""Fixtures and helpers of the dashboard tests: databases for the app, demo data, AppTest runs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from abm.demo import load_demo

ROOT = Path(__file__).resolve().parent.parent
AS_OF = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)


def load_demo_into(url: str, as_of: datetime | None = None) -> dict[str, int]:
    """Load the demo data into the database at `url` and commit."""
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            summary = load_demo(session, as_of=as_of)
            session.commit()
    finally:
        engine.dispose()
    return summary


@pytest.fixture(scope="session")
def demo_url(databases) -> str:  # type: ignore[no-untyped-def]
    """A database with the demo data, dated now (the app reads as of now)."""
    url: str = databases.create()
    load_demo_into(url)
    return url


@pytest.fixture
def demo_app_db(demo_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The app pointed at the shared demo database (tests must not write to it)."""
    monkeypatch.setenv("DATABASE_URL", demo_url)
    yield demo_url


@pytest.fixture
def empty_app_db(databases, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The app pointed at a brand-new empty database it may write to."""
    url: str = databases.create()
    monkeypatch.setenv("DATABASE_URL", url)
    yield url


def app_at(page: str | None = None, **query: object) -> AppTest:
    """An AppTest of the app, switched to `page` (a path like "pages/1_Account.py")."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if page:
        at.switch_page(page)
    for key, value in query.items():
        at.query_params[key] = str(value)
    return at


def metrics(at: AppTest) -> dict[str, str]:
    """Metric label -> shown value."""
    return {m.label: m.value for m in at.metric}


def iframe_html(at: AppTest) -> str:
    """The srcdoc of the (first) st.iframe on the page."""
    frames = at.get("iframe")
    assert frames, "no iframe rendered"
    return str(frames[0].proto.srcdoc)
