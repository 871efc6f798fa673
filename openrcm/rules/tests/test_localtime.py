from __future__ import annotations

import ast
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openrcm.rules.identifiers import US_STATES
from openrcm.rules.localtime import (
    CONTINENTAL_US_ZONES,
    STATE_ZONES,
    ZIP3_STATES,
    ContactWindow,
    LocationSignals,
    earliest_day_start,
    latest_day_start,
    local_day_start,
    next_opening,
    next_schedule_opening,
    schedule_open,
    state_for_phone,
    states_for_zip,
    window_open,
    zones_for_phone,
    zones_for_state,
    zones_for_zip,
)

NY = ZoneInfo("America/New_York")
EIGHT, NINE_PM = time(8), time(21)
EASTERN, CENTRAL, MOUNTAIN, PACIFIC = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
)


# --- the state table --------------------------------------------------------------------------


def test_every_state_and_territory_has_loadable_zones():
    for state in US_STATES:
        zones = zones_for_state(state)
        assert zones, state
        for name in zones:
            ZoneInfo(name)  # raises if the IANA database lacks it


@pytest.mark.parametrize(
    ("state", "must_include"),
    [
        ("FL", {EASTERN, CENTRAL}),
        ("TX", {CENTRAL, MOUNTAIN}),
        ("TN", {EASTERN, CENTRAL}),
        ("KY", {"America/Kentucky/Louisville", CENTRAL}),
        ("IN", {"America/Indiana/Indianapolis", "America/Indiana/Knox"}),
        ("MI", {"America/Detroit", "America/Menominee"}),
        ("KS", {CENTRAL, MOUNTAIN}),
        ("NE", {CENTRAL, MOUNTAIN}),
        ("ND", {CENTRAL, MOUNTAIN}),
        ("SD", {CENTRAL, MOUNTAIN}),
        ("ID", {"America/Boise", PACIFIC}),
        ("OR", {PACIFIC, "America/Boise"}),
        ("NV", {PACIFIC, MOUNTAIN}),
        ("AZ", {"America/Phoenix", MOUNTAIN}),
        ("AK", {"America/Anchorage", "America/Adak"}),
        ("AL", {CENTRAL, EASTERN}),
    ],
)
def test_split_states_list_every_zone(state, must_include):
    assert must_include <= zones_for_state(state)
    assert zones_for_state(state.lower()) == zones_for_state(state)


def test_single_zone_states_and_unknown_codes():
    assert zones_for_state("NY") == {EASTERN}
    assert zones_for_state("CA") == {PACIFIC}
    assert zones_for_state("XX") == frozenset()
    assert zones_for_state(None) == frozenset()


# --- ZIP prefixes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zip_code", "states"),
    [
        ("10001", {"NY"}),
        ("00501", {"NY"}),
        ("00901", {"PR"}),
        ("00802", {"VI"}),
        ("02108", {"MA"}),
        ("05501", {"MA"}),
        ("20001", {"DC"}),
        ("20166", {"VA"}),
        ("32501", {"FL"}),
        ("33101", {"FL"}),
        ("37201", {"TN"}),
        ("46204", {"IN"}),
        ("60601", {"IL"}),
        ("73301", {"TX"}),
        ("73102", {"OK"}),
        ("79901", {"TX"}),
        ("88510", {"TX"}),
        ("87501", {"NM"}),
        ("89101", {"NV"}),
        ("90210", {"CA"}),
        ("96813", {"HI"}),
        ("96910", {"GU", "MP", "PW", "FM", "MH"}),
        ("97201", {"OR"}),
        ("98101", {"WA"}),
        ("99501", {"AK"}),
        ("59221", {"MT", "ND"}),
        ("83414", {"ID", "WY"}),
        ("10001-1234", {"NY"}),
        ("100011234", {"NY"}),
    ],
)
def test_zip_prefixes_map_to_states(zip_code, states):
    assert states_for_zip(zip_code) == states


@pytest.mark.parametrize("zip_code", ["", None, "1000", "ABCDE", "09001", "21301", "00001"])
def test_unknown_military_unassigned_or_malformed_zips_tell_nothing(zip_code):
    assert states_for_zip(zip_code) == frozenset()


