""" "Call back at…" times as people type them, in Russian and English, and their echo.

dateparser drops the hour in "завтра в 10", reads "в 10" as the 10th and knows neither "завтра
утром" nor "в 7 вечера" (reference notes, §6), so this is a small deterministic parser over a
phrase table. It is pure: `now` and the person's zone come in, an aware datetime goes out.

What it understands (any order, case and "ё" insensitive, a little filler like "перезвонить",
"около", "please" allowed; anything else unknown rejects the whole phrase):
- day: сегодня/завтра/послезавтра, today/tomorrow/day after tomorrow, a weekday (пн…вс,
  "в пятницу", "во вт", "в следующий понедельник", friday/fri, "next monday", "on tue"),
  "на следующей неделе"/"next week" (its Monday), DD.MM[.YY[YY]], YYYY-MM-DD, "10 марта [2027]",
  "March 10[th][, 2027]", "10 March";
- time: "в 10", "в 10:30", "в 10.30", "10:30", "в 10 часов [30 минут]", "в 7 утра/дня/вечера/
  ночи", "7pm", "at 7:30 pm", "в полдень"/"noon", and a part of the day: утром/с утра/morning
  (→ `default_hour`), днем/после обеда/afternoon (→ 14:00), вечером/evening/tonight (→ 19:00),
  which also turns "вечером в 7" into 19:00. A bare number is an hour only next to a day
  ("завтра 10");
- offsets: "через 2 часа", "через 30 минут", "через час/полчаса/полтора часа/1,5 часа/пару
  часов", "через 1 час 30 минут", "через 3 дня/неделю", "in 2 hours", "in 30 min", "in an hour",
  "in half an hour", "in 2h"; number words (два, пять, two…) work everywhere.

Rules, so results are predictable and echoed back for confirmation:
- hours and minutes offsets are exact (real time, across DST) from `now` cut to the minute;
  whole-day offsets ("через 3 дня") name a day, which takes the given time or `default_hour`;
- a time alone is today if still ahead, else tomorrow ("в 7" at 20:00 → tomorrow 07:00); no
  guessing of pm: "в 7" at 14:00 is tomorrow 07:00, "в 7 вечера" is today 19:00;
- a weekday is the next such day, never today ("в четверг" on a Thursday is in a week);
- a date without a year is this year, or next year once the day has passed;
- an explicit day ("сегодня", a date) is never moved: "сегодня в 9" at 14:00 returns today 09:00,
  in the past; the caller compares with `now` and says the time has passed;
- a day without a time gets `default_hour`:00.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date

AFTERNOON_HOUR = 14
EVENING_HOUR = 19
QUICK_EVENING_CUTOFF = 18  # after 18:00 "this evening" offers tomorrow evening

# --- normalisation ---

_NUMBER_WORDS: dict[str, str] = {
    **dict.fromkeys(("один", "одна", "одну", "одного", "одной"), "1"),
    **dict.fromkeys(("два", "две", "двух", "пару", "пара", "пары"), "2"),
    **dict.fromkeys(("три", "трех"), "3"),
    **dict.fromkeys(("четыре", "четырех"), "4"),
    "пять": "5",
    "шесть": "6",
    "семь": "7",
    "восемь": "8",
    "девять": "9",
    "десять": "10",
    "одиннадцать": "11",
    "двенадцать": "12",
    "пятнадцать": "15",
    "двадцать": "20",
    "тридцать": "30",
    "сорок": "40",
    "сорока": "40",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "fifteen": "15",
    "twenty": "20",
    "thirty": "30",
    "forty": "40",
}
_REWRITES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), r)
    for p, r in (
        (r"\b([ap])\s?\.\s?m\b\.?", r"\1m"),  # a.m. / p.m.
        (r"(?<!\d),|,(?!\d)", " "),  # commas, except the decimal one in "1,5"
        (r"(?<!\d)\.|\.(?!\d)", " "),  # full stops, except in "10.03" and "1.5"
        (r"[!?;()\"«»]", " "),
        # "в 10.30" is a time; without "в" it would read as a date.
        (r"\b(в|во|at|к)\s+(\d{1,2})\.(\d{2})(?![\d.])", r"\1 \2:\3"),
        (r"\bпол\s*часа\b", "0.5 часа"),
        (r"\bпол\s*минуты\b", "0.5 минуты"),
        (r"\bполтор[аы]\b", "1.5"),
        (r"\bhalf\s+(?:an\s+)?hour\b", "0.5 hour"),
        (r"\b(?:an|one)\s+hour\s+and\s+a\s+half\b", "1.5 hours"),
        (r"\b(?:a\s+)?couple\s+(?:of\s+)?", "2 "),
        (r"\b(?:a|an)\s+(?=(?:hour|minute|min|day|week)s?\b)", "1 "),
        (r"\b(" + "|".join(_NUMBER_WORDS) + r")\b", "<num>"),
    )
)


def _normalise(text: str) -> str:
    s = text.lower().replace("ё", "е").replace("\u00a0", " ").replace("\u202f", " ")
    for pattern, repl in _REWRITES:
        if repl == "<num>":
            s = pattern.sub(lambda m: _NUMBER_WORDS[m.group(1)], s)
        else:
            s = pattern.sub(repl, s)
    return " ".join(s.split())


# --- vocabulary ---

_WEEKDAYS: dict[str, int] = {}
for _i, _forms in enumerate(
    (
        "понедельник понедельника пн monday mon",
        "вторник вторника вт tuesday tues tue",
        "среда среду среды ср wednesday wed",
        "четверг четверга чт thursday thurs thur thu",
        "пятница пятницу пятницы пт friday fri",
        "суббота субботу субботы сб saturday sat",
        "воскресенье воскресенья вс sunday sun",
    )
):
    _WEEKDAYS.update(dict.fromkeys(_forms.split(), _i))

_MONTHS: dict[str, int] = {}
for _i, _forms in enumerate(
    (
        "января январь янв january jan",
        "февраля февраль фев february feb",
        "марта март мар march mar",
        "апреля апрель апр april apr",
        "мая май may",
        "июня июнь июн june jun",
        "июля июль июл july jul",
        "августа август авг august aug",
        "сентября сентябрь сен сент september sept sep",
        "октября октябрь окт october oct",
        "ноября ноябрь ноя november nov",
        "декабря декабрь дек december dec",
    ),
    start=1,
):
    _MONTHS.update(dict.fromkeys(_forms.split(), _i))

_FILLER = frozenset(
    [
        "в",
        "во",
        "на",
        "к",
        "и",
        "с",
        "до",
        "около",
        "примерно",
        "где-то",
        "часиков",
        "перезвонить",
        "перезвоните",
        "перезвоню",
        "позвонить",
        "позвоните",
        "позвоню",
        "набрать",
        "наберите",
        "наберу",
        "связаться",
        "пожалуйста",
        "плиз",
        "at",
        "on",
        "by",
        "the",
        "and",
        "around",
        "about",
        "call",
        "back",
        "me",
        "please",
        "-",
        "—",
        "–",
    ]
)

_AMOUNT = r"\d{1,4}(?:[.,]\d{1,2})?"
_UNITS: dict[str, tuple[str, ...]] = {
    "minutes": ("минуты", "минуту", "минут", "мин", "м", "minutes", "minute", "mins", "min", "m"),
    "hours": ("часа", "часов", "час", "ч", "hours", "hour", "hrs", "hr", "h"),
    "days": ("дня", "дней", "день", "сутки", "суток", "д", "days", "day", "d"),
    "weeks": ("недели", "неделю", "недель", "нед", "weeks", "week", "w"),
}
_UNIT_OF = {form: unit for unit, forms in _UNITS.items() for form in forms}
_UNIT_RE = "|".join(sorted(_UNIT_OF, key=len, reverse=True))
_PAIR = rf"(?:(?P<n>{_AMOUNT})\s*)?(?P<u>{_UNIT_RE})\b"
_PAIR_RE = re.compile(_PAIR)
_RELATIVE = re.compile(
    rf"\b(?:через|in)\s+(?P<pairs>{_PAIR.replace('?P<n>', '?:').replace('?P<u>', '?:')}"
    rf"(?:\s*(?:и\s+|and\s+)?(?:{_AMOUNT})\s*(?:{_UNIT_RE})\b)*)"
)

_DAY_WORDS = re.compile(
    r"\b(?P<w>послезавтра|(?:the\s+)?day\s+after\s+tomorrow|завтра|tomorrow|tmrw|tmr|сегодня"
    r"|today|tonight)\b"
)
_DAY_OFFSETS = {"послезавтра": 2, "завтра": 1, "tomorrow": 1, "tmrw": 1, "tmr": 1}
_NEXT_WEEK = re.compile(r"\b(?:на\s+)?следующей\s+неделе\b|\bnext\s+week\b")
_WEEKDAY = re.compile(
    r"\b(?:(?:в|во|на|on)\s+)?(?:(?:следующ(?:ий|ую|ее|ей|его)|след|эт(?:у|от|о)|next|this)\s+)?"
    r"(?P<wd>" + "|".join(sorted(_WEEKDAYS, key=len, reverse=True)) + r")\b"
)
_ISO_DATE = re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b")
_NUM_DATE = re.compile(r"\b(?P<d>\d{1,2})\.(?P<m>\d{1,2})(?:\.(?P<y>\d{4}|\d{2}))?\b")
_YEAR_TAIL = r"(?:,?\s+(?P<y>\d{4})\b(?:\s*(?:года|год|г)\b)?)?"
_DAY_MONTH = re.compile(
    r"\b(?P<d>\d{1,2})(?:st|nd|rd|th|-?го|-?е)?\s+(?:of\s+)?(?P<mon>[a-zа-я]{3,9})\b" + _YEAR_TAIL
)
_MONTH_DAY = re.compile(
    r"\b(?P<mon>[a-z]{3,9})\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?\b(?![:\d])" + _YEAR_TAIL
)
_NOON = re.compile(r"\b(?:в\s+)?полдень\b|\b(?:at\s+)?(?:noon|midday)\b")
_TIME = re.compile(
    r"(?P<pre>\b(?:в|во|at|к|около|around|by)\s+)?"
    r"\b(?P<h>\d{1,2})(?::(?P<m>\d{2}))?(?![\d:])"
    r"(?:\s*(?P<hw>часов|часа|час|ч|h|o'clock)(?![\w']))?"
    r"(?:\s*(?P<m2>\d{1,2})\s*(?:минуты|минут|мин|minutes|min)\b)?"
    r"(?:\s*(?P<ampm>am|pm)\b)?"
    r"(?:\s+(?P<part>утра|дня|вечера|ночи))?"
)
_PARTS = re.compile(
    r"\b(?:(?P<morning>утром|с\s+утра|(?:in\s+the\s+|this\s+)?morning)"
    r"|(?P<afternoon>днем|в\s+обед|после\s+обеда|(?:in\s+the\s+|this\s+)?afternoon|after\s+lunch)"
    r"|(?P<evening>вечером|(?:in\s+the\s+|this\s+)?evening))\b"
)
_MERIDIEM_PART = {"утра": "morning", "дня": "afternoon", "вечера": "evening", "ночи": "night"}


class _Reject(Exception):
    """The phrase names something impossible ("25:00") or two days at once."""


@dataclass
class _Found:
    day: date | None = None
    weekday: int | None = None
    day_offset: int | None = None
    delta: timedelta | None = None
    hour: int | None = None
    minute: int = 0
    part: str | None = None  # morning / afternoon / evening

    def set_day(self) -> None:
        if self.day is not None or self.weekday is not None or self.day_offset is not None:
            raise _Reject


def _apply_part(hour: int, part: str | None) -> int:
    """Read an hour with утра/дня/вечера/ночи, am/pm-like parts of the day."""
    match part:
        case None:
            ok = 0 <= hour <= 23
        case "morning":
            ok = 0 <= hour <= 11
        case "afternoon":
            hour = hour + 12 if 1 <= hour <= 7 else hour
            ok = hour in (11, 12) or 13 <= hour <= 19
        case "evening":
            hour = hour + 12 if 4 <= hour <= 11 else hour
            ok = 16 <= hour <= 23
        case "night":
            hour = {12: 0, 9: 21, 10: 22, 11: 23}.get(hour, hour)
            ok = 0 <= hour <= 5 or 21 <= hour <= 23
        case _:
            ok = False
    if not ok:
        raise _Reject
    return hour


def _ampm(hour: int, ampm: str) -> int:
    if not 1 <= hour <= 12:
        raise _Reject
    return hour % 12 + (12 if ampm == "pm" else 0)


def _amount(text: str | None) -> float:
    return 1.0 if text is None else float(text.replace(",", "."))


def _make_date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise _Reject from None


def _year_less(today: date, month: int, day: int) -> date:
    """This year's date, or next year's once it has passed (29 February waits for a leap year)."""
    for year in range(today.year, today.year + 9):
        try:
            candidate = date(year, month, day)
        except ValueError:
            if month == 2 and day == 29:
                continue
            raise _Reject from None
        if candidate >= today:
            return candidate
    raise _Reject


def _cut(s: str, m: re.Match[str]) -> str:
    return s[: m.start()] + " " + s[m.end() :]


def _single(pattern: re.Pattern[str], s: str) -> re.Match[str] | None:
    found = list(pattern.finditer(s))
    if len(found) > 1:
        raise _Reject
    return found[0] if found else None


def _scan(s: str, today: date, found: _Found) -> str:
    """Take the recognised pieces out of `s` into `found`; return what is left."""
    if m := _single(_RELATIVE, s):
        delta = timedelta()
        whole_days = True
        for pair in _PAIR_RE.finditer(m.group("pairs")):
            n, unit = _amount(pair.group("n")), _UNIT_OF[pair.group("u")]
            if n <= 0:
                raise _Reject
            delta += timedelta(**{unit: n})
            whole_days = whole_days and unit in ("days", "weeks") and n.is_integer()
        if whole_days:
            found.day_offset = delta.days
        else:
            found.delta = delta
        s = _cut(s, m)

    if m := _single(_DAY_WORDS, s):
        found.set_day()
        word = m.group("w").split()[-1] if "after" not in m.group("w") else "послезавтра"
        found.day_offset = _DAY_OFFSETS.get(word, 0)
        if word == "tonight":
            found.part = "evening"
        s = _cut(s, m)

    if m := _single(_NEXT_WEEK, s):
        found.set_day()
        found.day_offset = 7 - today.weekday()
        s = _cut(s, m)

    if m := _single(_ISO_DATE, s):
        found.set_day()
        found.day = _make_date(int(m["y"]), int(m["m"]), int(m["d"]))
        s = _cut(s, m)

    if m := _single(_NUM_DATE, s):
        found.set_day()
        d, mon, y = int(m["d"]), int(m["m"]), m["y"]
        if y is None:
            found.day = _year_less(today, mon, d)
        else:
            found.day = _make_date(int(y) + (2000 if len(y) == 2 else 0), mon, d)
        s = _cut(s, m)

    for pattern in (_DAY_MONTH, _MONTH_DAY):
        dated = [x for x in pattern.finditer(s) if x["mon"] in _MONTHS]
        if len(dated) > 1:
            raise _Reject
        if dated:
            m = dated[0]
            found.set_day()
            mon, d = _MONTHS[m["mon"]], int(m["d"])
            found.day = _make_date(int(m["y"]), mon, d) if m["y"] else _year_less(today, mon, d)
            s = _cut(s, m)

    if m := _single(_WEEKDAY, s):
        found.set_day()
        found.weekday = _WEEKDAYS[m["wd"]]
        s = _cut(s, m)

    if m := _single(_NOON, s):
        found.hour = 12
        s = _cut(s, m)

    if m := _single(_PARTS, s):
        part = next(k for k in ("morning", "afternoon", "evening") if m.group(k))
        if found.part is not None and found.part != part:
            raise _Reject
        found.part = part
        s = _cut(s, m)

    has_day = found.day is not None or found.weekday is not None or found.day_offset is not None
    times = [
        t
        for t in _TIME.finditer(s)
        if t["pre"] or t["m"] or t["hw"] or t["ampm"] or t["part"] or has_day or found.part
    ]
    if len(times) > 1 or (times and found.hour is not None):
        raise _Reject
    if times:
        t = times[0]
        hour = int(t["h"])
        minute = int(t["m"] or t["m2"] or 0)
        if minute > 59:
            raise _Reject
        if t["ampm"]:
            if t["part"]:
                raise _Reject
            hour = _ampm(hour, t["ampm"])
            if found.part is not None and _apply_part(hour, found.part) != hour:
                raise _Reject  # "9pm in the morning", "2am tonight"
        else:
            said = _MERIDIEM_PART[t["part"]] if t["part"] else None
            if said and found.part and said != found.part:
                raise _Reject
            hour = _apply_part(hour, said or found.part)
        found.hour, found.minute = hour, minute
        s = _cut(s, t)
    return s


def parse_when(
    text: str, *, now: datetime, tz: ZoneInfo, default_hour: int = 10
) -> datetime | None:
    """The moment `text` names, as an aware datetime in `tz`, or None when not understood.

    `now` must be aware (any zone); it is read in `tz` and cut to the minute. See the module
    docstring for the grammar and the roll-forward rules; an explicit day is never moved, so the
    result may lie in the past, which the caller reports.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("`now` must be an aware datetime")
    if not 0 <= default_hour <= 23:
        raise ValueError("default_hour must be 0..23")
    local_now = now.astimezone(tz).replace(second=0, microsecond=0)
    today = local_now.date()
    found = _Found()
    try:
        rest = _scan(_normalise(text), today, found)
    except _Reject:
        return None
    if any(word not in _FILLER for word in rest.split()):
        return None

    if found.delta is not None:
        explicit = found.hour is not None or found.part is not None
        has_day = found.day is not None or found.weekday is not None
        if explicit or has_day or found.day_offset is not None:
            return None
        try:
            moment = local_now.astimezone(UTC) + found.delta
        except OverflowError:
            return None
        return moment.astimezone(tz)

    if found.hour is None:
        nothing_said = found.day is None and found.weekday is None and found.day_offset is None
        if found.part is None and nothing_said:
            return None  # nothing but filler
        hours = {"morning": default_hour, "afternoon": AFTERNOON_HOUR, "evening": EVENING_HOUR}
        found.hour, found.minute = hours[found.part or "morning"], 0
    clock = time(found.hour, found.minute)

    try:
        if found.day is not None:
            day = found.day
        elif found.day_offset is not None:
            day = today + timedelta(days=found.day_offset)
        elif found.weekday is not None:
            day = today + timedelta(days=(found.weekday - today.weekday() - 1) % 7 + 1)
        else:  # a time alone: today if still ahead, else tomorrow
            day = today
            if _at(today, clock, tz).astimezone(UTC) <= local_now.astimezone(UTC):
                day = today + timedelta(days=1)
    except OverflowError:
        return None
    return _at(day, clock, tz)


