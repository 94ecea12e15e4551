"""Account health: bounds, exact totals, bands, as_of cut-off and monotonicity of replies."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st
from scoring_strategies import AS_OF, accounts

from abm.scoring import (
    WEIGHTS,
    Account,
    Deal,
    Person,
    Tie,
    Touch,
    coverage_checklist,
    health_score,
    rank_targets,
    status_for,
)


def last_event(account: Account) -> float:
    """Days before AS_OF of the newest event counted as of AS_OF (400 when none)."""
    times = []
    for t in account.touches:
        for at in (t.occurred_at, t.opened_at, t.clicked_at, t.replied_at):
            if at is not None and at <= AS_OF and t.occurred_at <= AS_OF:
                times.append((AS_OF - at).total_seconds() / 86400)
    return min(times, default=400.0)


@given(accounts())
def test_every_component_and_the_total_stay_within_0_and_100(account: Account) -> None:
    health = health_score(account, AS_OF)
    assert set(health.components) == set(health.weights) == set(WEIGHTS)
    assert all(0 <= v <= 100 and v == int(v) for v in health.components.values())
    assert 0 <= health.total <= 100
    assert all(isinstance(v, float) for v in [health.total, *health.components.values()])


@given(accounts())
def test_the_total_is_exactly_the_weighted_sum_in_any_order(account: Account) -> None:
    health = health_score(account, AS_OF)
    keys = list(health.weights)
    assert sum(health.weights.values()) == 1
    assert health.total == sum(health.components[k] * health.weights[k] for k in keys)
    assert health.total == sum(health.components[k] * health.weights[k] for k in reversed(keys))


@given(accounts())
def test_status_is_read_from_the_total_and_advice_exists_unless_excellent(account: Account) -> None:
    health = health_score(account, AS_OF)
    assert health.status == status_for(health.total)
    if health.status != "excellent":
        assert health.recommendations
        assert all(isinstance(r, str) and r for r in health.recommendations)


@given(accounts())
def test_the_same_input_and_as_of_give_the_same_result(account: Account) -> None:
    assert health_score(account, AS_OF) == health_score(account, AS_OF)


@given(accounts(), st.lists(st.floats(0.001, 300), min_size=1, max_size=5))
def test_touches_after_as_of_change_nothing(account: Account, later: list[float]) -> None:
    who = account.people[0].id
    future = tuple(Touch(who, AS_OF + timedelta(days=d), "inbound") for d in later) + tuple(
        Touch(who, AS_OF + timedelta(days=d), replied_at=AS_OF + timedelta(days=d)) for d in later
    )
    assert health_score(dataclasses.replace(account, touches=account.touches + future), AS_OF) == (
        health_score(account, AS_OF)
    )


@given(accounts(), st.floats(0.001, 100))
def test_a_reply_recorded_after_as_of_is_not_yet_a_reply(account: Account, days: float) -> None:
    sent = Touch(account.people[0].id, AS_OF - timedelta(days=2))
    replied = dataclasses.replace(sent, replied_at=AS_OF + timedelta(days=days))
    with_sent = dataclasses.replace(account, touches=account.touches + (sent,))
    with_late = dataclasses.replace(account, touches=account.touches + (replied,))
    assert health_score(with_late, AS_OF) == health_score(with_sent, AS_OF)


@given(accounts(), st.data())
def test_a_reply_never_lowers_engagement_whenever_it_came(
    account: Account, data: st.DataObject
) -> None:
    who = data.draw(st.sampled_from([p.id for p in account.people]))
    at = AS_OF - timedelta(days=data.draw(st.floats(0, 400)))
    before = health_score(account, AS_OF).components["engagement"]
    inbound = dataclasses.replace(account, touches=account.touches + (Touch(who, at, "inbound"),))
    answered = dataclasses.replace(
        account, touches=account.touches + (Touch(who, at - timedelta(days=1), replied_at=at),)
    )
    assert health_score(inbound, AS_OF).components["engagement"] >= before
    assert health_score(answered, AS_OF).components["engagement"] >= before


@given(accounts(), st.data())
def test_a_reply_never_lowers_health_whenever_it_came(
    account: Account, data: st.DataObject
) -> None:
    """A prospect writing back, now or recorded late for any past date, never makes it worse."""
    who = data.draw(st.sampled_from([p.id for p in account.people]))
    at = AS_OF - timedelta(days=data.draw(st.floats(0, 400)))
    before = health_score(account, AS_OF)
    for reply in (Touch(who, at, "inbound"), Touch(who, at - timedelta(days=1), replied_at=at)):
        after = health_score(dataclasses.replace(account, touches=account.touches + (reply,)),
                             AS_OF)
        assert after.total >= before.total
        for name in ("engagement", "coverage", "recency", "momentum", "pipeline"):
            assert after.components[name] >= before.components[name], name


@given(accounts(), st.data())
def test_engaging_a_decision_maker_never_lowers_coverage(
    account: Account, data: st.DataObject
) -> None:
    person = data.draw(st.sampled_from(account.people))
    at = AS_OF - timedelta(days=data.draw(st.floats(0, 400)))
    dm = dataclasses.replace(person, is_decision_maker=True)
    crowd = tuple(dm if p.id == person.id else p for p in account.people)
    as_dm = dataclasses.replace(account, people=crowd)
    engaged = dataclasses.replace(as_dm, touches=as_dm.touches + (Touch(dm.id, at, "inbound"),))
    coverage = [health_score(a, AS_OF).components["coverage"] for a in (account, as_dm, engaged)]
    assert coverage[0] <= coverage[1] <= coverage[2]


@given(accounts())
def test_the_checklist_agrees_with_the_coverage_component(account: Account) -> None:
    health = health_score(account, AS_OF)
    flags = {item.key: item.flagged for item in health.checklist}
    assert set(flags) == {
        "no_decision_maker",
        "no_champion",
        "single_threaded",
        "key_person_gone_cold",
    }
    if not flags["no_decision_maker"] and not flags["no_champion"] and not flags["single_threaded"]:
        assert health.components["coverage"] >= 87
    if flags["no_decision_maker"] and flags["no_champion"]:
        assert health.components["coverage"] <= 40


# --- hand-built accounts whose figures can be checked by hand (see docs/SCORING.md) ----------

ANN = Person(1, "Sarah Williams", role="champion", seniority="director")
CHEN = Person(2, "Dr. Michael Chen", is_decision_maker=True, seniority="c_level")
BOB = Person(3, "Bob Ortiz", seniority="manager")


def worked_example() -> Account:
    day = timedelta(days=1)
    return Account(
        people=(ANN, CHEN, BOB),
        touches=(
            Touch(1, AS_OF - 10 * day, opened_at=AS_OF - 9 * day, replied_at=AS_OF - 8 * day),
            Touch(1, AS_OF - 40 * day, opened_at=AS_OF - 40 * day, clicked_at=AS_OF - 40 * day),
            Touch(3, AS_OF - 70 * day, "inbound"),
            Touch(2, AS_OF - 5 * day),
        ),
        deals=(Deal(1, "active", "hot"), Deal(3, "active", "cool")),
        ties=(Tie(1, 2, "strong", 0.9), Tie(3, 2, "weak")),
    )


def test_the_worked_example_of_the_scoring_doc() -> None:
    health = health_score(worked_example(), AS_OF)
    assert health.components == {
        "engagement": 63.0,
        "coverage": 47.0,
        "pipeline": 70.0,
        "momentum": 73.0,
        "recency": 88.0,
    }
    assert health.total == 1035 / 16 == 64.6875
    assert health.status == "good"
    assert health.recommendations == [
        "No decision maker engaged: reach Dr. Michael Chen through Sarah Williams",
        "Low engagement: Dr. Michael Chen left recent touches unanswered;"
        " try another channel (call, LinkedIn) or a sharper subject",
        "Pipeline is hot at best: qualify further with Sarah Williams",
    ]


def test_a_decision_maker_in_a_conversation_gets_a_follow_up_instead_of_an_intro() -> None:
    account = dataclasses.replace(worked_example(), deals=(Deal(2, "active", "hot"),))
    health = health_score(account, AS_OF)
    assert health.recommendations[0] == (
        "No decision maker engaged: Dr. Michael Chen has not answered yet; follow up"
    )


def test_an_untouched_account_is_critical_and_says_where_to_start() -> None:
    health = health_score(Account((ANN, CHEN)), AS_OF)
    assert health.total == 0
    assert health.status == "critical"
    assert any("Dr. Michael Chen" in r for r in health.recommendations)


def test_a_well_worked_account_is_excellent() -> None:
    day = timedelta(days=1)
    touches = tuple(
        Touch(pid, AS_OF - (d + 1) * day, replied_at=AS_OF - d * day)
        for pid in (1, 2, 3)
        for d in (2, 9, 16)
    )
    account = Account((ANN, CHEN, BOB), touches, (Deal(2, "active", "scorching"),))
    health = health_score(account, AS_OF)
    assert health.status == "excellent", health.components
    assert health.components["coverage"] == 100


def test_a_past_as_of_ignores_later_touches() -> None:
    account = worked_example()
    early = AS_OF - timedelta(days=20)
    later_only = dataclasses.replace(
        account, touches=tuple(t for t in account.touches if t.occurred_at <= early)
    )
    assert health_score(account, early).total == health_score(later_only, early).total
    assert health_score(account, early).total < health_score(account, AS_OF).total


def test_a_decision_maker_gone_cold_is_on_the_checklist() -> None:
    old = AS_OF - timedelta(days=200)
    account = Account((ANN, CHEN), (Touch(2, old, "inbound"),))
    items = {i.key: i for i in coverage_checklist(account, AS_OF)}
    assert items["key_person_gone_cold"].flagged
    assert items["key_person_gone_cold"].people == (2,)
    assert items["no_decision_maker"].flagged


def test_the_worked_expansion_example_of_the_scoring_doc() -> None:
    targets = rank_targets(worked_example(), primary_id=1, as_of=AS_OF)
    assert [(t.contact_id, t.priority_score, t.intro_path) for t in targets] == [(2, 87.3, [1, 2])]


def test_an_economic_buyer_decides_even_without_the_flag() -> None:
    buyer = Person(4, "Pat Buyer", role="economic_buyer")
    account = Account((ANN, buyer), (Touch(4, AS_OF - timedelta(days=2), "inbound"),))
    items = {i.key: i for i in coverage_checklist(account, AS_OF)}
    assert not items["no_decision_maker"].flagged
    assert items["no_decision_maker"].people == (4,)
    assert health_score(account, AS_OF).components["coverage"] == 53  # 40 + 40/3
