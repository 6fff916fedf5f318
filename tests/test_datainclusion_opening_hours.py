"""osm_opening_hours(): the OSM string opens exactly when dateutil.rrule says so.

For each spec, opening-hours-py (country "FR") evaluates the generated string
over 26 weeks from ``today``; the openings must equal the rrule occurrences of
the same rule (as portal schedule.rule builds it), less closures and French
public holidays (``holidays`` package, with the spec's subdivision), with the
changed occurrences at their changed hours.
"""

import random
from datetime import date, datetime, time, timedelta

import holidays
import opening_hours as oh_lib
import pytest
from dateutil.rrule import FR, MO, MONTHLY, SA, SU, TH, TU, WE, WEEKLY, rrule

from portal.services.datainclusion import opening_hours_osm as gen

HORIZON = timedelta(weeks=26)


RRULE_DAYS = {"MO": MO, "TU": TU, "WE": WE, "TH": TH, "FR": FR, "SA": SA, "SU": SU}


# -- reference: dateutil + holidays ---------------------------------------------------


def expected_openings(spec, today):
    end = today + HORIZON - timedelta(days=1)
    days = [RRULE_DAYS[code] for code in spec["weekdays"]]
    until = min(filter(None, [spec.get("valid_to"), end]))
    common = {
        "dtstart": datetime.combine(spec["valid_from"], time()),
        "until": datetime.combine(until, time()),
    }
    if spec["recurrence"] == "monthly":
        rule = rrule(MONTHLY, byweekday=[day(spec["month_week"]) for day in days], **common)
    else:
        rule = rrule(WEEKLY, interval=spec["every_n_weeks"], byweekday=days, wkst=MO, **common)
    closed = set()
    for start, stop in spec.get("closures") or ():
        closed |= {start + timedelta(days=i) for i in range((stop - start).days + 1)}
    if spec.get("holidays_off", True):
        closed |= set(
            holidays.France(subdiv=spec.get("holiday_subdiv"), years=range(today.year, end.year + 1))
        )
    changes = {day: (opens, closes) for day, opens, closes in spec.get("changes") or ()}
    result = set()
    for moment in rule.between(datetime.combine(today, time()), datetime.combine(end, time()), inc=True):
        day = moment.date()
        if day not in closed:
            opens, closes = changes.get(day, (spec["opens_at"], spec["closes_at"]))
            result.add((day, opens, closes))
    return result


def actual_openings(expression, today):
    parsed = oh_lib.OpeningHours(expression, country="FR")
    start = datetime.combine(today, time())
    return {
        (begin.date(), begin.time(), finish.time())
        for begin, finish, state, _comment in parsed.intervals(start, start + HORIZON)
        if state == oh_lib.State.OPEN
    }


def check(spec, today):
    expression = gen.osm_opening_hours(spec, today=today)
    assert oh_lib.validate(expression), expression
    assert oh_lib.OpeningHours(expression).warnings == [], expression
    expected, actual = expected_openings(spec, today), actual_openings(expression, today)
    assert actual == expected, (
        f"\n{expression}\nmissing: {sorted(expected - actual)}\nextra: {sorted(actual - expected)}"
    )
    return expression


def spec(**overrides):
    base = {
        "recurrence": "weekly",
        "weekdays": ["MO", "TH"],
        "every_n_weeks": 1,
        "month_week": None,
        "opens_at": time(9, 0),
        "closes_at": time(12, 0),
        "valid_from": date(2025, 1, 6),
        "valid_to": None,
        "closures": [],
        "holidays_off": True,
    }
    return {**base, **overrides}


# -- hand-picked cases ----------------------------------------------------------------

