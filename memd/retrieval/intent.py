"""What a query asks for, read without a model: a time window, recency, identifiers.

Fusion leans on the channels that suit the question: a question about a time
leans on the temporal channel, one naming a code identifier on keyword and entity.

A time can be a date ("in May 2023"), relative to now ("three days ago"), on one
side of a date ("before 1 March 2024", "two weeks before August 11, 2023") or on one
side of an event the store holds ("after the migration", "since we moved to
Postgres"): that event's time is only known once the store is asked (see
``temporal``), so the intent keeps its words as an ``Anchor``.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

from memd.text import extract_entities

_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_MONTHS |= {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}
_MONTHS.pop("may", None)  # "may" is far more often a verb; "May 2023" is matched with its year
_MONTH_RE = "|".join(sorted([*_MONTHS, "may"], key=len, reverse=True))

_DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH_RE})\.?,?\s+(\d{{4}})\b", re.I)
_MONTH_DAY_YEAR = re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I)
_MONTH_YEAR = re.compile(rf"\b({_MONTH_RE})\.?,?\s+(\d{{4}})\b", re.I)
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_YEAR = re.compile(r"\b(?:in|during|since|before|after)\s+((?:19|20)\d{2})\b", re.I)
_AGO = re.compile(r"\b(\d+|a|an|one|two|three|four|five|six)\s+(day|week|month|year)s?\s+ago\b", re.I)
_LAST = re.compile(r"\b(last|past|this)\s+(week|month|year)\b", re.I)
_RECENT = re.compile(
    r"\b(latest|most recent(?:ly)?|recently|last time|currently|current|nowadays|these days|now)\b", re.I
)
_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
# "two weeks before X", "the week after X", "the Sunday before X", "last weekend before X";
# "look after", "named after" and "after all" are not about time.
_SIDE = re.compile(
    r"(?<!\blook )(?<!\blooks )(?<!\bnamed )(?<!\blooking )"
    r"(?:\b(?P<n>\d+|a|an|one|two|three|four|five|six)\s+(?P<unit>day|week|month|year)s?\s+"
    r"|\b(?:the|a)\s+(?P<the>day|night|week|weekend|month|year|monday|tuesday|wednesday|thursday"
    r"|friday|saturday|sunday)\s+"
    r"|\blast\s+(?P<last>week|weekend|month|year)\s+)?"
    r"\b(?P<side>before|after|since|until|till|prior to)\s+(?P<rest>[^?!;]+)",
    re.I,
)
# What follows "before"/"after" when it names no event of its own.
_NOT_EVENTS = frozenset(
    ("that", "this", "these", "those", "it", "them", "then", "now", "all", "which", "what")
    + ("him", "her", "me", "us", "you", "everything", "anything", "something")
)
_ARTICLES = frozenset(("the", "a", "an", "our", "my", "your", "their", "his", "her", "its"))
# What follows "before"/"after" when it is a time rather than an event.
_TIME_START = re.compile(
    rf"\s*(?:\d|(?:{_MONTH_RE})\b|yesterday\b|today\b|last\b|this\b|past\b"
    r"|(?:\d+|a|an|one|two|three|four|five|six)\s+(?:day|week|month|year)s?\s+ago\b)",
    re.I,
)
_UNIT_DAYS = {"day": 1, "night": 1, "week": 7, "weekend": 7, "month": 30, "year": 365}
_OPEN_START = datetime.min.replace(tzinfo=UTC)
_OPEN_END = datetime.max.replace(tzinfo=UTC)
Side = Literal["before", "after"]
# Identifiers people do not write in prose: the query wants an exact match.
_CODE_HINT = re.compile(r"[_/\\`]|\.\w{1,5}\b|\b[a-z]+[A-Z]\w*|\(\)|--?\w")


@dataclass(frozen=True)
class Anchor:
    """An event the query places its time against: "before the migration"."""

    phrase: str
    side: Side
    # "two weeks after the launch": how far from the event (None: any time on that side).
    within: timedelta | None = None


@dataclass(frozen=True)
class Intent:
    window: tuple[datetime, datetime] | None = None
    recency: bool = False
    identifiers: tuple[str, ...] = ()
    boosts: dict[str, float] = field(default_factory=dict)
    # A one-sided time ("before 2024", "after the migration") is read as "just before" or
    # "just after": the closer a memory is to ``near``, the better it fits.
    near: datetime | None = None
    anchor: Anchor | None = None


def _month_end(year: int, month: int) -> datetime:
    return datetime(year, month, calendar.monthrange(year, month)[1], tzinfo=UTC) + timedelta(days=1)


def _window(text: str, now: datetime, *, exact_month: bool = False) -> tuple[datetime, datetime] | None:
    m = _DAY_MONTH_YEAR.search(text)
    if m:
        day, month, year = int(m.group(1)), _MONTHS.get(m.group(2).lower(), 5), int(m.group(3))
        return _day(year, month, day)
    m = _MONTH_DAY_YEAR.search(text)
    if m:
        month, day, year = _MONTHS.get(m.group(1).lower(), 5), int(m.group(2)), int(m.group(3))
        return _day(year, month, day)
    m = _ISO_DATE.search(text)
    if m:
        return _day(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _MONTH_YEAR.search(text)
    if m:
        month, year = _MONTHS.get(m.group(1).lower(), 5), int(m.group(2))
        # A month named in a question rarely means only its own days: a week either side.
        start = datetime(year, month, 1, tzinfo=UTC)
        if exact_month:  # a side of the month ("before May 2023") has no slack to add
            return start, _month_end(year, month)
        return start - timedelta(days=7), _month_end(year, month) + timedelta(days=7)
    m = _YEAR.search(text)
    if m:
        year = int(m.group(1))
        return datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
    if re.search(r"\byesterday\b", text, re.I):
        then = now - timedelta(days=1)
        return _day(then.year, then.month, then.day)
    if re.search(r"\btoday\b", text, re.I):
        return _day(now.year, now.month, now.day)
    m = _AGO.search(text)
    if m:
        n = _NUMBERS.get(m.group(1).lower()) or int(m.group(1))
        unit = {"day": 1, "week": 7, "month": 30, "year": 365}[m.group(2).lower()]
        centre = now - timedelta(days=n * unit)
        slack = timedelta(days=max(1, unit * n // 4))
        return centre - slack, centre + slack
    m = _LAST.search(text)
    if m:
        days = {"week": 7, "month": 31, "year": 366}[m.group(2).lower()]
        return now - timedelta(days=days), now + timedelta(seconds=1)
    return None


def _day(year: int, month: int, day: int) -> tuple[datetime, datetime] | None:
    try:
        start = datetime(year, month, day, tzinfo=UTC)
    except ValueError:
        return None
    return start, start + timedelta(days=1)


def _offset(m: re.Match[str]) -> timedelta | None:
    if m.group("unit"):
        n = _NUMBERS.get(m.group("n").lower()) or int(m.group("n"))
        return timedelta(days=n * _UNIT_DAYS[m.group("unit").lower()])
    unit = (m.group("the") or m.group("last") or "").lower()
    if not unit:
        return None
    return timedelta(days=_UNIT_DAYS.get(unit, 7))  # a weekday: within the week


def reach(within: timedelta) -> timedelta:
    """How far "two weeks before/after X" reaches from X: the offset and a quarter of it
    (at least a day), since people round such offsets."""
    return within + max(timedelta(days=1), within / 4)


def side_window(
    period: tuple[datetime, datetime], side: Side, within: timedelta | None
) -> tuple[tuple[datetime, datetime], datetime | None]:
    """The window on one side of ``period`` and the time nearest to it ("just before"),
    None when ``within`` bounds the window on both sides. The period itself is inside:
    what is recorded on a day often tells of the days before it."""
    start, end = period
    if within is not None:
        if side == "before":
            return (start - reach(within), end), None
        return (start, end + reach(within)), None
    if side == "before":
        return (_OPEN_START, end), end
    return (start, _OPEN_END), start


_Sided = tuple[tuple[datetime, datetime] | None, datetime | None, Anchor | None]


def _sided(text: str, now: datetime) -> _Sided:
    m = _SIDE.search(text)
    if m is None:
        return None, None, None
    side: Side = "before" if m.group("side").lower() in ("before", "until", "till", "prior to") else "after"
    rest = m.group("rest").strip()
    within = _offset(m)
    if _TIME_START.match(rest):
        period = _window(rest, now, exact_month=True)
        if period is None:
            return None, None, None
        window, near = side_window(period, side, within)
        return window, near, None
    phrase = re.split(r"[,.:]\s", rest + " ", maxsplit=1)[0].strip()
    words = re.findall(r"\w+", phrase.lower())
    if not words or words[0] in _NOT_EVENTS or all(w in _ARTICLES for w in words):
        return None, None, None
    return None, None, Anchor(phrase, side, within)


def analyse(text: str, now: datetime) -> Intent:
    try:
        window, near, anchor = _sided(text, now)
        if window is None and anchor is None:
            window = _window(text, now)
    except (OverflowError, ValueError):  # "on 9999-12-31", "9999999999 years ago": no window
        window, near, anchor = None, None, None
    recency = bool(_RECENT.search(text))
    identifiers = tuple(e for e in extract_entities(text) if _CODE_HINT.search(e))
    boosts: dict[str, float] = {}
    # An event's time is a guess (the memory its words match best) and "after" is often
    # about order, not time ("what runs after the build step"): it gets the channel, not a
    # raised weight.
    if window is not None or recency:
        boosts["temporal"] = 1.5
    if identifiers:
        boosts |= {"keyword": 1.3, "entity": 1.5, "semantic": 0.7}
    return Intent(
        window=window, recency=recency, identifiers=identifiers, boosts=boosts, near=near, anchor=anchor
    )
