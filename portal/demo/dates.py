"""The demo's dates, relative to the day it is loaded: the calendar always
has past and upcoming items, out of the school holidays."""

import datetime as dt
from zoneinfo import ZoneInfo

from portal.store.models.vocab import WEEKDAYS

PARIS = ZoneInfo("Europe/Paris")
DAY_NUMBERS = {code: number for number, code in enumerate(WEEKDAYS)}  # "MO" -> 0 (Monday)


def paris(day, hhmm):
    """An aware UTC datetime for ``day`` at ``hhmm`` (HH:MM), Paris local time."""
    hour, minute = map(int, hhmm.split(":"))
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS).astimezone(dt.UTC)


def clock(hhmm):
    hour, minute = map(int, hhmm.split(":"))
    return dt.time(hour, minute)


def on_or_after(day, weekday):
    """The first date on or after ``day`` falling on ``weekday`` (0 = Monday)."""
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def nth_weekday(month, weekday, n):
    """The ``n``-th ``weekday`` (0 = Monday) of the month of the date ``month``."""
    return on_or_after(month.replace(day=1), weekday) + dt.timedelta(weeks=n - 1)


def in_holidays(day):
    """Roughly the Christmas and summer breaks, when no event is planned."""
    month_day = (day.month, day.day)
    return month_day >= (12, 20) or month_day <= (1, 3) or (7, 14) <= month_day <= (8, 31)


def event_day(today, days, weekday):
    """The event date: ``days`` from today, moved to ``weekday``, out of the holidays."""
    day = on_or_after(today + dt.timedelta(days=days), weekday)
    step = dt.timedelta(weeks=-1 if days < 0 else 1)
    while in_holidays(day):
        day += step
    return day


def school_year_start(today):
    return dt.date(today.year if today.month >= 9 else today.year - 1, 9, 1)


def closure_dates(today):
    """The closures' named dates in the coming months: {name: (first day, last day)}."""
    summer = today.year if today < dt.date(today.year, 7, 1) else today.year + 1
    christmas = dt.date(today.year - 1 if today <= dt.date(today.year, 1, 2) else today.year, 12, 22)
    training = on_or_after(today + dt.timedelta(days=20), DAY_NUMBERS["MO"])
    in_two_months = (today.replace(day=1) + dt.timedelta(days=62)).replace(day=1)
    meeting = nth_weekday(in_two_months, DAY_NUMBERS["WE"], 3)  # a monthly slot: the 3rd Wednesday
    return {
        "training": (training, training),
        "christmas": (christmas, dt.date(christmas.year + 1, 1, 2)),
        "summer": (dt.date(summer, 7, 28), dt.date(summer, 8, 22)),
        "monthly_meeting": (meeting, meeting),
    }


def days_ago(today, days):
    return today - dt.timedelta(days=days)
