"""What a change between two readings means: ``happenings.py`` on the neutral model.

Plain functions, no Home Assistant: a fountain filter that is due, geofence
alerts in every wording a cloud may use, the events of a litter box, a
fountain and a toy between two readings, the meals of a schedule (across
days and a change of daylight saving time), which meal a feed was, and why
a cloud's word on a schedule disagrees with the one sent.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from custom_components.petsmart_hub.happenings import (
    FILTER_DUE_LIFE,
    MAX_MEAL_DAYS,
    MEAL_EARLY,
    Meal,
    alert_events,
    filter_due,
    iso,
    kind_events,
    meal_of,
    meals_between,
    new_alerts,
    safe_zone_event,
    schedule_mismatch,
    slot_time,
    zone,
)
from custom_components.petsmart_hub.model import (
    Alert,
    Device,
    DeviceKind,
    EventType,
    FeedingSlot,
    FountainState,
)

NOW = datetime(2025, 6, 2, 10, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override the package-wide fixture: plain functions need no Home Assistant."""


def device(kind: DeviceKind, **state: Any) -> Device:
    """A device of ``kind`` whose kind state holds ``state``."""
    made = Device(id=f"{kind.value}_1", kind=kind, name="Pet thing", manufacturer="X")
    for name, value in state.items():
        setattr(made.kind_state, name, value)
    return made


def box(**state: Any) -> Device:
    return device(DeviceKind.LITTER_BOX, **state)


def fountain(**state: Any) -> Device:
    return device(DeviceKind.FOUNTAIN, **state)


def toy(**state: Any) -> Device:
    return device(DeviceKind.TOY, **state)


def feeder(**state: Any) -> Device:
    return device(DeviceKind.FEEDER, **state)


def kinds(events: list[Any]) -> list[EventType]:
    return [event.type for event in events]


# --- filter_due ---------------------------------------------------------------


@pytest.mark.parametrize(
    "status",
    [
        "replace",
        "Replace",
        "replace_soon",
        "replaceSoon",
        "REPLACE_NOW",
        "needs_replacement",
        "Filter needs replacement",
        "change",
        "change_filter",
        "due",
        "expired",
        "Expired",
        "exhausted",
        "bad",
        "poor",
        "dirty",
        "clogged",
        "end_of_life",
    ],
)
def test_a_status_word_says_the_filter_is_due(status: str) -> None:
    assert filter_due(FountainState(filter_status=status)) is True
    # the word decides even where the life left looks fine
    assert filter_due(FountainState(filter_status=status, filter_life=80)) is True


@pytest.mark.parametrize(
    "status",
    [
        "good",
        "Good",
        "ok",
        "OK",
        "normal",
        "new",
        "fresh",
        "fine",
        "healthy",
        "clean",
        "excellent",
    ],
)
def test_a_status_word_says_the_filter_is_fine(status: str) -> None:
    assert filter_due(FountainState(filter_status=status)) is False
    assert filter_due(FountainState(filter_status=status, filter_life=55)) is False


@pytest.mark.parametrize(
    "status", ["not_due", "no_change_needed", "replacement_not_needed"]
)
def test_a_negated_status_word_is_not_due(status: str) -> None:
    assert filter_due(FountainState(filter_status=status)) is False


@pytest.mark.parametrize(
    ("life", "due"),
    [
        (0, True),
        (5, True),
        (FILTER_DUE_LIFE, True),  # 10 % left: due
        (10.5, False),
        (11, False),
        (85, False),
        (100, False),
    ],
)
def test_the_life_left_says_whether_the_filter_is_due(life: float, due: bool) -> None:
    assert filter_due(FountainState(filter_life=life)) is due


def test_little_life_left_beats_a_good_word() -> None:
    assert filter_due(FountainState(filter_status="good", filter_life=4)) is True


@pytest.mark.parametrize("status", [None, ""])
def test_a_fountain_that_tells_nothing_is_unknown(status: str | None) -> None:
    assert filter_due(FountainState(filter_status=status)) is None
    assert filter_due(FountainState()) is None


# --- safe_zone_event ----------------------------------------------------------


LEFT = EventType.LEFT_SAFE_ZONE
ENTERED = EventType.ENTERED_SAFE_ZONE


