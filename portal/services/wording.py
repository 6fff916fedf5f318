"""When permanences and events happen, in words, in the reader's language.

The French wording is services/schedule.py's, unchanged (``describe(p, "fr")
== schedule.describe(p)``). Other languages are produced from the data, never
translated from the French text: day and month names, lists, dates and time
ranges come from Babel (CLDR), the sentences around them from the gettext
catalogs in portal/site/locales. Their msgids are French, so a sentence a
catalog lacks comes out in French.

The catalogs are .po files read at runtime (no compiled .mo, no build step).
"""

import functools
import gettext
import re
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_interval, format_skeleton, get_day_names, get_month_names
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from portal.services import schedule

LOCALES_DIR = Path(__file__).resolve().parent.parent / "site" / "locales"
# Site language code -> CLDR locale. British English: 24-hour clock, day
# before month, as on a French poster. Arabic: CLDR's default, Latin digits.
BABEL_LOCALES = {"fr": "fr_FR", "en": "en_GB", "ar": "ar", "tr": "tr_TR", "es": "es_ES"}
DAY_INDEX = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}
CLOSED_BY_DEFAULT = "Fermeture exceptionnelle"  # schedule.closed_days' reason when none is typed


def N_(msgid):
    """Marks a msgid for `pybabel extract -k N_`; translated where it is shown."""
    return msgid


def locale(lang):
    return Locale.parse(BABEL_LOCALES.get(lang, lang))


def direction(lang):
    return "rtl" if locale(lang).character_order == "right-to-left" else "ltr"


def native_name(lang):
    """'Français', 'English', 'العربية', 'Türkçe', 'Español': each in its own language."""
    name = Locale.parse(lang).get_display_name(lang)
    return name[:1].upper() + name[1:]


class French(gettext.NullTranslations):
    """The msgids as they are, with French plurals: 0 and 1 are singular."""

    def ngettext(self, singular, plural, n):
        return plural if n > 1 else singular

    def npgettext(self, context, singular, plural, n):
        return plural if n > 1 else singular


@functools.cache
def catalog(lang):
    """The gettext translations of ``lang``, read from its .po file.

    The .po is compiled in memory (fuzzy entries left out, as msgfmt does).
    French, or a language without a catalog, gets NullTranslations: every
    msgid, French, comes back as it is."""
    po = LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po"
    if lang == "fr" or not po.exists():
        return French()
    with po.open("rb") as handle:
        messages = read_po(handle, locale=BABEL_LOCALES.get(lang, lang))
    # What `pybabel compile` checks: a translation with placeholders its
    # msgid does not have would crash the build or print nonsense.
    problems = [f"{message.id!r}: {error}" for message, errors in messages.check() for error in errors]
    if problems:
        raise ValueError(f"{po}: " + "; ".join(problems))
    compiled = BytesIO()
    write_mo(compiled, messages)
    compiled.seek(0)
    return Translations(compiled, domain="messages")


# -- pieces -------------------------------------------------------------------


def day_names(codes, lang):
    """['TU', 'TH'] -> 'mardi et jeudi', 'Tuesday and Thursday', 'الثلاثاء والخميس'."""
    names = get_day_names("wide", context="format", locale=locale(lang))
    return format_list([names[DAY_INDEX[code]] for code in codes], locale=locale(lang))


def hours(opens_at, closes_at, lang):
    """'14 h–16 h 30' in French; CLDR's 24-hour interval elsewhere ('14:00–16:30')."""
    if lang == "fr":
        return f"{schedule.hour(opens_at)}–{schedule.hour(closes_at)}"
    return format_interval(opens_at, closes_at, "Hm", locale=locale(lang))


TIME_RANGE = re.compile(r"\d+(?: h(?: \d\d)?|:\d\d)[\s\u2009]*–[\s\u2009]*\d+(?: h(?: \d\d)?|:\d\d)")


def unbreakable(text):
    """No line break inside the time ranges of a text: no-break spaces, and
    word joiners around the dash ('14 h–' alone at the end of a poster line
    reads badly)."""

    def glue(match):
        return match.group(0).replace(" ", "\u00a0").replace("\u2009", "\u202f").replace("–", "\u2060–\u2060")

    return TIME_RANGE.sub(glue, text)


