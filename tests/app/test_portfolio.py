"""The portfolio (home page) in AppTest: empty database, demo button, figures, search, filters."""

from __future__ import annotations

from dashboard_helpers import app_at, demo_app_db, demo_url, empty_app_db, metrics
from sqlalchemy import create_engine
from sqlmodel import Session

from abm import queries

__all__ = ["demo_app_db", "demo_url", "empty_app_db"]  # fixtures used below


def portfolio_rows(url: str) -> list[queries.PortfolioRow]:
    engine = create_engine(url)
    with Session(engine) as session:
        rows = queries.portfolio(session)
    engine.dispose()
    return rows


def test_an_empty_database_offers_the_demo_and_one_click_loads_it(empty_app_db: str) -> None:
    at = app_at().run()
    assert not at.exception
    assert "empty" in at.info[0].value
    load = next(b for b in at.button if b.label == "Load demo data")
    at = load.click().run()
    assert not at.exception
    assert int(metrics(at)["Accounts"]) == len(portfolio_rows(empty_app_db)) >= 30
    assert any("Demo data loaded" in s.value for s in at.success)


def test_the_portfolio_shows_every_account_and_the_health_bands(demo_app_db: str) -> None:
    at = app_at().run()
    assert not at.exception
    rows = portfolio_rows(demo_app_db)
    shown = metrics(at)
    assert int(shown["Accounts"]) == len(rows)
    for band, count in queries.band_counts(rows).items():
        assert int(shown[band.replace("_", " ").capitalize()]) == count
    table = at.dataframe[0].value
    assert len(table) == len(rows)
    assert set(table["Account"]) == {r.name for r in rows}
    assert all(url.startswith("Account?company=") for url in table["Open"])


def test_the_table_is_sorted_weakest_first_by_default(demo_app_db: str) -> None:
    table = app_at().run().dataframe[0].value
    assert list(table["Health"]) == sorted(table["Health"])


def test_a_fuzzy_search_finds_the_account_first(demo_app_db: str) -> None:
    at = app_at().run()
    at.text_input[0].input("nortwind helth").run()
    assert not at.exception
    assert at.dataframe[0].value["Account"].iloc[0] == "Northwind Health"


def test_filters_narrow_the_table(demo_app_db: str) -> None:
    at = app_at().run()
    health = next(m for m in at.multiselect if m.label == "Health")
    at = health.select("excellent").run()
    table = at.dataframe[0].value
    assert len(table) == int(metrics(at)["Excellent"])
    assert set(table["Band"]) == {"excellent"}


def test_follow_ups_due_are_counted_and_listed(demo_app_db: str) -> None:
    at = app_at().run()
    due = int(metrics(at)["Follow-ups due"])
    assert due > 0
    assert len(at.dataframe[1].value) == min(due, 15)
