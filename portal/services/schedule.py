"""When permanences happen: their dates, in words a tenant understands.

The recurrence of a permanence is written once, as RFC 5545 RRULE parts
(``recurrence``): the feeds publish them as they are (``ical_rrule``) and
dateutil reads the same text for the dates of the site, the poster and the
staff pages (``rule``), so they cannot disagree.
"""

from dataclasses import dataclass
from datetime import MAXYEAR, UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
from dateutil.rrule import rrulestr

from portal.store.models.vocab import WEEKDAYS

PARIS = ZoneInfo("Europe/Paris")
HORIZON_DAYS = 120  # how far ahead pages list a permanence's dates, closures and changes
MONTH_NAMES = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


def public_holidays(start, end, postcode=""):
    """{date: French name} of public holidays between two dates (inclusive).

    Metropolitan France; Moselle (57) and Alsace (67, 68) add their own days.
    """
    subdiv = {"57": "57", "67": "6AE", "68": "6AE"}.get(postcode[:2])
    calendar = holidays.France(subdiv=subdiv, years=range(start.year, end.year + 1), language="fr")
    return {day: name for day, name in sorted(calendar.items()) if start <= day <= end}


def recurrence(permanence):
    """The RRULE parts of a permanence, without UNTIL: the one copy of its rule.

    Key order and values are those the feeds have always published (byte-stable
    feeds): no INTERVAL for a monthly rule.
    """
    days = permanence.weekday_codes
    if permanence.recurrence == "monthly":
        return {"freq": "MONTHLY", "byday": [f"{permanence.month_week}{day}" for day in days]}
    return {"freq": "WEEKLY", "interval": permanence.every_n_weeks, "byday": days, "wkst": "MO"}


def rrule_text(parts):
    """{'freq': 'WEEKLY', 'byday': ['MO', 'TH']} -> 'FREQ=WEEKLY;BYDAY=MO,TH' (RFC 5545)."""
    values = (
        ",".join(map(str, value)) if isinstance(value, list) else str(value) for value in parts.values()
    )
    return ";".join(f"{key.upper()}={value}" for key, value in zip(parts, values, strict=True))


def rule(permanence, until=None, since=None):
    """The dateutil rrule of a permanence, read from its RRULE text: the dates
    are the ones the feeds publish. With ``since``, it starts a whole number
    of periods after its first day, so it gives the same dates from ``since``
    on without stepping through the years before (a mistyped year 1)."""
    end = min(filter(None, [permanence.valid_to, until]), default=None)
    start = permanence.valid_from
    if since and since > start:
        if permanence.recurrence == "monthly":
            start = max(start, since.replace(day=1))
        else:
            weeks = (since - start).days // 7
            start += timedelta(weeks=weeks - weeks % permanence.every_n_weeks)
    parsed = rrulestr(rrule_text(recurrence(permanence)), dtstart=datetime.combine(start, time()))
    return parsed.replace(until=datetime.combine(end, time()) if end else None)


def ical_rrule(permanence):
    """The RRULE of a permanence for a feed whose DTSTART has a TZID: UNTIL is
    then the last occurrence's start in UTC (RFC 5545, 3.3.10)."""
    parts = recurrence(permanence)
    if permanence.valid_to:
        last_start = datetime.combine(permanence.valid_to, permanence.opens_at, tzinfo=PARIS)
        parts["until"] = last_start.astimezone(UTC)
    return parts


def closed_days(permanence, start, end):
    """{date: reason} of the days it does not happen: closures, then public holidays."""
    postcode = permanence.place.postcode if permanence.place_id else ""
    closed = dict(public_holidays(start, end, postcode))
    for closure in permanence.closures:
        day = max(closure.start_date, start)
        while day <= min(closure.end_date, end):
            closed[day] = closure.reason or "Fermeture exceptionnelle"
            day += timedelta(days=1)
    return closed


def occurrences(permanence, start, end):
    """[(date, None or reason it is closed)] of a permanence between two dates."""
    closed = closed_days(permanence, start, end)
    days = rule(permanence, until=end, since=start).between(
        datetime.combine(start, time()), datetime.combine(end, time()), inc=True
    )
    return [(day.date(), closed.get(day.date())) for day in days]


def changed_days(permanence, start, end):
    """{date: OccurrenceChange} of the occurrences between two dates held at
    other hours or in another place. A change of a day it does not happen
    (closed, holiday, not in the rule) is left out: a closure wins."""
    wanted = {change.day: change for change in permanence.changes if start <= change.day <= end}
    if not wanted:
        return {}
    open_days = {day for day, reason in occurrences(permanence, min(wanted), max(wanted)) if reason is None}
    return {day: change for day, change in sorted(wanted.items()) if day in open_days}