@pytest.mark.parametrize(
    ("alert", "expected"),
    [
        # the simulator's (and the most plausible) shape
        (
            Alert(
                type="geofenceExit",
                message="Left Home Safe Zone",
                zone="Home Safe Zone",
            ),
            LEFT,
        ),
        (
            Alert(
                type="geofenceEntry",
                message="Entered Home Safe Zone",
                zone="Home Safe Zone",
            ),
            ENTERED,
        ),
        # exits, as clouds word them
        (Alert(type="fence_exit", message="fence_exit"), LEFT),
        (Alert(type="geofence_exit", message="Pet left the fence"), LEFT),
        (Alert(type="GEOFENCE_EXIT", message="GEOFENCE_EXIT"), LEFT),
        (Alert(type="leftSafeZone", message="leftSafeZone"), LEFT),
        (Alert(type="zoneExited", message="zoneExited"), LEFT),
        (Alert(type="safeZoneLeave", message="safeZoneLeave"), LEFT),
        (Alert(type="fence_out", message="fence_out"), LEFT),
        (Alert(type="alert", message="Left Home Safe Zone"), LEFT),
        (Alert(type="geofence", message="Left Home Safe Zone"), LEFT),
        (Alert(type="geofence", message="Buddy is outside Garden zone"), LEFT),
        (Alert(type="boundary", message="Buddy departed the yard boundary"), LEFT),
        # (a type that names neither a fence nor nothing: not a geofence alert)
        (Alert(type="escape", message="Buddy escaped the home area"), None),
        # entries
        (Alert(type="fence_entry", message="fence_entry"), ENTERED),
        (Alert(type="geofence_enter", message="geofence_enter"), ENTERED),
        (Alert(type="GEOFENCE_ENTER", message="GEOFENCE_ENTER"), ENTERED),
        (Alert(type="enteredSafeZone", message="enteredSafeZone"), ENTERED),
        (Alert(type="zoneIn", message="zoneIn"), ENTERED),
        (Alert(type="alert", message="Entered Home Safe Zone"), ENTERED),
        (Alert(type="geofence", message="Buddy is inside Garden zone"), ENTERED),
        (Alert(type="geofence", message="Buddy arrived home"), ENTERED),
        (Alert(type="geofence", message="Buddy returned home"), ENTERED),
        # the type decides where the message says otherwise
        (Alert(type="geofenceEntry", message="Back after he left"), ENTERED),
        (Alert(type="geofenceExit", message="Entered the street"), LEFT),
        # a zone given only as the zone: the words need not name a fence
        (Alert(type="exit", message="Buddy went away", zone="Park"), LEFT),
        (Alert(type="enter", message="Buddy is back", zone="Park"), ENTERED),
        (Alert(type="crossing", message="Buddy left", zone="Park"), LEFT),
    ],
)
def test_geofence_alerts_in_every_wording(
    alert: Alert, expected: EventType | None
) -> None:
    assert safe_zone_event(alert) is expected


@pytest.mark.parametrize("kind", ["fence_in", "zone_in", "geofence_in"])
def test_a_snake_case_entry_is_an_entry(kind: str) -> None:
    assert safe_zone_event(Alert(type=kind, message=kind)) is ENTERED


@pytest.mark.parametrize(
    "alert",
    [
        Alert(type="lowFood", message="Food level is low, please refill"),
        Alert(type="lowBattery", message="Battery level is low"),
        Alert(type="filterReplace", message="Filter needs replacement"),
        Alert(type="wasteBinFull", message="Waste drawer is almost full"),
        Alert(type="lowWater", message="Water level is low"),
        Alert(type="jammed", message="jammed"),
        Alert(type="sos", message="SOS button pressed"),
        # a fence is named, but neither an exit nor an entry
        Alert(type="geofenceCreated", message="Fence Home Safe Zone set up"),
        Alert(type="alert", message="Feeder jammed at home"),
        # a zone, but no direction
        Alert(type="geofence", message="geofence", zone="Home"),
    ],
)
def test_other_alerts_are_no_safe_zone_event(alert: Alert) -> None:
    assert safe_zone_event(alert) is None


# --- new_alerts and alert_events ----------------------------------------------


