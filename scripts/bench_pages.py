"""Benchmark: demo load, each dashboard page rendered in AppTest (cold and warm), a 500-person map.

Usage: DATABASE_URL=postgresql://... python scripts/bench_pages.py   (default: embedded server)
Loads the demo data when the database is empty. Prints figures; asserts nothing.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

import streamlit as st
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from abm import charts, demo, queries  # noqa: E402
from abm.db import get_engine, init_db  # noqa: E402

PAGES = ("app.py", "pages/1_Account.py", "pages/2_Contact.py", "pages/3_Follow-ups.py")


def timed(action: object) -> float:
    start = time.perf_counter()
    action()  # type: ignore[operator]
    return time.perf_counter() - start


def ensure_demo() -> tuple[int, int]:
    """Demo data in the database; the biggest account and its most touched contact."""
    engine = get_engine()
    init_db(engine)
    with Session(engine) as session:
        if demo.is_empty(session):
            seconds = timed(lambda: demo.load_demo(session))
            session.commit()
            print(f"demo data loaded in {seconds:.2f} s")
        rows = queries.portfolio(session)
        biggest = max(rows, key=lambda r: r.contacts)
        history = queries.timeline(session, biggest.company_id)
    contact = max({e.contact_id for e in history}, key=[e.contact_id for e in history].count)
    return biggest.company_id, contact


def bench_page(page: str, **query: int) -> tuple[float, float]:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    if page != "app.py":
        at.switch_page(page)
    for key, value in query.items():
        at.query_params[key] = str(value)
    st.cache_data.clear()  # cold: every query runs; imports and the engine are warm already
    cold = timed(at.run)
    warm = timed(at.run)
    if at.exception:
        print(f"{page}: EXCEPTION {at.exception[0].message}")
    return cold, warm


def bench_baseline() -> float:
    """A page that only writes a line: what AppTest and Streamlit cost before any of ours."""
    at = AppTest.from_string("import streamlit as st\nst.write('baseline')", default_timeout=60)
    at.run()
    return timed(at.run)


def bench_big_map(size: int = 500) -> float:
    rng = random.Random(7)
    people = [charts.MapPerson(i, f"Person {i}", role="user") for i in range(size)]
    ties = [charts.MapTie(i, rng.randrange(i)) for i in range(1, size)]
    ties += [charts.MapTie(i, (i * 13) % size, "peer", "weak") for i in range(size) if i % 3 == 0]
    ties = [t for t in ties if t.a != t.b]
    return timed(lambda: charts.relationship_map_html(people, ties))


def main() -> None:
    company_id, contact_id = ensure_demo()
    bench_page("app.py")  # warm-up: imports, engine, migrations check
    baseline = bench_baseline()
    print(f"baseline, a one-line page: {baseline:.3f} s (ratios below are against it)")
    print(f"{'page':28} {'no cache':>9} {'cached':>9} {'cached/baseline':>16}")
    queries_of = {
        "pages/1_Account.py": {"company": company_id},
        "pages/2_Contact.py": {"contact": contact_id},
    }
    for page in PAGES:
        cold, warm = bench_page(page, **queries_of.get(page, {}))
        print(f"{page:28} {cold:9.3f} {warm:9.3f} {warm / baseline:15.1f}x")
    print(f"relationship map HTML, 500 people: {bench_big_map():.3f} s (layout + PageRank + JSON)")


if __name__ == "__main__":
    main()
