"""The recipient's local time: every zone they might be in, and when a window is open there.

Quiet-hours rules (TCPA 47 CFR 64.1200(c)(1), state mini-TCPA laws, Regulation F 12 CFR
1006.6(b)(1)(i)) are about the *recipient's* local time. We rarely know where the recipient
is, so we collect every zone they might be in — from the address state, the ZIP code and
each phone number's area code — and allow a contact only when the window is open in every
one of them (the intersection). Reg F's commentary takes the same approach: where the
signals conflict, a time is inconvenient if it is inconvenient at any possible location.
When nothing is known we fall back to every zone of the continental United States.

Everything here is pure: zone data comes from the IANA database (``zoneinfo``) and from
``phonenumbers``' timezone and geocoder data, so DST is handled by the zone rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import geocoder
from phonenumbers import timezone as phone_timezone

from openrcm.rules.decisions import as_utc, require_aware

# --- zones by state ------------------------------------------------------------------------

EASTERN = "America/New_York"
CENTRAL = "America/Chicago"
MOUNTAIN = "America/Denver"
ARIZONA = "America/Phoenix"  # Mountain Standard Time all year
PACIFIC = "America/Los_Angeles"
ALASKA = "America/Anchorage"
HAWAII = "Pacific/Honolulu"

# The zones of the 48 contiguous states: the fallback when nothing is known of a recipient.
CONTINENTAL_US_ZONES = frozenset({EASTERN, CENTRAL, MOUNTAIN, ARIZONA, PACIFIC})

# Every zone a resident of each state might keep. States split across a zone line list all
# of them, and places that keep another zone unofficially (Phenix City AL on Eastern,
# Kenton OK and West Wendover / Jackpot NV on Mountain, the Navajo Nation in AZ on
# Mountain daylight time) are included, because a wider set can only narrow the window.
STATE_ZONES: Mapping[str, frozenset[str]] = {
    "AL": frozenset({CENTRAL, EASTERN}),  # Phenix City area keeps Eastern time
    "AK": frozenset(
        {
            ALASKA,
            "America/Juneau",
            "America/Sitka",
            "America/Yakutat",
            "America/Nome",
            "America/Metlakatla",
            "America/Adak",  # Aleutians west of 169°30′W: Hawaii–Aleutian time
        }
    ),
    "AZ": frozenset({ARIZONA, MOUNTAIN}),  # Navajo Nation observes daylight time
    "AR": frozenset({CENTRAL}),
    "CA": frozenset({PACIFIC}),
    "CO": frozenset({MOUNTAIN}),
    "CT": frozenset({EASTERN}),
    "DE": frozenset({EASTERN}),
    "DC": frozenset({EASTERN}),
    "FL": frozenset({EASTERN, CENTRAL}),  # panhandle west of the Apalachicola: Central
    "GA": frozenset({EASTERN}),
    "HI": frozenset({HAWAII}),
    "ID": frozenset({"America/Boise", PACIFIC}),  # north Idaho: Pacific
    "IL": frozenset({CENTRAL}),
    "IN": frozenset(
        {"America/Indiana/Indianapolis", "America/Indiana/Knox", "America/Indiana/Tell_City"}
    ),  # NW and SW corners: Central
    "IA": frozenset({CENTRAL}),
    "KS": frozenset({CENTRAL, MOUNTAIN}),  # four western counties: Mountain
    "KY": frozenset({"America/Kentucky/Louisville", CENTRAL}),  # western half: Central
    "LA": frozenset({CENTRAL}),
    "ME": frozenset({EASTERN}),
    "MD": frozenset({EASTERN}),
    "MA": frozenset({EASTERN}),
    "MI": frozenset({"America/Detroit", "America/Menominee"}),  # four UP counties: Central
    "MN": frozenset({CENTRAL}),
    "MS": frozenset({CENTRAL}),
    "MO": frozenset({CENTRAL}),
    "MT": frozenset({MOUNTAIN}),
    "NE": frozenset({CENTRAL, MOUNTAIN}),  # western panhandle: Mountain
    "NV": frozenset({PACIFIC, MOUNTAIN}),  # West Wendover (and Jackpot): Mountain
    "NH": frozenset({EASTERN}),
    "NJ": frozenset({EASTERN}),
    "NM": frozenset({MOUNTAIN}),
    "NY": frozenset({EASTERN}),
    "NC": frozenset({EASTERN}),
    "ND": frozenset({CENTRAL, "America/North_Dakota/Center", MOUNTAIN}),  # southwest: Mountain
    "OH": frozenset({EASTERN}),
    "OK": frozenset({CENTRAL, MOUNTAIN}),  # Kenton keeps Mountain time unofficially
    "OR": frozenset({PACIFIC, "America/Boise"}),  # most of Malheur County: Mountain
    "PA": frozenset({EASTERN}),
    "RI": frozenset({EASTERN}),
    "SC": frozenset({EASTERN}),
    "SD": frozenset({CENTRAL, MOUNTAIN}),  # west river: Mountain
    "TN": frozenset({CENTRAL, EASTERN}),  # east Tennessee: Eastern
    "TX": frozenset({CENTRAL, MOUNTAIN}),  # El Paso and Hudspeth counties: Mountain
    "UT": frozenset({MOUNTAIN}),
    "VT": frozenset({EASTERN}),
    "VA": frozenset({EASTERN}),
    "WA": frozenset({PACIFIC}),
    "WV": frozenset({EASTERN}),
    "WI": frozenset({CENTRAL}),
    "WY": frozenset({MOUNTAIN}),
    "PR": frozenset({"America/Puerto_Rico"}),
    "VI": frozenset({"America/St_Thomas"}),
    "GU": frozenset({"Pacific/Guam"}),
    "MP": frozenset({"Pacific/Saipan"}),
    "AS": frozenset({"Pacific/Pago_Pago"}),
    # Freely associated states that use US ZIP codes (969xx).
    "PW": frozenset({"Pacific/Palau"}),
    "FM": frozenset({"Pacific/Chuuk", "Pacific/Pohnpei", "Pacific/Kosrae"}),
    "MH": frozenset({"Pacific/Majuro", "Pacific/Kwajalein"}),
}

# Names the phonenumbers geocoder gives for a US area code, mapped to the state code.
STATE_NAMES: Mapping[str, str] = {
    "alabama": "AL",
    "alaska": "AK",
    "arizona": "AZ",
    "arkansas": "AR",
    "california": "CA",
    "colorado": "CO",
    "connecticut": "CT",
    "delaware": "DE",
    "district of columbia": "DC",
    "washington d.c.": "DC",
    "washington, d.c.": "DC",
    "florida": "FL",
    "georgia": "GA",
    "hawaii": "HI",
    "idaho": "ID",
    "illinois": "IL",
    "indiana": "IN",
    "iowa": "IA",
    "kansas": "KS",
    "kentucky": "KY",
    "louisiana": "LA",
    "maine": "ME",
    "maryland": "MD",
    "massachusetts": "MA",
    "michigan": "MI",
    "minnesota": "MN",
    "mississippi": "MS",
    "missouri": "MO",
    "montana": "MT",
    "nebraska": "NE",
    "nevada": "NV",
    "new hampshire": "NH",
    "new jersey": "NJ",
    "new mexico": "NM",
    "new york": "NY",
    "north carolina": "NC",
    "north dakota": "ND",
    "ohio": "OH",
    "oklahoma": "OK",
    "oregon": "OR",
    "pennsylvania": "PA",
    "rhode island": "RI",
    "south carolina": "SC",
    "south dakota": "SD",
    "tennessee": "TN",
    "texas": "TX",
    "utah": "UT",
    "vermont": "VT",
    "virginia": "VA",
    "washington": "WA",
    "west virginia": "WV",
    "wisconsin": "WI",
    "wyoming": "WY",
    "puerto rico": "PR",
    "guam": "GU",
    "american samoa": "AS",
}

# --- ZIP code prefixes -----------------------------------------------------------------------

# The first three digits of a ZIP code (the sectional center) → the state or states it
# serves, from the public USPS prefix assignments. Prefixes not listed are unassigned or
# military (AA/AE/AP), and give no location. A prefix that also serves a town across a
# state line lists both states (the union of their zones can only narrow the window).
_ZIP3_DATA = """
005 NY
006-007 PR
008 VI
009 PR
010-027 MA
028-029 RI
030-038 NH
039-049 ME
050-054 VT
055 MA
056-059 VT
060-069 CT
070-089 NJ
100-149 NY
150-196 PA
197-199 DE
200 DC
201 VA
202-205 DC
206-212 MD
214-219 MD
220-246 VA
247-268 WV
270-289 NC
290-299 SC
300-319 GA
320-339 FL
341-342 FL
344 FL
346-347 FL
349 FL
350-352 AL
354-369 AL
370-385 TN
386-397 MS
398-399 GA
400-418 KY
420-427 KY
430-459 OH
460-479 IN
480-499 MI
500-516 IA
520-528 IA
530-532 WI
534-535 WI
537-549 WI
550-551 MN
553-567 MN
569 DC
570-577 SD
580-588 ND
590-591 MT
592 MT/ND
593-599 MT
600-629 IL
630-631 MO
633-658 MO
660-662 KS
664-679 KS
680-681 NE
683-693 NE
700-701 LA
703-708 LA
710-714 LA
716-729 AR
730-731 OK
733 TX
734-741 OK
743-749 OK
750-770 TX
772-799 TX
800-816 CO
820-831 WY
832-833 ID
834 ID/WY
835-838 ID
840-847 UT
850 AZ
852-853 AZ
855-857 AZ
859-860 AZ
863-865 AZ
870-875 NM
877-884 NM
885 TX
889-891 NV
893-895 NV
897-898 NV
900-908 CA
910-928 CA
930-961 CA
967 HI/AS
968 HI
969 GU/MP/PW/FM/MH
970-979 OR
980-994 WA
995-999 AK
"""


def _parse_zip3(data: str) -> dict[str, frozenset[str]]:
    table: dict[str, frozenset[str]] = {}
    for line in data.split("\n"):
        if not line.strip():
            continue
        prefixes, states = line.split()
        low, _, high = prefixes.partition("-")
        for prefix in range(int(low), int(high or low) + 1):
            table[f"{prefix:03d}"] = frozenset(states.split("/"))
    return table


ZIP3_STATES: Mapping[str, frozenset[str]] = _parse_zip3(_ZIP3_DATA)


def states_for_zip(zip_code: str | None) -> frozenset[str]:
    """The states a ZIP code may lie in (empty when the prefix is unknown or malformed)."""
    if not zip_code:
        return frozenset()
    digits = zip_code.strip().replace("-", "")
    if len(digits) not in (5, 9) or not digits.isdigit():
        return frozenset()
    return ZIP3_STATES.get(digits[:3], frozenset())


def zones_for_state(state: str | None) -> frozenset[str]:
    """Every zone of a state (two-letter code); empty when the code is unknown."""
    if not state:
        return frozenset()
    return STATE_ZONES.get(state.strip().upper(), frozenset())


def zones_for_zip(zip_code: str | None) -> frozenset[str]:
    return frozenset().union(*(zones_for_state(state) for state in states_for_zip(zip_code)))


# --- phone numbers ---------------------------------------------------------------------------

_NON_GEOGRAPHIC = frozenset(
    {
        phonenumbers.PhoneNumberType.TOLL_FREE,
        phonenumbers.PhoneNumberType.PREMIUM_RATE,
        phonenumbers.PhoneNumberType.SHARED_COST,
        phonenumbers.PhoneNumberType.PERSONAL_NUMBER,
        phonenumbers.PhoneNumberType.UAN,
        phonenumbers.PhoneNumberType.VOICEMAIL,
        phonenumbers.PhoneNumberType.PAGER,
    }
)


def _parse_phone(phone: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(phone, "US")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.number_type(number) in _NON_GEOGRAPHIC:
        return None
    return number


_TERRITORY_REGIONS = frozenset({"PR", "VI", "GU", "MP", "AS"})


@lru_cache(maxsize=4096)
def state_for_phone(phone: str) -> str | None:
    """The US state or territory of a number's area code (None when it has none)."""
    number = _parse_phone(phone)
    if number is None:
        return None
    region = phonenumbers.region_code_for_number(number)
    if region in _TERRITORY_REGIONS:
        return region  # PR, VI, GU, MP and AS have their own region codes
    if region != "US":
        return None  # Canada ("CA" is not California!), the Caribbean, ...
    description = geocoder.description_for_number(number, "en").strip()
    if len(description) > 4 and description[-4:-2] == ", ":
        code = description[-2:].upper()  # "New York, NY"
        if code in STATE_ZONES:
            return code
    return STATE_NAMES.get(description.casefold())


