"""The Netro call budget and poll plan: pure logic, every ``now`` explicit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from custom_components.petsmart_hub.vendors.netro.budget import (
    Call,
    CallBudget,
    PollPlan,
    next_midnight_utc,
)

from .policy import POLICY

T0 = datetime(2025, 6, 2, 10, 0, tzinfo=UTC)
MIDNIGHT = datetime(2025, 6, 3, tzinfo=UTC)
CONTROLLER_CALLS = (Call.INFO, Call.SCHEDULES, Call.MOISTURES)
SENSOR_CALLS = (Call.SENSOR_INFO, Call.SENSOR_DATA)


def minutes(value: float) -> timedelta:
    return timedelta(minutes=value)


# --- policy and midnight ----------------------------------------------------------


def test_next_midnight_utc_is_the_next_utc_day() -> None:
    assert next_midnight_utc(T0) == MIDNIGHT
    assert next_midnight_utc(datetime(2025, 6, 2, tzinfo=UTC)) == MIDNIGHT
    assert next_midnight_utc(datetime(2025, 6, 2, 23, 59, 59, tzinfo=UTC)) == MIDNIGHT
    # 20:00 on June 2 at UTC-7 is already 03:00 UTC on June 3
    pacific = timezone(timedelta(hours=-7))
    assert next_midnight_utc(datetime(2025, 6, 2, 20, tzinfo=pacific)) == datetime(
        2025, 6, 4, tzinfo=UTC
    )


def test_policy_intervals() -> None:
    for active in (False, True):
        assert POLICY.interval(Call.INFO, active=active) == minutes(10)
        assert POLICY.interval(Call.MOISTURES, active=active) == timedelta(hours=6)
        assert POLICY.interval(Call.SENSOR_DATA, active=active) == timedelta(hours=1)
        assert POLICY.interval(Call.SENSOR_INFO, active=active) == timedelta(hours=6)
    # while watering the schedules are the status: read often
    assert POLICY.interval(Call.SCHEDULES, active=False) == timedelta(hours=2)
    assert POLICY.interval(Call.SCHEDULES, active=True) == minutes(1)


def test_default_policy_stays_well_inside_the_budget() -> None:
    plan = PollPlan()
    controller = plan.planned_per_day(CONTROLLER_CALLS)
    sensor = plan.planned_per_day(SENSOR_CALLS)
    assert controller + sensor < 450
    assert plan.policy.reserve > 0


# --- CallBudget -------------------------------------------------------------------


def test_budget_unknown_allows_everything() -> None:
    budget = CallBudget()
    assert budget.remaining is None
    assert budget.may_poll(T0)
    assert budget.may_act(T0)
    assert budget.paused_until(T0) is None
    assert budget.stretch(500, T0) == 1.0
    budget.spend(T0)  # nothing known: nothing to count down
    assert budget.remaining is None


def test_budget_observe_takes_the_meta() -> None:
    budget = CallBudget()
    budget.observe(1980, MIDNIGHT, 2000, T0)
    assert (budget.limit, budget.remaining, budget.reset) == (2000, 1980, MIDNIGHT)
    # a limit of None (field missing) keeps the one we know
    budget.observe(1970, MIDNIGHT, None, T0)
    assert (budget.limit, budget.remaining) == (2000, 1970)
    budget.observe(1500, MIDNIGHT, 1600, T0)
    assert (budget.limit, budget.remaining) == (1600, 1500)
    # a negative count is read as nothing left
    budget.observe(-3, MIDNIGHT, 1600, T0)
    assert budget.remaining == 0
    # no reset in the meta: midnight UTC, as the doc says
    budget.observe(10, None, None, T0)
    assert budget.reset == MIDNIGHT
    # no count in the meta: keep ours
    budget.observe(None, MIDNIGHT, None, T0)
    assert budget.remaining == 10


def test_budget_invalid_key_meta_says_nothing() -> None:
    """The doc: token_limit is 0 for an invalid key; its zeros are no budget."""
    budget = CallBudget()
    budget.observe(1500, MIDNIGHT, 2000, T0)
    budget.observe(0, MIDNIGHT, 0, T0)
    assert (budget.limit, budget.remaining) == (2000, 1500)
    assert budget.may_poll(T0)


def test_budget_spend_counts_down_to_zero() -> None:
    budget = CallBudget(reserve=1)
    budget.observe(2, MIDNIGHT, 2000, T0)
    budget.spend(T0)
    assert budget.remaining == 1
    budget.spend(T0)
    budget.spend(T0)
    assert budget.remaining == 0


def test_budget_rolls_over_at_midnight_utc() -> None:
    budget = CallBudget(reserve=100)
    budget.observe(40, MIDNIGHT, 2000, T0)
    assert not budget.may_poll(T0)
    assert budget.paused_until(T0) == MIDNIGHT
    assert budget.may_act(MIDNIGHT - timedelta(seconds=1))
    assert budget.remaining == 40
    # a second after midnight the whole budget is back, less this call
    budget.spend(MIDNIGHT + timedelta(seconds=1))
    assert budget.remaining == 1999
    assert budget.reset == MIDNIGHT + timedelta(days=1)
    assert budget.may_poll(MIDNIGHT + timedelta(seconds=1))
    assert budget.paused_until(MIDNIGHT + timedelta(seconds=1)) is None


def test_budget_may_poll_keeps_the_reserve_may_act_until_zero() -> None:
    budget = CallBudget(reserve=3)
    budget.observe(5, MIDNIGHT, 2000, T0)
    seen = []
    while budget.may_act(T0):
        seen.append((budget.remaining, budget.may_poll(T0)))
        budget.spend(T0)
    assert seen == [(5, True), (4, True), (3, False), (2, False), (1, False)]
    assert budget.remaining == 0
    assert budget.paused_until(T0) == MIDNIGHT


def test_budget_paused_without_a_known_reset() -> None:
    budget = CallBudget(remaining=0, reserve=10)
    assert budget.reset is None
    assert budget.paused_until(T0) == MIDNIGHT
    assert budget.stretch(100, T0) == float("inf")


def test_budget_exhausted_until_the_reset() -> None:
    budget = CallBudget(reserve=10)
    budget.observe(1500, MIDNIGHT, 2000, T0)
    later = MIDNIGHT + timedelta(hours=6)  # the cloud said so: believe it
    budget.exhausted(later, T0)
    assert budget.remaining == 0
    assert budget.exhausted_until == later
    assert not budget.may_poll(T0)
    assert not budget.may_act(T0)
    assert budget.paused_until(T0) == later
    # past the reset the budget is back and nothing is blocked any more
    assert budget.may_act(later)
    assert budget.exhausted_until is None
    assert budget.remaining == 2000


@pytest.mark.parametrize("reset", [None, T0, T0 - timedelta(hours=1)])
def test_budget_exhausted_without_a_future_reset_waits_for_midnight(
    reset: datetime | None,
) -> None:
    budget = CallBudget()
    budget.exhausted(reset, T0)
    assert budget.exhausted_until == MIDNIGHT
    assert budget.reset == MIDNIGHT
    assert not budget.may_act(MIDNIGHT - timedelta(seconds=1))
    assert budget.may_act(MIDNIGHT)


def test_budget_exhausted_flag_clears_even_if_the_reset_moved() -> None:
    budget = CallBudget()
    budget.exhausted(MIDNIGHT, T0)
    budget.reset = MIDNIGHT + timedelta(days=1)  # e.g. a later meta
    budget.remaining = 5
    assert budget.may_act(MIDNIGHT)
    assert budget.exhausted_until is None


def test_budget_stretch() -> None:
    budget = CallBudget(reserve=100)
    # 14 h to midnight; 200 calls a day need about 117 of them
    budget.observe(1000, MIDNIGHT, 2000, T0)
    assert budget.stretch(200, T0) == 1.0
    # 150 left above the reserve for 14/24 of 600 calls (350): 2.33 times slower
    budget.observe(250, MIDNIGHT, 2000, T0)
    assert budget.stretch(600, T0) == pytest.approx(350 / 150)
    # nothing planned, nothing to stretch
    assert budget.stretch(0, T0) == 1.0
    # at the reserve: infinitely slow
    budget.observe(100, MIDNIGHT, 2000, T0)
    assert budget.stretch(600, T0) == float("inf")


def test_budget_stretch_without_a_known_reset_uses_midnight() -> None:
    budget = CallBudget(remaining=250, reserve=100)
    assert budget.stretch(600, T0) == pytest.approx(350 / 150)


# --- PollPlan ---------------------------------------------------------------------


def test_plan_planned_per_day() -> None:
    plan = PollPlan(POLICY)
    assert plan.planned_per_day(CONTROLLER_CALLS) == pytest.approx(144 + 12 + 4)
    assert plan.planned_per_day(SENSOR_CALLS) == pytest.approx(4 + 24)
    assert plan.planned_per_day(()) == 0


def test_plan_due_and_done() -> None:
    plan = PollPlan(POLICY)
    # never made: everything is due, in the order given
    assert plan.due(CONTROLLER_CALLS, T0, active=False) == list(CONTROLLER_CALLS)
    for call in CONTROLLER_CALLS:
        plan.done(call, T0)
    assert plan.last == dict.fromkeys(CONTROLLER_CALLS, T0)
    assert plan.due(CONTROLLER_CALLS, T0, active=False) == []
    assert plan.due(CONTROLLER_CALLS, T0 + minutes(9), active=False) == []
    assert plan.due(CONTROLLER_CALLS, T0 + minutes(10), active=False) == [Call.INFO]
    assert plan.due(CONTROLLER_CALLS, T0 + timedelta(hours=2), active=False) == [
        Call.INFO,
        Call.SCHEDULES,
    ]
    assert plan.due(CONTROLLER_CALLS, T0 + timedelta(hours=6), active=False) == list(
        CONTROLLER_CALLS
    )


def test_plan_due_while_active_reads_schedules_often() -> None:
    plan = PollPlan(POLICY)
    for call in CONTROLLER_CALLS:
        plan.done(call, T0)
    assert plan.due(CONTROLLER_CALLS, T0 + minutes(1), active=True) == [Call.SCHEDULES]
    assert plan.due(CONTROLLER_CALLS, T0 + minutes(1), active=False) == []


def test_plan_stretch_slows_idle_calls_only() -> None:
    plan = PollPlan(POLICY)
    for call in CONTROLLER_CALLS:
        plan.done(call, T0)
    at = T0 + minutes(15)
    assert plan.due(CONTROLLER_CALLS, at, active=False) == [Call.INFO]
    assert plan.due(CONTROLLER_CALLS, at, active=False, stretch=2.0) == []
    assert plan.due(CONTROLLER_CALLS, T0 + minutes(20), active=False, stretch=2) == [
        Call.INFO
    ]
    # while watering nothing is stretched
    assert plan.due(CONTROLLER_CALLS, T0 + minutes(1), active=True, stretch=5) == [
        Call.SCHEDULES
    ]


def test_plan_infinite_stretch_is_capped() -> None:
    """At the reserve the budget's stretch is infinite: no overflow, no call."""
    plan = PollPlan(POLICY)
    for call in CONTROLLER_CALLS:
        plan.done(call, T0)
    later = T0 + timedelta(days=2)
    inf = float("inf")
    assert plan.due(CONTROLLER_CALLS, later, active=False, stretch=inf) == []
    assert plan.next_due(CONTROLLER_CALLS, later, active=False, stretch=inf) == (
        T0 + minutes(10) * 1000
    )
    # forced calls and calls never made still go
    plan.force(Call.MOISTURES)
    assert plan.due(CONTROLLER_CALLS, later, active=False, stretch=inf) == [
        Call.MOISTURES
    ]