def _at(day: date, clock: time, tz: ZoneInfo) -> datetime:
    """Wall time on a day; a time inside a DST gap moves forward by the gap."""
    return datetime.combine(day, clock, tzinfo=tz).astimezone(UTC).astimezone(tz)


# --- quick choices ---


class QuickChoice(StrEnum):
    """The one-press buttons next to "type a time"; the i18n layer labels them."""

    IN_1H = "in_1h"
    THIS_EVENING = "evening"
    TOMORROW_MORNING = "tomorrow"


def quick_choices(
    now: datetime, tz: ZoneInfo, *, morning_hour: int = 10
) -> list[tuple[QuickChoice, datetime]]:
    """In an hour; this evening at 19:00 (tomorrow's once it is past 18:00); tomorrow at 10:00."""
    local_now = now.astimezone(tz).replace(second=0, microsecond=0)
    today = local_now.date()
    tomorrow = today + timedelta(days=1)
    evening_day = today if local_now.hour < QUICK_EVENING_CUTOFF else tomorrow
    return [
        (QuickChoice.IN_1H, (local_now.astimezone(UTC) + timedelta(hours=1)).astimezone(tz)),
        (QuickChoice.THIS_EVENING, _at(evening_day, time(EVENING_HOUR), tz)),
        (QuickChoice.TOMORROW_MORNING, _at(tomorrow, time(morning_hour), tz)),
    ]