def test_zip_table_only_names_states_with_zones_and_has_no_gaps_in_big_ranges():
    assert all(states <= STATE_ZONES.keys() for states in ZIP3_STATES.values())
    assert all(len(prefix) == 3 and prefix.isdigit() for prefix in ZIP3_STATES)
    # Spot-check whole ranges: 100–149 New York, 750–770 Texas, 900–908 California.
    assert {ZIP3_STATES[f"{p:03d}"] for p in range(100, 150)} == {frozenset({"NY"})}
    assert {ZIP3_STATES[f"{p:03d}"] for p in range(750, 771)} == {frozenset({"TX"})}
    assert {ZIP3_STATES[f"{p:03d}"] for p in range(900, 909)} == {frozenset({"CA"})}


def test_zip_zones_are_the_zones_of_its_states():
    assert zones_for_zip("32501") == zones_for_state("FL")
    assert zones_for_zip("59221") == zones_for_state("MT") | zones_for_state("ND")


# --- phone numbers ---------------------------------------------------------------------------


def test_area_code_zones_include_the_whole_state_of_the_area_code():
    # phonenumbers alone puts 850 (Pensacola, mostly Central) in New York time only.
    assert state_for_phone("+18505550101") == "FL"
    assert {EASTERN, CENTRAL} <= zones_for_phone("+18505550101")
    # and 423 (Chattanooga, Eastern) in Chicago time only.
    assert {EASTERN, CENTRAL} <= zones_for_phone("+14235550101")


def test_phone_zones_for_single_zone_and_split_area_codes():
    assert zones_for_phone("+12125550123") == {EASTERN}
    assert state_for_phone("+12125550123") == "NY"
    assert {"America/Boise", PACIFIC} <= zones_for_phone("+12085550101")
    assert zones_for_phone("(212) 555-0123") == {EASTERN}  # national format, US default


def test_territories_have_their_own_zone():
    assert state_for_phone("+17875550100") == "PR"
    assert zones_for_phone("+17875550100") == {"America/Puerto_Rico"}


def test_canadian_numbers_are_not_californian():
    assert state_for_phone("+14165550123") is None  # Toronto: region "CA" means Canada
    assert zones_for_phone("+14165550123") == {"America/Toronto"}
    assert zones_for_phone("+16045550123") == {"America/Vancouver"}


@pytest.mark.parametrize("phone", ["+18005550101", "+18885550101", "not a phone", "+1212", ""])
def test_toll_free_and_invalid_numbers_tell_nothing(phone):
    assert zones_for_phone(phone) == frozenset()
    assert state_for_phone(phone) is None


def test_location_signals_union_and_fallback():
    signals = LocationSignals(state="NY", zip_code="98101", phones=("+12085550101",))
    assert signals.zones() == {EASTERN, PACIFIC, "America/Boise"}
    assert signals.states() == {"NY", "WA", "ID"}
    assert LocationSignals().zones() == frozenset()
    assert LocationSignals().zones_or() == CONTINENTAL_US_ZONES
    assert LocationSignals(extra_zones=frozenset({"Nowhere/Land", HAWAII})).zones() == {HAWAII}


HAWAII = "Pacific/Honolulu"


# --- windows ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("local", "is_open"),
    [
        (time(7, 59, 59), False),
        (time(8, 0), True),
        (time(12, 0), True),
        (time(20, 59, 59), True),
        (time(21, 0), False),
        (time(23, 30), False),
        (time(0, 0), False),
    ],
)
def test_window_boundaries_are_half_open(local, is_open):
    now = datetime.combine(date(2026, 6, 2), local, tzinfo=NY)
    assert window_open({EASTERN}, now, EIGHT, NINE_PM) is is_open


def test_window_must_be_open_in_every_zone():
    noon_utc = datetime(2026, 6, 2, 14, 0, tzinfo=UTC)  # 10:00 New York, 07:00 Los Angeles
    assert window_open({EASTERN}, noon_utc, EIGHT, NINE_PM)
    assert not window_open({EASTERN, PACIFIC}, noon_utc, EIGHT, NINE_PM)
    assert next_opening({EASTERN, PACIFIC}, noon_utc, EIGHT, NINE_PM) == datetime(
        2026, 6, 2, 15, 0, tzinfo=UTC
    )
    late = datetime(2026, 6, 3, 0, 30, tzinfo=UTC)  # 20:30 New York, 17:30 Los Angeles
    assert window_open({EASTERN, PACIFIC}, late, EIGHT, NINE_PM)
    assert not window_open({EASTERN, PACIFIC}, late + timedelta(hours=1), EIGHT, NINE_PM)