def test_plan_force() -> None:
    plan = PollPlan(POLICY)
    for call in CONTROLLER_CALLS:
        plan.done(call, T0)
    plan.force(Call.SCHEDULES, Call.MOISTURES)
    assert plan.due(CONTROLLER_CALLS, T0, active=False) == [
        Call.SCHEDULES,
        Call.MOISTURES,
    ]
    assert plan.next_due(CONTROLLER_CALLS, T0, active=False) == T0
    plan.done(Call.SCHEDULES, T0)
    assert plan.forced == {Call.MOISTURES}
    # a forced call of another key kind does not make this one due
    assert plan.next_due((Call.INFO, Call.SCHEDULES), T0, active=False) == (
        T0 + minutes(10)
    )


def test_plan_expect_coalesces_and_skips_confirmed() -> None:
    plan = PollPlan(POLICY)
    start = T0 + timedelta(hours=2)
    transitions = [
        start + minutes(8),  # zone 1 ends, zone 2 starts: the same moment
        start,  # zone 1 starts (unsorted on purpose)
        start + minutes(8),
        start + minutes(8) + timedelta(seconds=50),  # within a minute: shared
        start + minutes(15),
    ]
    plan.expect(transitions)
    confirm = timedelta(seconds=20)
    assert plan.confirmations == [
        start + confirm,
        start + minutes(8) + confirm,
        start + minutes(15) + confirm,
    ]
    # expect replaces what was planned
    plan.expect([start + minutes(15)])
    assert plan.confirmations == [start + minutes(15) + confirm]
    plan.expect([])
    assert plan.confirmations == []


