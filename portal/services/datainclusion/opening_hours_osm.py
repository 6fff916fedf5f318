"""A permanence's recurrence as an OpenStreetMap ``opening_hours`` string.

data·inclusion v1 (``Structure.horaires_accueil``, ``Service.horaires_accueil``)
wants the OSM format. This module only builds strings: it needs nothing but the
standard library (``opening-hours-py`` is used by the tests to check them).

Named ``opening_hours_osm``: a module called ``opening_hours`` on ``sys.path``
would hide the ``opening-hours-py`` library, whose import name it is.

Semantics reproduced exactly (same dates as ``dateutil.rrule`` in schedule.py):

* weekly: every ``every_n_weeks`` weeks on ``weekdays``, counting weeks from the
  ISO week (Monday-based) of ``valid_from``, never before ``valid_from``;
* monthly: the ``month_week``-th (1..4, or -1 = last) ``weekdays`` of the month;
* ``valid_to`` inclusive; ``closures`` are inclusive (start, end) date pairs;
* ``holidays_off``: closed on French public holidays (``PH off``; the reader
  must evaluate with country "FR"), plus the days a ``holiday_subdiv`` adds
  (Alsace-Moselle: Good Friday and 26 December, written without ``PH``);
* optional ``changes``: [(day, opens_at, closes_at)] occurrences held at other
  hours; one on a day that is not an occurrence, closed or a holiday is dropped
  (a closure wins), like schedule.changed_days.

Every-n-weeks and ISO 53-week years: OSM's ``week 02-52/2`` restarts counting at
week 01 every year, so parity breaks after a 53-week ISO year (2026, 2032, 2037…)
and any n >= 3 drifts every year. There is no OSM form for "every 14 days from a
date", so for n >= 2 we write one rule per ISO year, each restricted by an
explicit date span (the ISO year's Monday..Sunday clipped to the validity) and a
week range whose start is the first "on" week in that ISO year. The span is
needed because OSM's year selector is the *calendar* year while ``week`` is the
*ISO* week: ``2025 week 01`` also matches 29-31 Dec 2025. Rules are emitted
until the end of the ISO year containing ``today + horizon_days`` (or
``valid_to``): after that the string says closed, so re-export regularly (at
least yearly). Weekly n=1 and monthly rules need no horizon.
"""

import re
from datetime import date, time, timedelta

DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
OSM_DAYS = {code: code.title() for code in DAY_CODES}  # "MO" -> "Mo"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Subdivisions of holidays.France whose extra days OSM can say forever, without
# PH (the PH calendar of OSM readers is national). Others get explicit dates.
ALSACE_MOSELLE = ("57", "6AE")
ALSACE_MOSELLE_RULES = ("easter -2 days off", "Dec 26 off")  # Vendredi saint, Saint-Étienne
POSTCODE_SUBDIVS = {"57": "57", "67": "6AE", "68": "6AE"}  # as schedule.public_holidays


def osm_opening_hours(spec, *, today=None, horizon_days=366):
    """The OSM opening_hours string of a permanence ``spec`` (a plain dict).

    ``today`` (default: date.today()) only trims the past (closures, changes,
    past ISO years) and sets the horizon of every-n-weeks rules; the string is
    exact for every day from ``today`` on, up to that horizon.
    Raises ValueError for an invalid spec.
    """
    today = today or date.today()
    weekdays = _weekdays(spec)
    hours = _hours(spec["opens_at"], spec["closes_at"])
    valid_from, valid_to = spec["valid_from"], spec.get("valid_to")
    if valid_to is not None and valid_to < valid_from:
        raise ValueError("valid_to is before valid_from")
    recurrence = spec.get("recurrence", "weekly")
    days = ",".join(OSM_DAYS[code] for code in weekdays)

    if recurrence == "monthly":
        rank = spec.get("month_week")
        if rank not in (1, 2, 3, 4, -1):
            raise ValueError("month_week must be 1, 2, 3, 4 or -1")
        opening = [
            _join(
                _span(valid_from, valid_to, today),
                ",".join(f"{OSM_DAYS[c]}[{rank}]" for c in weekdays),
                hours,
            )
        ]
    elif recurrence == "weekly":
        every = spec.get("every_n_weeks")
        every = 1 if every is None else int(every)
        if every < 1:
            raise ValueError("every_n_weeks must be >= 1")
        if every == 1:
            opening = [_join(_span(valid_from, valid_to, today), days, hours)]
        else:
            opening = _every_n_weeks(valid_from, valid_to, every, days, hours, today, horizon_days)
    else:
        raise ValueError(f"unknown recurrence {recurrence!r}")
    if valid_to is not None and valid_to < today:
        opening = []  # over: nothing to say but "closed"

    rules = list(opening)
    if opening:
        rules += _changes(spec, today)
        rules += _closures(spec.get("closures") or (), today)
        if spec.get("holidays_off", True):
            start = max(today, valid_from)
            rules += _subdiv_holidays(spec.get("holiday_subdiv"), start, valid_to, horizon_days)
            rules.append("PH off")
    return "; ".join(rules) if rules else "off"