def test_new_alerts_are_those_the_reading_before_did_not_list() -> None:
    old, new = feeder(), feeder()
    low = Alert(type="lowFood", message="Food level is low")
    old.alerts = [low]
    jam = Alert(type="jammed", message="Jammed")
    worded = Alert(type="lowFood", message="Food is really low")  # new words
    zoned = Alert(type="lowFood", message="Food level is low", zone="Home")
    new.alerts = [low, jam, worded, zoned]
    # type and message tell an alert; a zone alone does not make it new
    assert new_alerts(old, new) == [jam, worded]
    assert new_alerts(new, old) == []
    assert new_alerts(old, old) == []


def test_alert_events_tell_each_alert_and_each_fence_crossing() -> None:
    tracker = device(DeviceKind.TRACKER)
    alerts = [
        Alert(type="lowBattery", message="Battery level is low"),
        Alert(
            type="geofenceExit", message="Left Home Safe Zone", zone="Home Safe Zone"
        ),
        Alert(type="geofenceEntry", message="Entered Park"),
    ]
    events = alert_events(tracker, alerts, NOW)
    assert [(event.type, dict(event.data)) for event in events] == [
        (EventType.ALERT, {"type": "lowBattery", "message": "Battery level is low"}),
        (EventType.ALERT, {"type": "geofenceExit", "message": "Left Home Safe Zone"}),
        (
            LEFT,
            {
                "zone": "Home Safe Zone",
                "message": "Left Home Safe Zone",
                "time": NOW.isoformat(),
            },
        ),
        (EventType.ALERT, {"type": "geofenceEntry", "message": "Entered Park"}),
        (ENTERED, {"zone": None, "message": "Entered Park", "time": NOW.isoformat()}),
    ]
    assert {event.at for event in events} == {NOW}
    assert {event.device_id for event in events} == {tracker.id}
    assert alert_events(tracker, [], NOW) == []


def test_iso() -> None:
    assert iso(None) is None
    assert iso(NOW) == "2025-06-02T10:00:00+00:00"


# --- kind_events: litter boxes ------------------------------------------------


VISIT_AT = NOW - timedelta(minutes=3)
SEEN = NOW - timedelta(hours=2)


def test_a_visit_when_the_last_visit_moves_on() -> None:
    old = box(last_visit=SEEN, visits=42)
    new = box(last_visit=VISIT_AT, visits=42)  # the count is of the slow tier
    (event,) = kind_events(old, new, NOW)
    assert event.type is EventType.VISIT
    assert event.at == VISIT_AT
    assert dict(event.data) == {"time": VISIT_AT.isoformat(), "visits": 42, "count": 1}


def test_a_visit_that_also_raised_the_count_counts_the_rise() -> None:
    old = box(last_visit=SEEN, visits=42)
    new = box(last_visit=VISIT_AT, visits=44)
    (event,) = kind_events(old, new, NOW)
    assert dict(event.data) == {"time": VISIT_AT.isoformat(), "visits": 44, "count": 2}


def test_a_rising_count_is_a_visit_where_the_cloud_tells_no_last_visit() -> None:
    (event,) = kind_events(box(visits=42), box(visits=45), NOW)
    assert event.type is EventType.VISIT
    assert event.at == NOW
    assert dict(event.data) == {"time": NOW.isoformat(), "visits": 45, "count": 3}


def test_a_rising_count_after_the_visit_was_told_is_no_second_visit() -> None:
    """The status told the visit (last visit); the statistics count it later."""
    old = box(last_visit=VISIT_AT, visits=42)
    new = box(last_visit=VISIT_AT, visits=43)
    assert kind_events(old, new, NOW) == []


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ({"visits": 42}, {"visits": 42}),
        ({"visits": 42}, {"visits": 40}),  # the period rolled on
        ({"visits": 42}, {"visits": None}),  # unknown now
        ({"visits": None}, {"visits": 42}),  # known now
        ({"last_visit": VISIT_AT}, {"last_visit": VISIT_AT}),
        ({"last_visit": VISIT_AT}, {"last_visit": SEEN}),  # older: no visit
        ({"last_visit": VISIT_AT}, {"last_visit": None}),
    ],
)
def test_no_visit(before: dict[str, Any], after: dict[str, Any]) -> None:
    assert kind_events(box(**before), box(**after), NOW) == []