def test_plan_expect_skips_transitions_a_schedules_call_already_confirmed() -> None:
    plan = PollPlan(POLICY)
    start = T0 + minutes(5)
    plan.done(Call.SCHEDULES, start + minutes(1))
    plan.expect([start, start + minutes(1), start + minutes(10)])
    # start + 1 min is confirmed only 20 s after it: still wanted
    assert plan.confirmations == [
        start + minutes(1) + timedelta(seconds=20),
        start + minutes(10) + timedelta(seconds=20),
    ]
    plan.done(Call.SCHEDULES, start + minutes(2))
    plan.expect([start, start + minutes(1), start + minutes(10)])
    assert plan.confirmations == [start + minutes(10) + timedelta(seconds=20)]


def test_plan_confirmations_make_schedules_due_once() -> None:
    plan = PollPlan(POLICY)
    for call in CONTROLLER_CALLS:
        plan.done(call, T0)
    start = T0 + minutes(3)
    plan.expect([start, start + minutes(5)])
    first = start + timedelta(seconds=20)
    second = start + minutes(5) + timedelta(seconds=20)
    # before the first confirmation only the regular calls
    assert plan.due(CONTROLLER_CALLS, first - timedelta(seconds=1), active=False) == []
    assert plan.next_due(CONTROLLER_CALLS, T0, active=False) == first
    assert plan.due(CONTROLLER_CALLS, first, active=False) == [Call.SCHEDULES]
    plan.done(Call.SCHEDULES, first)
    assert plan.confirmations == [second]
    assert plan.due(CONTROLLER_CALLS, first + minutes(1), active=False) == []
    assert plan.next_due(CONTROLLER_CALLS, first, active=False) == second
    plan.done(Call.SCHEDULES, second)
    assert plan.confirmations == []
    assert plan.next_due(CONTROLLER_CALLS, second, active=False) == T0 + minutes(10)