def test_dst_spring_forward_uses_the_new_offset():
    # Sunday 2026-03-08: clocks jump from 02:00 EST to 03:00 EDT.
    assert window_open({EASTERN}, datetime(2026, 3, 8, 12, 30, tzinfo=UTC), EIGHT, NINE_PM)
    assert not window_open({EASTERN}, datetime(2026, 3, 7, 12, 30, tzinfo=UTC), EIGHT, NINE_PM)
    opening = next_opening({EASTERN}, datetime(2026, 3, 8, 6, 0, tzinfo=UTC), EIGHT, NINE_PM)
    assert opening == datetime(2026, 3, 8, 12, 0, tzinfo=UTC)  # 08:00 EDT, not 13:00 UTC
    assert opening is not None
    assert opening.astimezone(NY).hour == 8


def test_dst_fall_back_uses_the_new_offset():
    # Sunday 2026-11-01: clocks fall back from 02:00 EDT to 01:00 EST.
    assert not window_open({EASTERN}, datetime(2026, 11, 1, 12, 30, tzinfo=UTC), EIGHT, NINE_PM)
    opening = next_opening({EASTERN}, datetime(2026, 11, 1, 6, 0, tzinfo=UTC), EIGHT, NINE_PM)
    assert opening == datetime(2026, 11, 1, 13, 0, tzinfo=UTC)
    # 21:00 EST is 02:00 UTC: 01:30 UTC that evening is still open.
    assert window_open({EASTERN}, datetime(2026, 11, 2, 1, 30, tzinfo=UTC), EIGHT, NINE_PM)
    assert not window_open({EASTERN}, datetime(2026, 11, 2, 2, 0, tzinfo=UTC), EIGHT, NINE_PM)


def test_next_opening_keeps_the_callers_time_zone_and_returns_now_when_open():
    now = datetime(2026, 6, 2, 10, 0, tzinfo=NY)
    assert next_opening({EASTERN}, now, EIGHT, NINE_PM) == now
    later = next_opening({EASTERN}, datetime(2026, 6, 2, 22, 0, tzinfo=NY), EIGHT, NINE_PM)
    assert later == datetime(2026, 6, 3, 8, 0, tzinfo=NY)
    assert later is not None
    assert later.tzinfo is NY


def test_weekly_window_texas_sunday_noon():
    texas = ContactWindow.weekly(
        {day: (time(9), time(21)) for day in range(6)} | {6: (time(12), time(21))}
    )
    chicago = ZoneInfo(CENTRAL)
    sunday_ten = datetime(2026, 6, 7, 10, 0, tzinfo=chicago)
    assert not schedule_open({CENTRAL}, sunday_ten, texas)
    assert schedule_open({CENTRAL}, datetime(2026, 6, 8, 10, 0, tzinfo=chicago), texas)
    assert next_schedule_opening({CENTRAL}, sunday_ten, texas) == datetime(
        2026, 6, 7, 12, 0, tzinfo=chicago
    )


def test_window_without_a_stated_inconvenient_time():
    base = ContactWindow.daily(EIGHT, NINE_PM)
    no_lunch = base.without(range(7), time(12), time(13))
    monday = datetime(2026, 6, 1, 12, 30, tzinfo=NY)
    assert not schedule_open({EASTERN}, monday, no_lunch)
    assert schedule_open({EASTERN}, monday.replace(hour=13), no_lunch)
    assert next_schedule_opening({EASTERN}, monday, no_lunch) == monday.replace(hour=13, minute=0)
    # A span past midnight closes the evening and the next morning.
    nights = base.without({0}, time(19), time(9))  # Monday 19:00 to Tuesday 09:00
    assert not schedule_open({EASTERN}, monday.replace(hour=19, minute=30), nights)
    assert not schedule_open({EASTERN}, datetime(2026, 6, 2, 8, 30, tzinfo=NY), nights)
    assert schedule_open({EASTERN}, datetime(2026, 6, 3, 8, 30, tzinfo=NY), nights)


def test_intersection_and_never_open():
    eight_to_eight = ContactWindow.daily(EIGHT, time(20))
    both = ContactWindow.daily(EIGHT, NINE_PM).intersect(eight_to_eight)
    assert both == eight_to_eight
    closed = ContactWindow.daily(EIGHT, time(9)).intersect(ContactWindow.daily(time(10), NINE_PM))
    assert closed.never_open
    assert next_schedule_opening({EASTERN}, datetime(2026, 6, 1, tzinfo=UTC), closed) is None


def test_zones_so_far_apart_that_the_window_never_opens_give_none():
    # New York and Guam are 14–15 hours apart: 9-to-5 windows never overlap (8-to-9 do).
    far = {EASTERN, "Pacific/Guam"}
    start = datetime(2026, 6, 1, tzinfo=UTC)
    assert next_opening(far, start, time(9), time(17)) is None
    assert next_opening(far, start, EIGHT, NINE_PM) is not None