def test_a_cleaning_seen_running_then_not_finished_now() -> None:
    old = box(cleaning=True, last_cleaned=SEEN)
    new = box(cleaning=False, last_cleaned=SEEN)  # the cloud lags with the time
    (event,) = kind_events(old, new, NOW)
    assert event.type is EventType.CLEANING_FINISHED
    assert event.at == NOW
    assert dict(event.data) == {"time": NOW.isoformat()}


def test_a_newer_last_cleaned_is_a_cleaning_finished_then() -> None:
    done = NOW - timedelta(minutes=1)
    for was_cleaning in (True, False, None):
        old = box(cleaning=was_cleaning, last_cleaned=SEEN)
        (event,) = kind_events(old, box(cleaning=False, last_cleaned=done), NOW)
        assert event.type is EventType.CLEANING_FINISHED
        assert event.at == done
        assert dict(event.data) == {"time": done.isoformat()}
    # a cloud that does not tell whether it cleans
    (event,) = kind_events(box(last_cleaned=SEEN), box(last_cleaned=done), NOW)
    assert event.at == done


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ({"cleaning": False}, {"cleaning": True}),  # started
        ({"cleaning": True}, {"cleaning": True}),
        ({"cleaning": True}, {"cleaning": None}),  # unknown is not over
        ({"cleaning": None}, {"cleaning": False}),
        # a newer time while a (next) cleaning runs: told when it ends
        (
            {"cleaning": False, "last_cleaned": SEEN},
            {"cleaning": True, "last_cleaned": NOW},
        ),
        # the first time the cloud tells it: where it stands, not news
        ({"last_cleaned": None}, {"last_cleaned": NOW}),
    ],
)
def test_no_cleaning_finished(before: dict[str, Any], after: dict[str, Any]) -> None:
    assert kind_events(box(**before), box(**after), NOW) == []


def test_a_visit_and_a_cleaning_in_one_reading() -> None:
    old = box(cleaning=True, last_cleaned=SEEN, last_visit=SEEN)
    new = box(cleaning=False, last_cleaned=NOW, last_visit=VISIT_AT)
    assert kinds(kind_events(old, new, NOW)) == [
        EventType.VISIT,
        EventType.CLEANING_FINISHED,
    ]


# --- kind_events: fountains ---------------------------------------------------


def test_a_fountain_cleaning_finished() -> None:
    old = fountain(cleaning=True, last_maintenance=SEEN)
    (event,) = kind_events(old, fountain(cleaning=False, last_maintenance=SEEN), NOW)
    assert event.type is EventType.CLEANING_FINISHED
    assert dict(event.data) == {"time": NOW.isoformat()}
    done = NOW - timedelta(seconds=30)
    (event,) = kind_events(old, fountain(cleaning=False, last_maintenance=done), NOW)
    assert event.at == done
    assert dict(event.data) == {"time": done.isoformat()}
    # still cleaning, or the first word of its maintenance: nothing
    assert kind_events(old, fountain(cleaning=True, last_maintenance=NOW), NOW) == []
    assert kind_events(fountain(), fountain(last_maintenance=NOW), NOW) == []


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ({"filter_status": "good"}, {"filter_status": "replace_soon"}),
        ({"filter_status": "good"}, {"filter_status": "replace"}),
        ({"filter_status": "ok"}, {"filter_status": "expired"}),
        ({"filter_life": 11}, {"filter_life": 10}),
        ({"filter_life": 85, "filter_status": "good"}, {"filter_life": 3}),
        (
            {"filter_life": 85, "filter_status": "good"},
            {"filter_life": 85, "filter_status": "replace"},
        ),
    ],
)
def test_a_filter_that_becomes_due(
    before: dict[str, Any], after: dict[str, Any]
) -> None:
    new = fountain(**after)
    (event,) = kind_events(fountain(**before), new, NOW)
    assert event.type is EventType.FILTER_DUE
    assert event.at == NOW
    assert dict(event.data) == {
        "filter_status": new.fountain.filter_status,  # type: ignore[union-attr]
        "filter_life": new.fountain.filter_life,  # type: ignore[union-attr]
    }


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ({"filter_status": "replace_soon"}, {"filter_status": "replace"}),  # was due
        ({"filter_status": "good"}, {"filter_status": "good"}),
        ({"filter_life": 50}, {"filter_life": 40}),
        # the first word of it: where it stands, not news
        ({}, {"filter_status": "replace"}),
        ({}, {"filter_life": 2}),
        ({"filter_status": "good"}, {}),
    ],
)
def test_no_filter_due(before: dict[str, Any], after: dict[str, Any]) -> None:
    assert kind_events(fountain(**before), fountain(**after), NOW) == []