# --- echo ---

# Formatting data, not messages: the relative day words CLDR has no pattern for.
_RELATIVE_DAYS: dict[str, tuple[str, str]] = {
    "ru": ("сегодня", "завтра"),
    "en": ("today", "tomorrow"),
}


def format_when(dt: datetime, locale: str, tz: ZoneInfo, *, now: datetime | None = None) -> str:
    """The understood time in the person's zone and language, for "Перезвонить: …?".

    ru: "сегодня, 19:00", "завтра, 6 марта, 10:00", "пятница, 27 ноября, 15:30", and the year
    when it is not `now`'s ("среда, 10 марта 2027, 09:00"); en: "today, 19:00", "tomorrow,
    6 March, 10:00", "Friday, 27 November, 15:30". Without `now` there is no today/tomorrow word.
    Clock is 24-hour in every language (sales teams on amoCRM read it so). Names come from Babel
    (CLDR); an unknown locale falls back to English.
    """
    try:
        loc = Locale.parse(locale.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        loc = Locale.parse("en")
    local = dt.astimezone(tz)
    clock = f"{local:%H:%M}"
    today = now.astimezone(tz).date() if now is not None else None
    words = _RELATIVE_DAYS.get(loc.language)
    if today is not None and local.date() == today and words:
        return f"{words[0]}, {clock}"
    same_year = today is None or local.year == today.year
    day = format_date(local.date(), "d MMMM" if same_year else "d MMMM y", locale=loc)
    if today is not None and local.date() == today + timedelta(days=1) and words:
        return f"{words[1]}, {day}, {clock}"
    weekday = format_date(local.date(), "EEEE", locale=loc)
    return f"{weekday}, {day}, {clock}"