def spec_from_permanence(permanence):
    """The spec of a Relais Permanence (duck-typed: closures, changes, place)."""
    place = getattr(permanence, "place", None)
    postcode = (getattr(place, "postcode", "") or "") if place is not None else ""
    return {
        "recurrence": permanence.recurrence,
        "weekdays": list(permanence.weekday_codes),
        "every_n_weeks": permanence.every_n_weeks,
        "month_week": permanence.month_week,
        "opens_at": permanence.opens_at,
        "closes_at": permanence.closes_at,
        "valid_from": permanence.valid_from,
        "valid_to": permanence.valid_to,
        "closures": [(c.start_date, c.end_date) for c in permanence.closures],
        "changes": [(c.day, c.opens_at, c.closes_at) for c in permanence.changes],
        "holidays_off": True,
        "holiday_subdiv": POSTCODE_SUBDIVS.get(postcode[:2]),
    }


def is_occurrence(spec, day):
    """Whether the rule (closures and holidays aside) happens on ``day``."""
    if day < spec["valid_from"] or (spec.get("valid_to") and day > spec["valid_to"]):
        return False
    if DAY_CODES[day.weekday()] not in _weekdays(spec):
        return False
    if spec.get("recurrence", "weekly") == "monthly":
        rank = spec["month_week"]
        if rank == -1:
            return (day + timedelta(days=7)).month != day.month
        return (day.day - 1) // 7 + 1 == rank
    weeks = (_monday(day) - _monday(spec["valid_from"])).days // 7
    every = spec.get("every_n_weeks")
    return weeks % (1 if every is None else int(every)) == 0


# -- pieces ------------------------------------------------------------------------


def _weekdays(spec):
    codes = [code.strip().upper() for code in spec["weekdays"]]
    if not codes or any(code not in DAY_CODES for code in codes):
        raise ValueError(f"weekdays must be among {DAY_CODES}")
    return sorted(set(codes), key=DAY_CODES.index)


def _hours(opens_at, closes_at):
    if closes_at <= opens_at:
        raise ValueError("closes_at must be after opens_at")
    return f"{opens_at:%H:%M}-{closes_at:%H:%M}"


def _day(value):
    """date(2026, 12, 7) -> '2026 Dec 07'."""
    return f"{value.year} {MONTHS[value.month - 1]} {value.day:02d}"


def _range(start, end):
    return _day(start) if start == end else f"{_day(start)}-{_day(end)}"


def _span(valid_from, valid_to, today):
    """Date selector of the validity; a start already past is left out."""
    if valid_to is not None:
        return _range(valid_from, valid_to)
    return f"{_day(valid_from)}+" if valid_from > today else ""


def _join(*parts):
    return " ".join(part for part in parts if part)


def _monday(day):
    return day - timedelta(days=day.weekday())


def _iso_year_bounds(year):
    first = date.fromisocalendar(year, 1, 1)
    return first, date.fromisocalendar(year + 1, 1, 1) - timedelta(days=1)