# --- kind_events: toys ---------------------------------------------------------


END = NOW - timedelta(seconds=20)
LAST_SESSION = NOW - timedelta(hours=18)


def test_a_session_that_ended_with_the_clouds_duration() -> None:
    old = toy(playing=True, last_play_session=LAST_SESSION, mode="interactive")
    new = toy(
        playing=False,
        last_play_session=END,
        last_session_duration=599.6,
        mode="interactive",
    )
    (event,) = kind_events(old, new, NOW, play_started=NOW - timedelta(minutes=30))
    assert event.type is EventType.PLAY_SESSION
    assert event.at == END
    # the cloud's own length wins over what was seen (and is rounded)
    assert dict(event.data) == {
        "time": END.isoformat(),
        "duration": 600,
        "mode": "interactive",
    }


def test_a_sessions_length_from_when_it_was_seen_playing() -> None:
    old = toy(playing=True, last_play_session=LAST_SESSION, mode="training")
    new = toy(playing=False, last_play_session=END, mode="training")
    started = END - timedelta(minutes=10)
    (event,) = kind_events(old, new, NOW, play_started=started)
    assert dict(event.data) == {
        "time": END.isoformat(),
        "duration": 600,
        "mode": "training",
    }


def test_a_cloud_without_session_times_ends_the_session_now() -> None:
    old, new = toy(playing=True), toy(playing=False)
    (event,) = kind_events(old, new, NOW, play_started=NOW - timedelta(seconds=90))
    assert event.at == NOW
    assert dict(event.data) == {"time": NOW.isoformat(), "duration": 90, "mode": None}
    # never seen start: no length
    (event,) = kind_events(old, new, NOW)
    assert event.data["duration"] is None


def test_a_session_played_between_two_readings() -> None:
    """Never seen playing: the newer last session tells it, with its length."""
    old = toy(playing=False, last_play_session=LAST_SESSION)
    new = toy(playing=False, last_play_session=END, last_session_duration=300)
    (event,) = kind_events(old, new, NOW)
    assert event.at == END
    assert event.data["duration"] == 300
    # and without a length from the cloud: none
    new.toy.last_session_duration = None  # type: ignore[union-attr]
    (event,) = kind_events(old, new, NOW)
    assert event.data["duration"] is None


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ({"playing": False}, {"playing": True}),  # started
        ({"playing": True}, {"playing": True}),
        ({"playing": True}, {"playing": None}),
        ({"playing": None}, {"playing": False}),
        # a newer last session while a new one already runs: told when it ends
        (
            {"playing": True, "last_play_session": LAST_SESSION},
            {"playing": True, "last_play_session": END},
        ),
        (
            {"last_play_session": END},
            {"last_play_session": LAST_SESSION},
        ),
    ],
)
def test_no_play_session(before: dict[str, Any], after: dict[str, Any]) -> None:
    assert kind_events(toy(**before), toy(**after), NOW) == []


def test_a_session_seen_ending_before_the_cloud_moved_its_last_session() -> None:
    old = toy(playing=True, last_play_session=LAST_SESSION)
    new = toy(playing=False, last_play_session=LAST_SESSION)
    (event,) = kind_events(old, new, NOW, play_started=NOW - timedelta(minutes=10))
    assert event.at == NOW
    assert dict(event.data) == {"time": NOW.isoformat(), "duration": 600, "mode": None}


# --- kind_events: the first reading -------------------------------------------


def test_the_first_reading_of_a_fountain_tells_nothing() -> None:
    new = fountain(
        cleaning=False,
        last_maintenance=SEEN,
        filter_status="replace",
        filter_life=5,
    )
    assert kind_events(fountain(), new, NOW) == []


