"""Benchmark: health score and expansion targets of one account of 500 people, 2,000 ties.

Usage: python scripts/bench_graph.py [--contacts 500] [--relationships 2000] [--touches 5000]

Builds the account inside a transaction on the configured database (DATABASE_URL or the
embedded server), times the CompanyGraph calls, and rolls everything back.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlmodel import Session

from abm import scoring
from abm.db import get_engine, init_db
from abm.graph import CompanyGraph
from abm.models import Company, Contact, Conversation, Relationship, Touchpoint

AS_OF = datetime(2024, 6, 1, tzinfo=UTC)
ROLES = [None, None, "champion", "economic_buyer", "technical_buyer", "user", "influencer"]
SENIORITIES = ["c_level", "vp", "director", "manager", "senior", "entry", None]


def build_account(
    session: Session, contacts: int, ties: int, touches: int, seed: int
) -> tuple[int, int]:
    """Insert one account; returns (company id, primary contact id)."""
    rng = random.Random(seed)
    company = Company(name="Benchmark Corp", domain=f"bench{seed}-{time.time_ns()}.example.com")
    session.add(company)
    session.flush()
    people = [
        Contact(
            company_id=company.id,
            first_name=f"P{i}",
            last_name="Bench",
            email=f"p{i}.{company.domain}@example.com",
            role=rng.choice(ROLES),
            seniority=rng.choice(SENIORITIES),
            is_decision_maker=rng.random() < 0.05,
            is_primary=i == 0,
            opted_out=rng.random() < 0.02,
        )
        for i in range(contacts)
    ]
    session.add_all(people)
    session.flush()
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < ties:
        a, b = sorted(rng.sample(range(contacts), 2))
        pairs.add((a, b))
    session.add_all(
        Relationship(
            contact_id=people[a].id,
            related_contact_id=people[b].id,
            strength=rng.choice(["weak", "medium", "strong"]),
            confidence=rng.uniform(0.3, 1),
        )
        for a, b in sorted(pairs)
    )
    # A fifth of the people are being worked: one conversation each, holding every touch.
    talks = [
        Conversation(
            contact_id=p.id,
            qualification_tier=rng.choice(list(scoring.TIER_VALUES)),
            status=rng.choice(["active", "active", "paused", "closed"]),
            started_at=AS_OF - timedelta(days=200),
        )
        for p in people[: max(1, contacts // 5)]
    ]
    session.add_all(talks)
    session.flush()
    rows = []
    for _ in range(touches):
        talk = rng.choice(talks)
        at = AS_OF - timedelta(days=rng.uniform(0, 180))
        replied = at + timedelta(days=1) if rng.random() < 0.15 else None
        opened = at + timedelta(hours=2) if rng.random() < 0.4 else None
        rows.append(
            Touchpoint(
                conversation_id=talk.id,
                channel="email",
                occurred_at=at,
                opened_at=opened,
                replied_at=replied,
            )
        )
    session.add_all(rows)
    session.flush()
    assert company.id is not None and people[0].id is not None
    return company.id, people[0].id


def timed(action: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Median wall time in milliseconds over `repeat` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def raw_rows(session: Session, company_id: int) -> int:
    """Fetch the account's people, ties and touches as plain rows: the cost of reading alone."""
    queries = (
        "SELECT * FROM contacts WHERE company_id = :id",
        "SELECT * FROM relationships WHERE company_id = :id",
        "SELECT * FROM touchpoints WHERE company_id = :id",
    )
    return sum(len(session.execute(text(q), {"id": company_id}).all()) for q in queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=500)
    parser.add_argument("--relationships", type=int, default=2000)
    parser.add_argument("--touches", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    engine = get_engine()
    init_db(engine)
    with engine.connect() as connection:
        transaction = connection.begin()
        with Session(bind=connection) as session:
            start = time.perf_counter()
            company_id, primary_id = build_account(
                session, args.contacts, args.relationships, args.touches, args.seed
            )
            setup = (time.perf_counter() - start) * 1000
            graph = CompanyGraph(session)
            account = graph.load_account(company_id, AS_OF)
            figures = {
                # The floor: the account's rows fetched as plain tuples, no ORM, no scoring.
                "baseline: raw rows (3 queries)": timed(
                    lambda: raw_rows(session, company_id), args.repeat
                ),
                "load_account (5 queries)": timed(
                    lambda: graph.load_account(company_id, AS_OF), args.repeat
                ),
                "build_graph": timed(lambda: graph.build_graph(company_id), args.repeat),
                "scoring.health_score (pure)": timed(
                    lambda: scoring.health_score(account, AS_OF), args.repeat
                ),
                "scoring.rank_targets (pure)": timed(
                    lambda: scoring.rank_targets(account, primary_id, AS_OF), args.repeat
                ),
                "get_account_health_score": timed(
                    lambda: graph.get_account_health_score(company_id, as_of=AS_OF), args.repeat
                ),
                "find_expansion_targets": timed(
                    lambda: graph.find_expansion_targets(primary_id, as_of=AS_OF), args.repeat
                ),
            }
        transaction.rollback()
    print(
        f"account: {args.contacts} contacts, {args.relationships} relationships,"
        f" {args.touches} touchpoints (setup {setup:.0f} ms, rolled back)"
    )
    for name, (ms, _) in figures.items():
        print(f"  {name:<30} {ms:8.1f} ms  (median of {args.repeat})")
    both = figures["get_account_health_score"][0] + figures["find_expansion_targets"][0]
    print(f"  {'health + targets, end to end':<30} {both:8.1f} ms")
    baseline = figures["baseline: raw rows (3 queries)"][0]
    print(f"  end to end / baseline: {both / baseline:.1f}x (same machine, same run)")
    health = scoring.health_score(account, AS_OF)
    print(f"health {health.total:.2f} ({health.status}), components {health.components}")


if __name__ == "__main__":
    main()