@lru_cache(maxsize=4096)
def zones_for_phone(phone: str) -> frozenset[str]:
    """Every zone a phone number's owner might be in (empty when it tells nothing).

    The union of phonenumbers' own zones for the number and every zone of the state its
    area code serves: phonenumbers gives one zone for some area codes that straddle a zone
    line (850 in the Florida panhandle is mostly Central; 423 in Tennessee is partly
    Eastern). Toll-free and other non-geographic numbers, and invalid ones, give nothing.
    """
    number = _parse_phone(phone)
    if number is None:
        return frozenset()
    zones = {
        name
        for name in phone_timezone.time_zones_for_number(number)
        if name != phone_timezone.UNKNOWN_TIMEZONE and _zone_exists(name)
    }
    zones |= zones_for_state(state_for_phone(phone))
    return frozenset(zones)


# --- a recipient's possible location ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LocationSignals:
    """What we know of where someone might be.

    ``extra_zones`` holds any other known location (for example a consumer's statement of
    where they are now) as IANA zone names.
    """

    state: str | None = None
    zip_code: str | None = None
    phones: tuple[str, ...] = ()
    extra_zones: frozenset[str] = field(default_factory=frozenset)

    def zones(self) -> frozenset[str]:
        """Every zone any signal points to (empty when nothing is known)."""
        zones = set(zones_for_state(self.state)) | zones_for_zip(self.zip_code)
        for phone in self.phones:
            zones |= zones_for_phone(phone)
        zones |= {name for name in self.extra_zones if _zone_exists(name)}
        return frozenset(zones)

    def states(self) -> frozenset[str]:
        """Every state any signal points to (address, ZIP, area codes).

        A state rule applies when any of these has it: Florida and Oklahoma presume that a
        number with an in-state area code belongs to an in-state resident.
        """
        states: set[str] = set()
        if self.state and self.state.strip().upper() in STATE_ZONES:
            states.add(self.state.strip().upper())
        states |= states_for_zip(self.zip_code)
        for phone in self.phones:
            phone_state = state_for_phone(phone)
            if phone_state:
                states.add(phone_state)
        return frozenset(states)

    def zones_or(self, fallback: frozenset[str] = CONTINENTAL_US_ZONES) -> frozenset[str]:
        """The zones, or ``fallback`` (every continental US zone) when nothing is known."""
        return self.zones() or fallback


@lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@lru_cache(maxsize=512)
def _zone_exists(name: str) -> bool:
    try:
        _zone(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


# --- windows of local time ------------------------------------------------------------------

SECONDS_PER_DAY = 24 * 3600
Interval = tuple[int, int]  # seconds after local midnight, [start, end)


def _seconds(value: time) -> int:
    return value.hour * 3600 + value.minute * 60 + value.second


def _merge(intervals: Iterable[Interval]) -> tuple[Interval, ...]:
    merged: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[0] < i[1]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


@dataclass(frozen=True, slots=True)
class ContactWindow:
    """The local hours at which contact is allowed, for each day of the week.

    ``days[weekday]`` (Monday = 0) holds half-open intervals [start, end) in seconds after
    local midnight. 21:00 is therefore outside an 08:00–21:00 window: the rules forbid
    contact "after 9 p.m.", and we refuse at the boundary rather than argue about seconds.
    """

    days: tuple[tuple[Interval, ...], ...]

    def __post_init__(self) -> None:
        if len(self.days) != 7:
            raise ValueError("a contact window has one entry per weekday (Monday first)")
        for intervals in self.days:
            for start, end in intervals:
                if not 0 <= start < end <= SECONDS_PER_DAY:
                    raise ValueError(f"bad interval {start}–{end} in a contact window")

    @classmethod
    def daily(cls, start: time, end: time) -> ContactWindow:
        """The same hours every day: ``start`` ≤ local time < ``end``."""
        if start >= end:
            raise ValueError(f"a window must start before it ends ({start}–{end})")
        interval = ((_seconds(start), _seconds(end)),)
        return cls(days=(interval,) * 7)

    @classmethod
    def always(cls) -> ContactWindow:
        """Open at every hour of every day (a base to cut inconvenient times out of)."""
        return cls(days=(((0, SECONDS_PER_DAY),),) * 7)

    @classmethod
    def weekly(cls, hours: Mapping[int, tuple[time, time] | None]) -> ContactWindow:
        """Hours per weekday (Monday = 0); a missing or ``None`` day is closed all day."""
        days: list[tuple[Interval, ...]] = []
        for weekday in range(7):
            span = hours.get(weekday)
            if span is None:
                days.append(())
                continue
            if span[0] >= span[1]:
                raise ValueError(f"a window must start before it ends ({span[0]}–{span[1]})")
            days.append(((_seconds(span[0]), _seconds(span[1])),))
        return cls(days=tuple(days))

    def contains(self, local: datetime) -> bool:
        """Whether a local wall-clock time is inside the window."""
        second = local.hour * 3600 + local.minute * 60 + local.second
        return any(start <= second < end for start, end in self.days[local.weekday()])

    def intersect(self, other: ContactWindow) -> ContactWindow:
        """Open only where both are open."""
        days = []
        for mine, theirs in zip(self.days, other.days, strict=True):
            days.append(
                _merge(
                    (max(a[0], b[0]), min(a[1], b[1]))
                    for a in mine
                    for b in theirs
                    if max(a[0], b[0]) < min(a[1], b[1])
                )
            )
        return ContactWindow(days=tuple(days))

    def without(self, weekdays: Iterable[int], start: time, end: time) -> ContactWindow:
        """Closed from ``start`` to ``end`` on ``weekdays`` (a stated inconvenient time).

        ``end`` ≤ ``start`` means the span runs past midnight into the next day.
        """
        blocked: list[list[Interval]] = [[] for _ in range(7)]
        first, last = _seconds(start), _seconds(end)
        for weekday in set(weekdays):
            if first < last:
                blocked[weekday].append((first, last))
            else:
                blocked[weekday].append((first, SECONDS_PER_DAY))
                blocked[(weekday + 1) % 7].append((0, last))
        days = []
        for intervals, cuts in zip(self.days, blocked, strict=True):
            remaining = list(intervals)
            for cut_start, cut_end in cuts:
                pieces: list[Interval] = []
                for open_start, open_end in remaining:
                    pieces.append((open_start, min(open_end, cut_start)))
                    pieces.append((max(open_start, cut_end), open_end))
                remaining = list(_merge(pieces))
            days.append(_merge(remaining))
        return ContactWindow(days=tuple(days))

    @property
    def never_open(self) -> bool:
        return not any(self.days)


DEFAULT_QUIET_HOURS_WINDOW = ContactWindow.daily(time(8), time(21))


def schedule_open(zones: Iterable[str], now: datetime, window: ContactWindow) -> bool:
    """Whether ``window`` is open at ``now`` in every one of ``zones``.

    ``zones`` must not be empty: the caller chooses the fallback for an unknown location
    (``LocationSignals.zones_or``); an empty set here is a programming error.
    """
    require_aware(now)
    names = _checked_zones(zones)
    return all(window.contains(now.astimezone(_zone(name))) for name in names)


def next_schedule_opening(
    zones: Iterable[str],
    after: datetime,
    window: ContactWindow,
    *,
    horizon: timedelta = timedelta(days=8),
) -> datetime | None:
    """The earliest instant at or after ``after`` when ``window`` is open in every zone.

    None when the window never opens everywhere within ``horizon``. The intersection of
    half-open intervals opens when its last member opens, so the answer is either
    ``after`` itself or a local opening time of one of the zones; we try those in order.
    The result is in ``after``'s time zone.
    """
    start = as_utc(after, "after")
    names = _checked_zones(zones)
    if schedule_open(names, start, window):
        return after
    limit = start + horizon
    candidates: set[datetime] = set()
    for name in names:
        zone = _zone(name)
        today = start.astimezone(zone).date()
        for offset in range(-1, horizon.days + 2):
            day = today + timedelta(days=offset)
            for opens, _closes in window.days[day.weekday()]:
                local = datetime.combine(day, _time_of(opens), tzinfo=zone)
                instant = local.astimezone(UTC)
                if start < instant <= limit:
                    candidates.add(instant)
    for candidate in sorted(candidates):
        if schedule_open(names, candidate, window):
            return candidate.astimezone(after.tzinfo)
    return None


def window_open(zones: Iterable[str], now: datetime, start: time, end: time) -> bool:
    """Whether ``start`` ≤ local time < ``end`` in every one of ``zones`` at ``now``."""
    return schedule_open(zones, now, ContactWindow.daily(start, end))


def next_opening(
    zones: Iterable[str],
    after: datetime,
    start: time,
    end: time,
    *,
    horizon: timedelta = timedelta(days=8),
) -> datetime | None:
    """The earliest instant at or after ``after`` when the daily window is open everywhere."""
    return next_schedule_opening(zones, after, ContactWindow.daily(start, end), horizon=horizon)


# --- calendar days in the recipient's time ---------------------------------------------------


def local_day_start(instant: datetime, zone_name: str, days_later: int = 0) -> datetime:
    """Local midnight of the day ``days_later`` days after ``instant``'s local date."""
    require_aware(instant, "instant")
    zone = _zone(zone_name)
    day: date = instant.astimezone(zone).date() + timedelta(days=days_later)
    return datetime.combine(day, time(0), tzinfo=zone)


def latest_day_start(instant: datetime, zones: Iterable[str], days_later: int) -> datetime:
    """The last of the zones' local midnights ``days_later`` days after ``instant``'s date.

    Used to end a period counted in the recipient's calendar days: the period is over only
    when it is over in every zone they might be in.
    """
    names = _checked_zones(zones)
    starts = (as_utc(local_day_start(instant, name, days_later)) for name in names)
    return max(starts).astimezone(instant.tzinfo)


def earliest_day_start(instant: datetime, zones: Iterable[str], days_later: int) -> datetime:
    """The first of the zones' local midnights ``days_later`` days (may be negative) after
    ``instant``'s date: the widest start of a period counted in calendar days."""
    names = _checked_zones(zones)
    starts = (as_utc(local_day_start(instant, name, days_later)) for name in names)
    return min(starts).astimezone(instant.tzinfo)


def _time_of(seconds: int) -> time:
    return time(seconds // 3600, (seconds % 3600) // 60, seconds % 60)


def _checked_zones(zones: Iterable[str]) -> tuple[str, ...]:
    names = tuple(sorted(set(zones)))
    if not names:
        raise ValueError("no time zone given: choose a fallback (LocationSignals.zones_or)")
    for name in names:
        if not _zone_exists(name):
            raise ValueError(f"{name!r} is not an IANA time zone")
    return names