def test_kinds_without_events_tell_nothing() -> None:
    assert kind_events(feeder(), feeder(last_feed=NOW), NOW) == []
    tracker = device(DeviceKind.TRACKER)
    assert kind_events(tracker, device(DeviceKind.TRACKER), NOW) == []
    camera = device(DeviceKind.CAMERA)
    assert kind_events(camera, device(DeviceKind.CAMERA, recording=True), NOW) == []


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (box(), box(last_visit=SEEN, visits=42, last_cleaned=SEEN, cleaning=False)),
        (
            toy(),
            toy(
                playing=False,
                last_play_session=LAST_SESSION,
                last_session_duration=900,
            ),
        ),
    ],
    ids=["litter_box", "toy"],
)
def test_the_first_reading_tells_nothing(before: Device, after: Device) -> None:
    assert kind_events(before, after, NOW) == []


# --- meals ---------------------------------------------------------------------


def test_slot_time_and_zone() -> None:
    assert slot_time(FeedingSlot("07:05", 40)).isoformat() == "07:05:00"
    assert slot_time(FeedingSlot("18:30:00", 40)).isoformat() == "18:30:00"
    assert zone("Europe/Berlin") == BERLIN
    for name in (None, "", "Mars/Olympus_Mons", "../etc/passwd"):
        assert zone(name) is None


SLOTS = [
    FeedingSlot("08:00", 60),
    FeedingSlot("12:00", 40, enabled=False),
    FeedingSlot("18:00", 60),
]


def test_meals_across_days_oldest_first_without_the_disabled_slot() -> None:
    start = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    end = datetime(2025, 6, 3, 8, 0, tzinfo=UTC)
    meals = meals_between(SLOTS, "UTC", start, end)
    assert meals == [
        Meal(3, datetime(2025, 6, 1, 18, tzinfo=UTC), 60),
        Meal(1, datetime(2025, 6, 2, 8, tzinfo=UTC), 60),
        Meal(3, datetime(2025, 6, 2, 18, tzinfo=UTC), 60),
        # the end is left out
    ]
    # the slot number is the slot's place in the schedule, disabled ones count
    assert {meal.slot for meal in meals} == {1, 3}
    # start is in, end is out
    assert meals_between(SLOTS, "UTC", end, end + timedelta(seconds=1)) == [
        Meal(1, end, 60)
    ]


def test_meal_times_are_local_to_the_schedules_zone() -> None:
    start = datetime(2025, 6, 2, 0, 0, tzinfo=UTC)
    (meal,) = meals_between(
        [FeedingSlot("12:15", 45)], "Asia/Kolkata", start, start + timedelta(days=1)
    )
    assert meal.at == datetime(2025, 6, 2, 6, 45, tzinfo=UTC)
    assert meal.at.tzinfo == ZoneInfo("Asia/Kolkata")
    # a window given in another zone is the same window
    local = start.astimezone(BERLIN)
    assert meals_between(
        [FeedingSlot("12:15", 45)], "Asia/Kolkata", local, local + timedelta(days=1)
    ) == [meal]


def test_a_meal_keeps_its_local_time_across_the_spring_change() -> None:
    """Berlin moves to summer time on the last Sunday of March (30 March 2025)."""
    start = datetime(2025, 3, 29, 0, 0, tzinfo=UTC)
    meals = meals_between(
        [FeedingSlot("08:00", 50)], "Europe/Berlin", start, start + timedelta(days=3)
    )
    assert [meal.at.astimezone(UTC) for meal in meals] == [
        datetime(2025, 3, 29, 7, 0, tzinfo=UTC),  # CET, UTC+1
        datetime(2025, 3, 30, 6, 0, tzinfo=UTC),  # CEST, UTC+2
        datetime(2025, 3, 31, 6, 0, tzinfo=UTC),
    ]
    assert {meal.at.astimezone(BERLIN).strftime("%H:%M") for meal in meals} == {"08:00"}