def test_bad_inputs_are_programming_errors():
    with pytest.raises(ValueError, match="aware"):
        window_open({EASTERN}, datetime(2026, 6, 1, 12, 0), EIGHT, NINE_PM)  # noqa: DTZ001
    with pytest.raises(ValueError, match="no time zone"):
        window_open(set(), datetime(2026, 6, 1, tzinfo=UTC), EIGHT, NINE_PM)
    with pytest.raises(ValueError, match="IANA"):
        window_open({"Mars/Olympus"}, datetime(2026, 6, 1, tzinfo=UTC), EIGHT, NINE_PM)
    with pytest.raises(ValueError, match="start before"):
        ContactWindow.daily(NINE_PM, EIGHT)


# --- calendar days ---------------------------------------------------------------------------


def test_day_starts_across_spring_forward():
    saturday_noon = datetime(2026, 3, 7, 12, 0, tzinfo=NY)  # EST
    day_eight = local_day_start(saturday_noon, EASTERN, 7)
    assert day_eight == datetime(2026, 3, 14, 0, 0, tzinfo=NY)
    assert day_eight.astimezone(UTC) == datetime(2026, 3, 14, 4, 0, tzinfo=UTC)  # EDT now
    # 6 days 12 hours of wall time, but only 155 real hours: the night lost an hour.
    assert day_eight.astimezone(UTC) - saturday_noon.astimezone(UTC) == timedelta(hours=155)


def test_latest_and_earliest_day_start_across_zones():
    instant = datetime(2026, 6, 1, 3, 30, tzinfo=UTC)  # 23:30 May 31 NY, 20:30 May 31 LA
    zones = {EASTERN, PACIFIC}
    assert latest_day_start(instant, zones, 1) == datetime(2026, 6, 1, 7, 0, tzinfo=UTC)
    assert earliest_day_start(instant, zones, 1) == datetime(2026, 6, 1, 4, 0, tzinfo=UTC)
    assert earliest_day_start(instant, zones, -6) == datetime(2026, 5, 25, 4, 0, tzinfo=UTC)


# --- properties ------------------------------------------------------------------------------

ZONE_POOL = sorted(
    {EASTERN, CENTRAL, MOUNTAIN, PACIFIC, "America/Phoenix", "America/Anchorage", HAWAII}
    | {"America/Adak", "America/Puerto_Rico", "America/Boise"}
)
instants = st.datetimes(
    min_value=datetime(2025, 1, 1),  # noqa: DTZ001 - hypothesis takes naive bounds
    max_value=datetime(2028, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)
zone_sets = st.sets(st.sampled_from(ZONE_POOL), min_size=1, max_size=4)
hours = st.tuples(st.integers(0, 22), st.integers(1, 23)).filter(lambda h: h[0] < h[1])


@settings(max_examples=150, deadline=None)
@given(instants, zone_sets, hours, st.data())
def test_next_opening_is_open_and_nothing_earlier_is(now, zones, span, data):
    start, end = time(span[0]), time(span[1])
    opening = next_opening(zones, now, start, end)
    if opening is None:
        # Then no whole hour in the next eight days is open everywhere either.
        assert not any(
            window_open(zones, now + timedelta(hours=h), start, end) for h in range(8 * 24)
        )
        return
    assert opening >= now
    assert window_open(zones, opening, start, end)
    if opening > now:
        assert not window_open(zones, opening - timedelta(seconds=1), start, end)
        gap = (opening - now) // timedelta(microseconds=1)
        probe = now + timedelta(microseconds=data.draw(st.integers(0, gap - 1)))
        assert not window_open(zones, probe, start, end)


@settings(max_examples=100, deadline=None)
@given(instants, zone_sets)
def test_window_open_means_local_hour_in_range_everywhere(now, zones):
    expected = all(8 <= now.astimezone(ZoneInfo(z)).hour < 21 for z in zones)
    assert window_open(zones, now, EIGHT, NINE_PM) is expected


# --- layering ----------------------------------------------------------------------------------


@pytest.mark.parametrize("module", ["decisions", "localtime", "messaging", "collections"])
def test_policy_modules_import_only_the_stdlib_phonenumbers_and_rules(module):
    source = Path(__file__).parents[1] / f"{module}.py"
    imported: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    for name in imported:
        top = name.split(".")[0]
        allowed = (
            top in sys.stdlib_module_names
            or top == "phonenumbers"
            or name.startswith("openrcm.rules.")
        )
        assert allowed, f"{module}.py imports {name}"
