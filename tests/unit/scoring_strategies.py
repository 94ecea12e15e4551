"""Hypothesis strategies for accounts as abm.scoring sees them (shared by the scoring tests)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

from abm.scoring import Account, Deal, Person, Tie, Touch

AS_OF = datetime(2024, 6, 1, 12, tzinfo=UTC)
ROLES = [None, "champion", "economic_buyer", "technical_buyer", "user", "influencer"]
SENIORITIES = [None, "c_level", "vp", "director", "manager", "senior", "entry", "intern"]
TIERS = ["scorching", "hot", "warm", "cool", "cold"]
STATUSES = ["active", "paused", "won", "lost", "closed"]
STRENGTHS = ["weak", "medium", "strong"]


def moments(low_days: float = -20, high_days: float = 400) -> st.SearchStrategy[datetime]:
    """Moments around AS_OF: mostly before it, some after (which must be ignored)."""
    return st.floats(low_days, high_days).map(lambda d: AS_OF - timedelta(days=d))


@st.composite
def people(draw: st.DrawFn, max_size: int = 7) -> tuple[Person, ...]:
    n = draw(st.integers(1, max_size))
    return tuple(
        Person(
            id=i,
            name=draw(st.sampled_from(["", "Ann Lee", "Dr. Chen", "Bo"])),
            is_decision_maker=draw(st.booleans()),
            role=draw(st.sampled_from(ROLES)),
            seniority=draw(st.sampled_from(SENIORITIES)),
            opted_out=draw(st.booleans()),
        )
        for i in range(1, n + 1)
    )


@st.composite
def touch(draw: st.DrawFn, ids: list[int]) -> Touch:
    at = draw(moments())
    direction = draw(st.sampled_from(["outbound", "outbound", "inbound"]))
    channel = draw(st.sampled_from(["email", "email", "call", "meeting", "linkedin"]))
    later = st.none() | st.floats(0, 60).map(lambda d: at + timedelta(days=d))
    events = [draw(later) for _ in range(3)] if direction == "outbound" else [None] * 3
    return Touch(draw(st.sampled_from(ids)), at, direction, channel, *events)


@st.composite
def accounts(draw: st.DrawFn, max_people: int = 7) -> Account:
    crowd = draw(people(max_people))
    ids = [p.id for p in crowd]
    touches = draw(st.lists(touch(ids), max_size=25))
    deals = draw(
        st.lists(
            st.builds(
                Deal,
                st.sampled_from(ids),
                st.sampled_from(STATUSES),
                st.sampled_from(TIERS),
                st.none() | moments(),
                st.none() | moments(),
            ),
            max_size=4,
        )
    )
    pairs = [(a, b) for a in ids for b in ids if a < b]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True)) if pairs else []
    ties = [Tie(a, b, draw(st.sampled_from(STRENGTHS)), draw(st.floats(0, 1))) for a, b in chosen]
    return Account(crowd, tuple(touches), tuple(deals), tuple(ties))
