"""What a query asks for, read without a model: a time window, recency, identifiers.

Fusion leans on the channels that suit the question: a question about a time
leans on the temporal channel, one naming a code identifier on keyword and entity.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

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
# Identifiers people do not write in prose: the query wants an exact match.
_CODE_HINT = re.compile(r"[_/\\`]|\.\w{1,5}\b|\b[a-z]+[A-Z]\w*|\(\)|--?\w")


@dataclass(frozen=True)
class Intent:
    window: tuple[datetime, datetime] | None = None
    recency: bool = False
    identifiers: tuple[str, ...] = ()
    boosts: dict[str, float] = field(default_factory=dict)


def _month_end(year: int, month: int) -> datetime:
    return datetime(year, month, calendar.monthrange(year, month)[1], tzinfo=UTC) + timedelta(days=1)


def _window(text: str, now: datetime) -> tuple[datetime, datetime] | None:
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
        return start - timedelta(days=7), _month_end(year, month) + timedelta(days=7)
    m = _YEAR.search(text)
    if m:
        year = int(m.group(1))
        return datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
    if re.search(r"\byesterday\b", text, re.I):
        day = now - timedelta(days=1)
        return _day(day.year, day.month, day.day)
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


def analyse(text: str, now: datetime) -> Intent:
    window = _window(text, now)
    recency = bool(_RECENT.search(text))
    identifiers = tuple(e for e in extract_entities(text) if _CODE_HINT.search(e))
    boosts: dict[str, float] = {}
    if window is not None or recency:
        boosts["temporal"] = 1.5
    if identifiers:
        boosts |= {"keyword": 1.3, "entity": 1.5, "semantic": 0.7}
    return Intent(window=window, recency=recency, identifiers=identifiers, boosts=boosts)