def test_a_meal_in_the_skipped_hour_is_served_once() -> None:
    """02:30 does not exist on 30 March 2025 in Berlin: it is still one meal."""
    start = datetime(2025, 3, 29, 12, 0, tzinfo=UTC)
    meals = meals_between(
        [FeedingSlot("02:30", 30)], "Europe/Berlin", start, start + timedelta(days=2)
    )
    assert len(meals) == 2  # the 30th and the 31st
    assert meals[1].at.astimezone(UTC) == datetime(2025, 3, 31, 0, 30, tzinfo=UTC)
    # the 30th's: within the hour after the change (as the simulator serves it)
    moved = meals[0].at.astimezone(UTC)
    assert (
        datetime(2025, 3, 30, 1, 0, tzinfo=UTC)
        <= moved
        < datetime(2025, 3, 30, 2, 0, tzinfo=UTC)
    )


def test_a_meal_in_the_repeated_hour_is_served_once() -> None:
    """02:30 happens twice on 26 October 2025 in Berlin: one meal, the first."""
    start = datetime(2025, 10, 25, 12, 0, tzinfo=UTC)
    meals = meals_between(
        [FeedingSlot("02:30", 30)], "Europe/Berlin", start, start + timedelta(days=1)
    )
    assert [meal.at.astimezone(UTC) for meal in meals] == [
        datetime(2025, 10, 26, 0, 30, tzinfo=UTC)  # 02:30 CEST
    ]


@pytest.mark.parametrize("timezone", ["Mars/Olympus_Mons", "", "not a zone"])
def test_an_unknown_time_zone_has_no_meals(timezone: str) -> None:
    assert meals_between(SLOTS, timezone, NOW, NOW + timedelta(days=2)) == []


def test_no_meals_in_an_empty_window_or_schedule() -> None:
    assert meals_between(SLOTS, "UTC", NOW, NOW) == []
    assert meals_between(SLOTS, "UTC", NOW, NOW - timedelta(days=1)) == []
    assert meals_between([], "UTC", NOW, NOW + timedelta(days=2)) == []
    off = [FeedingSlot("08:00", 60, enabled=False)]
    assert meals_between(off, "UTC", NOW, NOW + timedelta(days=2)) == []


def test_a_long_window_lists_at_most_max_meal_days() -> None:
    meals = meals_between(
        [FeedingSlot("12:00", 10)], "UTC", NOW, NOW + timedelta(days=365)
    )
    assert MAX_MEAL_DAYS - 2 <= len(meals) <= MAX_MEAL_DAYS
    assert meals[0].at == datetime(2025, 6, 2, 12, tzinfo=UTC)


# --- meal_of --------------------------------------------------------------------


GRACE = timedelta(minutes=10)
BREAKFAST = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("fed_at", "slot"),
    [
        (BREAKFAST, 1),
        (BREAKFAST + timedelta(minutes=9), 1),  # within the grace
        (BREAKFAST - timedelta(minutes=14), 1),  # a little early
        (BREAKFAST + GRACE + timedelta(minutes=1), None),  # too late
        (BREAKFAST - MEAL_EARLY - timedelta(minutes=1), None),  # too early
        (datetime(2025, 6, 2, 12, 0, tzinfo=UTC), None),  # the disabled slot
        (datetime(2025, 6, 2, 18, 5, tzinfo=UTC), 3),
        (datetime(2025, 6, 2, 15, 0, tzinfo=UTC), None),
    ],
)
def test_which_meal_a_feed_was(fed_at: datetime, slot: int | None) -> None:
    meal = meal_of(SLOTS, "UTC", fed_at, GRACE)
    assert (meal.slot if meal else None) == slot
    if meal is not None:
        assert meal.amount == 60


def test_a_feed_between_two_close_meals_is_the_nearer() -> None:
    slots = [FeedingSlot("08:00", 10), FeedingSlot("08:20", 20)]
    fed = datetime(2025, 6, 2, 8, 12, tzinfo=UTC)
    meal = meal_of(slots, "UTC", fed, GRACE)
    assert meal is not None
    assert (meal.slot, meal.amount) == (2, 20)
    meal = meal_of(slots, "UTC", fed - timedelta(minutes=4), GRACE)
    assert meal is not None
    assert meal.slot == 1