def long_date(day, lang):
    """'mardi 1er décembre 2026', 'Tuesday, 1 December 2026', 'الثلاثاء، 1 ديسمبر 2026'."""
    if lang == "fr":
        return schedule.long_date(day)
    return format_date(day, "full", locale=locale(lang))


def month_title(year, month, lang):
    """'Décembre 2026', 'December 2026' (agenda headings)."""
    if lang == "fr":
        return f"{schedule.MONTH_NAMES[month - 1].capitalize()} {year}"
    name = get_month_names("wide", context="stand-alone", locale=locale(lang))[month]
    return f"{name[:1].upper()}{name[1:]} {year}"


# -- sentences ----------------------------------------------------------------


def monthly_sentence(t, rank):
    """Whole sentences, one per rank, so that each language handles its
    ordinal, gender and word order itself (Babel has no spelled ordinals)."""
    sentences = {
        1: t.pgettext("mensuel", "le 1er %(jour)s du mois"),
        2: t.pgettext("mensuel", "le 2e %(jour)s du mois"),
        3: t.pgettext("mensuel", "le 3e %(jour)s du mois"),
        4: t.pgettext("mensuel", "le 4e %(jour)s du mois"),
        -1: t.pgettext("mensuel", "le dernier %(jour)s du mois"),
    }
    return sentences[rank]


def when(permanence, lang):
    """'every Tuesday and Thursday', 'the 2nd Tuesday of the month'..."""
    t, days = catalog(lang), day_names(permanence.weekday_codes, lang)
    if permanence.recurrence == "monthly":
        return monthly_sentence(t, permanence.month_week) % {"jour": days}
    weeks = permanence.every_n_weeks
    if weeks == 1:
        return t.gettext("chaque %(jours)s") % {"jours": days}
    return t.ngettext(
        "un %(jours)s toutes les %(num)d semaine", "un %(jours)s toutes les %(num)d semaines", weeks
    ) % {"jours": days, "num": weeks}


def describe(permanence, lang):
    """'le 2e mardi du mois, 14 h–16 h 30' / 'the 2nd Tuesday of the month, 14:00–16:30'."""
    if lang == "fr":
        return schedule.describe(permanence)
    return catalog(lang).gettext("%(quand)s, %(heures)s") % {
        "quand": when(permanence, lang),
        "heures": hours(permanence.opens_at, permanence.closes_at, lang),
    }


def date_and_hours(day, opens_at, closes_at, lang):
    """'Tuesday, 8 December 2026, 09:00–11:00' (one skeleton would repeat the date)."""
    return catalog(lang).gettext("%(date)s, %(heures)s") % {
        "date": long_date(day, lang),
        "heures": hours(opens_at, closes_at, lang),
    }


def closure_reason(day, reason, holidays, lang):
    """Why a permanence does not take place that day, and whether the text is
    French typed by a person (to be marked lang="fr"): (text, typed).

    Public holidays and the default reason are said in the reader's language;
    a reason a mediator typed stays as typed."""
    if lang == "fr":
        return reason, False
    t = catalog(lang)
    if holidays.get(day) == reason:
        return t.gettext("jour férié"), False
    if reason == CLOSED_BY_DEFAULT:
        return t.gettext("Fermeture exceptionnelle"), False
    return reason, True


def event_when(event, lang):
    """When an event takes place, in Paris time, for one or several days."""
    if lang == "fr":
        return schedule.event_when(event)
    t = catalog(lang)
    start, end = schedule.local(event.starts_at), schedule.local(event.ends_at)
    first, last = long_date(start.date(), lang), long_date(end.date(), lang)
    if event.all_day:
        if start.date() == end.date():
            return t.gettext("%(date)s (toute la journée)") % {"date": first}
        return t.gettext("du %(debut)s au %(fin)s") % {"debut": first, "fin": last}
    if start.date() != end.date():
        return t.gettext("du %(debut)s au %(fin)s") % {
            "debut": f"{first}, {format_time(start, lang)}",
            "fin": f"{last}, {format_time(end, lang)}",
        }
    return date_and_hours(start.date(), start.time(), end.time(), lang)


def format_time(moment, lang):
    return format_skeleton("Hm", moment.time(), locale=locale(lang))