def test_plan_next_due() -> None:
    plan = PollPlan(POLICY)
    # a call never made is due at once
    assert plan.next_due(CONTROLLER_CALLS, T0, active=False) == T0
    for call in CONTROLLER_CALLS:
        plan.done(call, T0)
    assert plan.next_due(CONTROLLER_CALLS, T0, active=False) == T0 + minutes(10)
    assert plan.next_due(CONTROLLER_CALLS, T0, active=True) == T0 + minutes(1)
    assert plan.next_due(CONTROLLER_CALLS, T0, active=False, stretch=3) == (
        T0 + minutes(30)
    )
    # a due call lies in the past: the caller takes max(now, ...)
    assert plan.next_due(CONTROLLER_CALLS, T0 + minutes(12), active=False) == (
        T0 + minutes(10)
    )
    # nothing to make at all: look again in an hour
    assert plan.next_due((), T0, active=False) == T0 + timedelta(hours=1)
    plan.expect([T0 + minutes(2)])
    assert plan.next_due((), T0, active=False) == T0 + minutes(2) + timedelta(
        seconds=20
    )


def test_plan_sensor_calls() -> None:
    plan = PollPlan(POLICY)
    for call in SENSOR_CALLS:
        plan.done(call, T0)
    assert plan.due(SENSOR_CALLS, T0 + timedelta(hours=1), active=False) == [
        Call.SENSOR_DATA
    ]
    assert plan.next_due(SENSOR_CALLS, T0, active=False) == T0 + timedelta(hours=1)
    assert plan.due(SENSOR_CALLS, T0 + timedelta(hours=6), active=False) == list(
        SENSOR_CALLS
    )