def change_when(change, permanence):
    """'mardi 8 décembre 2026, 9 h–11 h (Maison de quartier, 7 place des Tilleuls, 11000 Carcassonne)'."""
    text = f"{long_date(change.day)}, {hour(change.opens_at)}–{hour(change.closes_at)}"
    if change.place_id and change.place_id != permanence.place_id:
        text += f" ({change.place.one_line})"
    return text


def next_dates(permanence, today=None, count=4, horizon_days=None):
    """The next ``count`` dates it really happens (closed days skipped)."""
    return [occurrence.day for occurrence in upcoming(permanence, today, count, horizon_days).next]


@dataclass(frozen=True)
class Occurrence:
    """One day a permanence is held, at its real hours and place."""

    day: date
    opens_at: time
    closes_at: time
    place: object  # a Place
    when: str  # 'mardi 8 décembre 2026', or with ', exceptionnellement 9 h–11 h (…)'


@dataclass(frozen=True)
class Upcoming:
    next: list  # [Occurrence], the next few days it is held
    closed: list  # [(date, reason)] of the days it is not, up to the same horizon
    changed: list  # [OccurrenceChange] up to the same horizon


def upcoming(permanence, today=None, count=4, horizon_days=None):
    """What a page says of the weeks ahead, all within one horizon: the next
    dates (each at its real hours and place), the closed days, the changes."""
    today = today or date.today()
    end = today + timedelta(days=horizon_days or HORIZON_DAYS)
    days = occurrences(permanence, today, end)
    changes = changed_days(permanence, today, end)
    held = [day for day, reason in days if reason is None][:count]
    return Upcoming(
        next=[occurrence(permanence, day, changes.get(day)) for day in held],
        closed=[(day, reason) for day, reason in days if reason],
        changed=list(changes.values()),
    )


def occurrence(permanence, day, change=None):
    if change is None:
        return Occurrence(day, permanence.opens_at, permanence.closes_at, permanence.place, long_date(day))
    place = change.place if change.place_id else permanence.place
    when = f"{long_date(day)}, exceptionnellement {hour(change.opens_at)}–{hour(change.closes_at)}"
    if place.id != permanence.place_id:
        when += f" ({place.one_line})"
    return Occurrence(day, change.opens_at, change.closes_at, place, when)


def hour(value):
    """time(14, 0) -> '14 h', time(16, 30) -> '16 h 30'."""
    return f"{value.hour} h" + (f" {value.minute:02d}" if value.minute else "")


def hours(permanence):
    return f"{hour(permanence.opens_at)}–{hour(permanence.closes_at)}"


def describe(permanence):
    """'le 2e mardi du mois, 14 h–16 h 30', 'chaque lundi et jeudi, 9 h–12 h'."""
    days = [WEEKDAYS[code] for code in permanence.weekday_codes]
    named = days[0] if len(days) == 1 else ", ".join(days[:-1]) + " et " + days[-1]
    if permanence.recurrence == "monthly":
        rank = (
            "dernier"
            if permanence.month_week == -1
            else ("1er" if permanence.month_week == 1 else f"{permanence.month_week}e")
        )
        when = f"le {rank} {named} du mois"
    elif permanence.every_n_weeks == 1:
        when = f"chaque {named}"
    elif permanence.every_n_weeks == 2:
        when = f"un {named} sur deux"
    else:
        when = f"un {named} toutes les {permanence.every_n_weeks} semaines"
    return f"{when}, {hours(permanence)}"


def long_date(day):
    """date(2026, 12, 1) -> 'mardi 1er décembre 2026'."""
    weekday = list(WEEKDAYS.values())[day.weekday()]
    number = "1er" if day.day == 1 else str(day.day)
    return f"{weekday} {number} {MONTH_NAMES[day.month - 1]} {day.year}"


def local(moment):
    """An aware datetime shown in Paris time. A stored moment at the edge of
    the calendar (31 December 9999 at 23:30 UTC is already year 10000 in
    Paris) stays at that edge: pages and feeds must survive any stored value."""
    try:
        return moment.astimezone(PARIS)
    except OverflowError:
        edge = datetime.max if moment.year == MAXYEAR else datetime.min
        return edge.replace(tzinfo=PARIS)


def short_datetime(moment):
    """An aware datetime as '23/11/2026 à 14 h 05', Paris time."""
    moment = local(moment)
    return f"{moment:%d/%m/%Y} à {hour(moment)}"


def event_when(event):
    """'mardi 1er décembre 2026, 14 h–16 h 30', in Paris time, for one or several days."""
    start, end = local(event.starts_at), local(event.ends_at)
    if event.all_day:
        if start.date() == end.date():
            return f"{long_date(start.date())} (toute la journée)"
        return f"du {long_date(start.date())} au {long_date(end.date())}"
    if start.date() != end.date():
        return f"du {long_date(start.date())}, {hour(start)} au {long_date(end.date())}, {hour(end)}"
    return f"{long_date(start.date())}, {hour(start)}–{hour(end)}"