def test_a_meal_just_before_midnight_in_the_schedules_zone() -> None:
    slots = [FeedingSlot("23:55", 30)]
    # 23:55 in Berlin (summer) is 21:55 UTC; fed five minutes later
    meal = meal_of(
        slots, "Europe/Berlin", datetime(2025, 6, 2, 22, 0, tzinfo=UTC), GRACE
    )
    assert meal is not None
    assert meal.at.astimezone(UTC) == datetime(2025, 6, 2, 21, 55, tzinfo=UTC)
    assert meal_of(slots, "Nowhere/Zone", BREAKFAST, GRACE) is None


# --- schedule_mismatch ------------------------------------------------------------


def mismatch(
    slots: list[FeedingSlot] | None,
    *,
    timezone: str | None = "UTC",
    paused: bool = False,
    now: datetime = NOW,
    **state: Any,
) -> str | None:
    return schedule_mismatch(slots, timezone, paused, feeder(**state), now)


NEXT_BREAKFAST = datetime(2025, 6, 3, 8, 0, tzinfo=UTC)
NEXT_DINNER = datetime(2025, 6, 2, 18, 0, tzinfo=UTC)


def test_a_schedule_never_sent_from_here() -> None:
    assert mismatch(None, scheduled_feeds=3) == "not_known"
    assert mismatch(None, scheduled_feeds=0) is None
    assert mismatch(None) is None  # the cloud tells nothing either


@pytest.mark.parametrize("count", [3, 2, None])
def test_the_clouds_count_of_all_or_of_the_enabled_meals_agrees(
    count: int | None,
) -> None:
    assert mismatch(SLOTS, scheduled_feeds=count, next_feed=NEXT_DINNER) is None


@pytest.mark.parametrize("count", [0, 1, 4])
def test_another_count_disagrees(count: int) -> None:
    assert mismatch(SLOTS, scheduled_feeds=count) == "count"
    # paused or not: a count is a count
    assert mismatch(SLOTS, scheduled_feeds=count, paused=True) == "count"


def test_a_next_feed_that_is_none_of_ours_disagrees() -> None:
    odd = datetime(2025, 6, 2, 15, 0, tzinfo=UTC)
    assert mismatch(SLOTS, scheduled_feeds=2, next_feed=odd) == "next_feed"
    # the disabled slot's time is none of ours either
    noon = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
    assert mismatch(SLOTS, scheduled_feeds=2, next_feed=noon) == "next_feed"
    # within a minute of a meal is that meal
    for off in (timedelta(seconds=-59), timedelta(seconds=59)):
        assert mismatch(SLOTS, next_feed=NEXT_DINNER + off) is None
    assert mismatch(SLOTS, next_feed=NEXT_BREAKFAST) is None


def test_the_next_feed_in_the_schedules_zone() -> None:
    slots = [FeedingSlot("08:00", 60)]
    berlin_breakfast = datetime(2025, 6, 3, 6, 0, tzinfo=UTC)  # 08:00 CEST
    assert mismatch(slots, timezone="Europe/Berlin", next_feed=berlin_breakfast) is None
    assert (
        mismatch(slots, timezone="Europe/Berlin", next_feed=NEXT_BREAKFAST)
        == "next_feed"
    )
    # a schedule sent without a zone is UTC
    assert mismatch(slots, timezone=None, next_feed=NEXT_BREAKFAST) is None


def test_a_paused_schedule_has_no_next_feed_to_disagree_with() -> None:
    odd = datetime(2025, 6, 2, 15, 0, tzinfo=UTC)
    assert mismatch(SLOTS, next_feed=odd, paused=True) is None
    assert mismatch(SLOTS, next_feed=odd, schedule_paused=True) is None
    assert mismatch(SLOTS, next_feed=odd, schedule_paused=False) == "next_feed"


def test_a_stale_next_feed_is_the_clouds_lag() -> None:
    stale = NOW - timedelta(minutes=5)  # (not a meal time either)
    assert mismatch(SLOTS, next_feed=stale) is None
    # a minute late is still fresh
    late = datetime(2025, 6, 2, 9, 59, 30, tzinfo=UTC)
    assert mismatch(SLOTS, next_feed=late) == "next_feed"


def test_only_a_feeder_has_a_schedule() -> None:
    assert schedule_mismatch(SLOTS, "UTC", False, box(), NOW) is None