def _every_n_weeks(valid_from, valid_to, every, days, hours, today, horizon_days):
    anchor = _monday(valid_from)
    first = max(valid_from, _iso_year_bounds(today.isocalendar().year)[0])
    last = max(today, valid_from) + timedelta(days=horizon_days)
    last = _iso_year_bounds(last.isocalendar().year)[1]  # to a whole ISO year
    if valid_to is not None:
        last = min(last, valid_to)
    rules = []
    for year in range(first.isocalendar().year, last.isocalendar().year + 1):
        year_start, year_end = _iso_year_bounds(year)
        start, end = max(first, year_start), min(last, year_end)
        if start > end:
            continue
        weeks = (_monday(start) - anchor).days // 7  # whole weeks since the anchor
        on_monday = anchor + timedelta(weeks=-(-weeks // every) * every)  # next "on" week
        if on_monday > end:
            continue
        week, last_week = on_monday.isocalendar().week, year_end.isocalendar().week
        weeks_sel = (
            f"week {week:02d}" if week + every > last_week else f"week {week:02d}-{last_week:02d}/{every}"
        )
        rules.append(_join(_range(start, end), weeks_sel, days, hours))
    return rules


def _changes(spec, today):
    closed = [(start, end) for start, end in spec.get("closures") or ()]
    rules = []
    for day, opens_at, closes_at in sorted(spec.get("changes") or ()):
        if day < today or not is_occurrence(spec, day):
            continue
        if any(start <= day <= end for start, end in closed):
            continue  # a closure wins (and is written after anyway)
        rules.append(f"{_day(day)} {_hours(opens_at, closes_at)}")
    return rules


def _closures(closures, today):
    """Merged, sorted 'off' rules for the closures not yet over."""
    merged = []
    for start, end in sorted((s, e) for s, e in closures if e >= today):
        if end < start:
            raise ValueError("a closure ends before it starts")
        if merged and start - merged[-1][1] <= timedelta(days=1):  # (no overflow on 9999-12-31)
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [f"{_range(start, end)} off" for start, end in merged]


def _subdiv_holidays(subdiv, start, valid_to, horizon_days):
    """Holidays of a subdivision beyond the national ones (which PH covers)."""
    if not subdiv:
        return []
    if subdiv in ALSACE_MOSELLE:
        return list(ALSACE_MOSELLE_RULES)
    import holidays  # only for the rarer subdivisions (DOM…): explicit dates

    end = min(filter(None, [valid_to, start + timedelta(days=horizon_days)]))
    years = range(start.year, end.year + 1)
    extra = set(holidays.France(subdiv=subdiv, years=years)) - set(holidays.France(years=years))
    return [f"{_day(day)} off" for day in sorted(extra) if start <= day <= end]


# -- the other way: a regular schedule read from an imported service -------------------

_DAY_RANGE = "(?:Mo|Tu|We|Th|Fr|Sa|Su)(?:-(?:Mo|Tu|We|Th|Fr|Sa|Su))?"
_REGULAR = re.compile(
    rf"(?P<days>{_DAY_RANGE}(?:,{_DAY_RANGE})*)(?:\[(?P<rank>-1|[1-4])\])?"
    r" (?P<opens>\d\d):(?P<om>\d\d)-(?P<closes>\d\d):(?P<cm>\d\d)"
)
_HOLIDAYS_OFF = re.compile(r"PH (?:off|closed)")


def regular_schedule(text):
    """{recurrence, weekdays, month_week, opens_at, closes_at} when ``text`` is one
    weekly or monthly rule Relais can hold as a permanence ("Mo,Th 09:00-12:00",
    "Tu[2] 14:00-16:30", optionally "; PH off"); None otherwise."""
    if not isinstance(text, str) or len(text) > 200:
        return None
    rules = [rule.strip() for rule in text.split(";") if rule.strip()]
    if not rules or any(_HOLIDAYS_OFF.fullmatch(rule) for rule in rules[:1]):
        return None
    if any(not _HOLIDAYS_OFF.fullmatch(rule) for rule in rules[1:]):
        return None
    match = _REGULAR.fullmatch(rules[0])
    if not match:
        return None
    try:
        opens_at = time(int(match["opens"]), int(match["om"]))
        closes_at = time(int(match["closes"]), int(match["cm"]))
    except ValueError:
        return None
    if closes_at <= opens_at:
        return None
    weekdays = []
    for part in match["days"].split(","):
        first, _, last = part.partition("-")
        start = DAY_CODES.index(first.upper())
        end = DAY_CODES.index((last or first).upper())
        if end < start:
            return None
        weekdays += [DAY_CODES[index] for index in range(start, end + 1)]
    return {
        "recurrence": "monthly" if match["rank"] else "weekly",
        "weekdays": sorted(set(weekdays), key=DAY_CODES.index),
        "month_week": int(match["rank"]) if match["rank"] else None,
        "opens_at": opens_at,
        "closes_at": closes_at,
    }