XMAS = [(date(2026, 12, 24), date(2027, 1, 2))]
CASES = {
    "weekly, Christmas closure, PH": (spec(closures=XMAS), date(2026, 10, 1)),
    "fortnightly across ISO 2026 (53 weeks)": (
        spec(every_n_weeks=2, valid_from=date(2026, 9, 7), closures=XMAS),
        date(2026, 10, 1),
    ),
    "fortnightly, odd anchor, across 2026/2027": (
        spec(every_n_weeks=2, valid_from=date(2026, 9, 17), weekdays=["TH"]),
        date(2026, 11, 20),
    ),
    "fortnightly across ISO 2032 (53 weeks)": (
        spec(every_n_weeks=2, valid_from=date(2031, 1, 13), weekdays=["TU"]),
        date(2032, 10, 1),
    ),
    "every 3 weeks, long-running": (spec(every_n_weeks=3, valid_from=date(2019, 3, 5)), date(2026, 11, 2)),
    "every 4 weeks, future start and end": (
        spec(every_n_weeks=4, valid_from=date(2027, 1, 20), valid_to=date(2027, 3, 31), weekdays=["WE"]),
        date(2026, 12, 1),
    ),
    "weekly, future start": (spec(valid_from=date(2026, 12, 10)), date(2026, 11, 1)),
    "weekly, ends within horizon": (spec(valid_to=date(2027, 1, 14)), date(2026, 11, 1)),
    "over already": (spec(valid_to=date(2026, 1, 14)), date(2026, 11, 1)),
    "monthly 2nd Tuesday": (
        spec(recurrence="monthly", month_week=2, weekdays=["TU"], opens_at=time(14), closes_at=time(16, 30)),
        date(2026, 10, 1),
    ),
    "monthly last Friday (25 Dec 2026 is one, PH)": (
        spec(recurrence="monthly", month_week=-1, weekdays=["FR"]),
        date(2026, 10, 1),
    ),
    "monthly 1st Monday and Thursday, May holidays": (
        spec(recurrence="monthly", month_week=1, weekdays=["MO", "TH"]),
        date(2026, 3, 1),
    ),
    "Alsace: Good Friday and 26 Dec": (
        spec(weekdays=["FR", "SA"], holiday_subdiv="6AE"),
        date(2026, 12, 1),
    ),
    "Moselle, fortnightly": (
        spec(weekdays=["FR"], every_n_weeks=2, valid_from=date(2027, 1, 1), holiday_subdiv="57"),
        date(2027, 1, 1),
    ),
    "La Réunion: 20 Dec as explicit date": (spec(weekdays=["SU"], holiday_subdiv="974"), date(2026, 11, 1)),
    "holidays not off": (spec(holidays_off=False, weekdays=["FR"]), date(2026, 10, 1)),
    "changes: moved hours, one on a closure, one off-rule": (
        spec(
            every_n_weeks=2,
            valid_from=date(2026, 9, 7),
            closures=XMAS,
            changes=[
                (date(2026, 10, 12), time(10), time(11, 30)),  # an occurrence: moved
                (date(2026, 12, 28), time(10), time(11)),  # occurrence but closed: dropped
                (date(2026, 10, 5), time(10), time(11)),  # off-week: not an occurrence, dropped
            ],
        ),
        date(2026, 10, 1),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_cases(name):
    check(*CASES[name])


def test_expected_strings():
    assert gen.osm_opening_hours(spec(closures=XMAS), today=date(2026, 10, 1)) == (
        "Mo,Th 09:00-12:00; 2026 Dec 24-2027 Jan 02 off; PH off"
    )
    assert gen.osm_opening_hours(
        spec(every_n_weeks=2, valid_from=date(2026, 9, 7)), today=date(2026, 10, 1)
    ) == (
        "2026 Sep 07-2027 Jan 03 week 37-53/2 Mo,Th 09:00-12:00; "
        "2027 Jan 04-2028 Jan 02 week 02-52/2 Mo,Th 09:00-12:00; PH off"
    )
    monthly = spec(
        recurrence="monthly", month_week=-1, weekdays=["FR"], valid_to=date(2027, 6, 30), holidays_off=False
    )
    assert (
        gen.osm_opening_hours(monthly, today=date(2026, 10, 1))
        == "2025 Jan 06-2027 Jun 30 Fr[-1] 09:00-12:00"
    )
    assert gen.osm_opening_hours(spec(valid_to=date(2026, 1, 14)), today=date(2026, 11, 1)) == "off"


def test_default_today():
    check(spec(every_n_weeks=2, valid_from=date.today() - timedelta(days=200)), date.today())
    assert gen.osm_opening_hours(spec(every_n_weeks=2))  # today=None works


@pytest.mark.parametrize(
    "bad",
    [
        {"weekdays": []},
        {"weekdays": ["XX"]},
        {"closes_at": time(8)},
        {"recurrence": "monthly", "month_week": 5},
        {"recurrence": "yearly"},
        {"valid_to": date(2024, 1, 1)},
        {"every_n_weeks": 0},
    ],
)
def test_invalid_specs(bad):
    with pytest.raises(ValueError):
        gen.osm_opening_hours(spec(**bad), today=date(2026, 1, 1))


def test_naive_week_parity_is_wrong_after_53_week_years():
    """Why we do not write 'week 01-53/2': ISO 2026 has 53 weeks, so weeks 53 and 01 are adjacent."""
    naive = oh_lib.OpeningHours("week 01-53/2 Mo 09:00-10:00")
    mondays = [
        b.date()
        for b, _e, s, _c in naive.intervals(datetime(2026, 12, 14), datetime(2027, 1, 12))
        if s == oh_lib.State.OPEN
    ]
    assert mondays == [date(2026, 12, 14), date(2026, 12, 28), date(2027, 1, 4)]  # two weeks in a row
    # and the year selector is the calendar year while 'week' is the ISO week:
    leak = oh_lib.OpeningHours("2025 week 01 Mo-Su 10:00-11:00")
    assert leak.is_open(datetime(2025, 12, 30, 10, 30))  # ISO week 1 of 2026, calendar 2025


def test_ph_needs_a_country():
    """Without country (or coords) PH matches nothing: 25 December stays open."""
    christmas = datetime(2026, 12, 25, 9, 30)
    assert oh_lib.OpeningHours("Mo-Fr 09:00-10:00; PH off").is_open(christmas)
    assert oh_lib.OpeningHours("Mo-Fr 09:00-10:00; PH off", country="FR").is_closed(christmas)


# -- random specs ---------------------------------------------------------------------

TODAYS = [
    date(2025, 6, 2),
    date(2026, 9, 15),
    date(2026, 12, 20),
    date(2027, 3, 20),
    date(2031, 11, 30),
    date(2032, 12, 25),
]


def random_spec(rng, today):
    recurrence = rng.choice(["weekly", "weekly", "monthly"])
    valid_from = today + timedelta(days=rng.randint(-900, 120))
    valid_to = rng.choice([None, None, valid_from + timedelta(days=rng.randint(0, 400))])
    closures = []
    for _ in range(rng.randint(0, 3)):
        start = today + timedelta(days=rng.randint(-30, 180))
        closures.append((start, start + timedelta(days=rng.randint(0, 15))))
    opens = time(rng.randint(7, 15), rng.choice([0, 15, 30, 45]))
    result = {
        "recurrence": recurrence,
        "weekdays": rng.sample(gen.DAY_CODES, rng.randint(1, 3)),
        "every_n_weeks": rng.choice([1, 2, 2, 3, 4, 5]),
        "month_week": rng.choice([1, 2, 3, 4, -1]) if recurrence == "monthly" else None,
        "opens_at": opens,
        "closes_at": time(opens.hour + rng.randint(1, 4), rng.choice([0, 30])),
        "valid_from": valid_from,
        "valid_to": valid_to,
        "closures": closures,
        "holidays_off": rng.random() < 0.85,
        "holiday_subdiv": rng.choice([None, None, None, "57", "6AE", "974", "971"]),
    }
    result["changes"] = [
        (today + timedelta(days=rng.randint(0, 180)), time(10), time(11, 45))
        for _ in range(rng.randint(0, 2))
    ]
    return result


@pytest.mark.parametrize("seed", range(300))
def test_random_specs(seed):
    rng = random.Random(seed)
    today = rng.choice(TODAYS)
    check(random_spec(rng, today), today)


# -- the other way: hours an import can turn into a permanence -------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Mo,Th 09:00-12:00", ("weekly", ["MO", "TH"], None, time(9), time(12))),
        (
            "Mo-Fr 09:00-12:30; PH off",
            ("weekly", ["MO", "TU", "WE", "TH", "FR"], None, time(9), time(12, 30)),
        ),
        ("Tu[2] 14:00-16:30", ("monthly", ["TU"], 2, time(14), time(16, 30))),
        ("Fr[-1] 08:00-10:00; PH closed", ("monthly", ["FR"], -1, time(8), time(10))),
    ],
)
def test_regular_hours_become_a_schedule(text, expected):
    schedule = gen.regular_schedule(text)
    got = (schedule["recurrence"], schedule["weekdays"], schedule["month_week"])
    assert got + (schedule["opens_at"], schedule["closes_at"]) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Mo-Fr 09:00-12:00,14:00-17:00",  # two ranges a day: not one permanence
        "Mo 09:00-12:00; Tu 10:00-11:00",
        "24/7",
        "Mo 12:00-09:00",
        "Mo 25:00-26:00",
        "PH off",
        "Fr-Mo 09:00-10:00",
        "sur rendez-vous",
        "",
        None,
        ["Mo 09:00-12:00"],
        "Mo 09:00-12:00" * 50,
    ],
)
def test_other_hours_stay_text(text):
    assert gen.regular_schedule(text) is None
