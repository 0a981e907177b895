"""Checks and transformations applied to text before it is stored."""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import cast

from memd.errors import EmptyTextError, InvalidInputError, TextTooLongError
from memd.secrets import redact


def redact_secrets(text: str) -> str:
    """Secrets must never reach the store in clear (see :mod:`memd.secrets`)."""
    return redact(text)


def clean_text(text: object, *, max_chars: int) -> str:
    """Validated, normalised, secret-free text, or a clear error."""
    if not isinstance(text, str):
        raise InvalidInputError(
            f"text must be a string, got {type(text).__name__}",
            hint="Pass the memory's text as a string.",
        )
    text = unicodedata.normalize("NFC", text).replace("\x00", "").strip()
    if not text:
        raise EmptyTextError("the text is empty")
    if len(text) > max_chars:
        raise TextTooLongError(f"the text is {len(text):,} characters; the limit is {max_chars:,}")
    return redact_secrets(text)


def content_hash(text: str) -> str:
    """Identity of a memory's content: case and whitespace do not make a new memory."""
    canonical = " ".join(text.casefold().split())
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]


def new_id() -> str:
    """16 random hex digits: unique enough, and any 6-8 leading digits name one memory."""
    return os.urandom(8).hex()


def parse_time(value: datetime | date | str | None, *, field: str) -> datetime | None:
    """Accepts datetimes, dates and ISO-8601 strings; naive values are taken as UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        raw = value.strip()
        try:
            value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidInputError(
                f"{field} {raw!r} is not a date or time",
                hint="Use ISO 8601, e.g. 2024-05-08 or 2024-05-08T13:56:00+02:00.",
            ) from None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    raise InvalidInputError(f"{field} must be a date, datetime or ISO string")


_TAG = re.compile(r"^[\w.:/@+-]{1,64}$")


def clean_tags(tags: object) -> tuple[str, ...]:
    if tags is None:
        return ()
    if isinstance(tags, str):
        tags = [t for t in re.split(r"[,\s]+", tags) if t]
    out: list[str] = []
    for tag in cast(Iterable[object], tags):  # not iterable: the TypeError says so
        tag = str(tag).strip().lower()
        if not _TAG.match(tag):
            raise InvalidInputError(
                f"tag {tag!r} is not allowed",
                hint="Tags are 1-64 letters, digits or . : / @ + - _ with no spaces.",
            )
        if tag not in out:
            out.append(tag)
    return tuple(out)


MAX_AUTHOR_CHARS = 200


def clean_author(author: object) -> str | None:
    """An author as stored: one line of text, or None for none given."""
    if author is None:
        return None
    if not isinstance(author, str):
        raise InvalidInputError(
            f"author must be text, not {type(author).__name__}", hint="Pass a name such as 'alice'."
        )
    name = " ".join(author.split())
    if len(name) > MAX_AUTHOR_CHARS:
        raise InvalidInputError(
            f"author is {len(name)} characters long",
            hint=f"Keep it to {MAX_AUTHOR_CHARS} characters: a name.",
        )
    return name or None


_ENTITY_PATTERNS = [
    re.compile(r"`([^`\n]{2,80})`"),  # backticked code
    re.compile(r"\bhttps?://[^\s)>\]]+"),  # URLs
    re.compile(r"(?:(?<=\s)|^)((?:\.{0,2}/)?[\w.-]+(?:/[\w.-]+)+\.?\w*)"),  # paths
    re.compile(r"\b[\w-]+\.(?:py|js|ts|tsx|go|rs|java|rb|md|toml|yaml|yml|json|sh|sql|c|h|cpp)\b"),
    re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b"),  # snake_case identifiers
    re.compile(r"\b[a-z]+(?:[A-Z][a-z0-9]+)+\b"),  # camelCase
    re.compile(r"\b[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]+)+\b"),  # CamelCase
    re.compile(r"\b[A-Z][A-Z0-9_]{2,}\b"),  # CONSTANTS, acronyms
    re.compile(r"\b[A-Za-z]*[a-z][A-Z][A-Za-z0-9]*\b"),  # PostgreSQL, MySQL, iOS
]
_PROPER = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-Z][a-z]{2,})\b")


def extract_entities(text: str, limit: int = 32) -> tuple[str, ...]:
    """Names, identifiers, paths and URLs, found without a model.

    Cheap and deterministic: the entity-graph channel links memories through them.
    """
    found: list[str] = []
    for pattern in _ENTITY_PATTERNS:
        for match in pattern.finditer(text):
            value = (match.group(1) if match.groups() else match.group(0)).strip(".,;:")
            if len(value) >= 2 and value not in found and "REDACTED" not in value:
                found.append(value)
    for match in _PROPER.finditer(text):
        value = match.group(1)
        if value not in found:
            found.append(value)
    return tuple(found[:limit])


# Chinese and Japanese put no spaces between words: each of their characters counts as a
# word (a word there is one or two), so a long turn in them is not taken for a short one.
# The same class twice: Python's re here, RE2 (Arrow) where the index counts stored texts.
_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
CJK_RE2 = r"[\x{3040}-\x{30ff}\x{3400}-\x{4dbf}\x{4e00}-\x{9fff}\x{ac00}-\x{d7af}\x{f900}-\x{faff}]"


def word_count(text: str) -> int:
    """Words as whitespace separates them, plus CJK characters (the in-RAM index counts
    stored texts the same way with Arrow: ``utf8_split_whitespace``, ``CJK_RE2``)."""
    return len(text.split()) + len(_CJK.findall(text))
