"""A rule continued in the same sentence without its verb: "use docstrings in functions
and annotations for methods", "start method names with md_, and variable names with w_",
"use docstrings in your methods and functions"."""

from __future__ import annotations

import re
from dataclasses import replace

from memd.distill.found import Found
from memd.distill.patterns import AFFIX_VALUE, TARGET, rx, target_of
from memd.distill.words import value_of

# "Use docstrings in functions and annotations for methods": the verb is left out of the
# second half; it takes the first half's aspect.
_AND_MORE = rx(
    r"^\s*,?\s*and\s+(?:also\s+)?(?P<value>[a-z][\w-]*(?:\s+[a-z][\w-]*){0,2}?)\s+(?:in|for|to|on)\s+"
    r"(?:all\s+|every\s+|your\s+|the\s+|our\s+)*" + TARGET + r"(?=[.,;!]|$)"
)


_AND_AFFIX = rx(
    r"^\s*,?\s*and\s+(?:also\s+)?(?:all\s+|every\s+|your\s+|the\s+)*" + TARGET + r"\s+with\s+" + AFFIX_VALUE
)


# "Use docstrings in your methods and functions": the same rule for a second subject.
_AND_TARGET = rx(
    r"^\s+(?:and|or)\s+(?:all\s+|every\s+|your\s+|the\s+|our\s+)*(?P<target>[a-z]+(?:\s+[a-z]+)?)(?=\s*[.,;!]|$)"
)


def continued(sentence: str, kept: list[Found]) -> list[Found]:
    """The rules a sentence continues from those already found in it."""
    out = []
    for f in kept:
        if f.aspect in ("include", "decorator", "case") and f.target:
            m = _AND_TARGET.match(sentence[f.end :])
            if m:
                target = m.group("target")
                if re.search(r"\bnames?\b", f.target, re.I) and not re.search(r"\bnames?\b", target, re.I):
                    target += " names"  # "in variable and method names" -> "method names" too
                first = sentence[f.start : f.end]
                text = first.replace(f.target, target) if f.target in first else None
                out.append(replace(f, target=target, start=f.end + m.start(), end=f.end + m.end(), text=text))
                continue
        if f.aspect in ("prefix", "suffix"):  # "..., and variable names with 'w_'"
            m = _AND_AFFIX.match(sentence[f.end :])
            if m and not any(k.start >= f.end and k.start < f.end + m.end() for k in kept):
                first, target, value = sentence[f.start : f.end], target_of(m), value_of(m.group("value"))
                # "start method names with md_, and variable names with w_": the second rule
                # told in the first one's words.
                text = (
                    first.replace(f.target, target).replace(f.value, value) if f.target and target else None
                )
                out.append(Found(f.aspect, value, target, f.end + m.start(), f.end + m.end(), text=text))
            continue
        if f.aspect not in ("include", "use", "case"):
            continue
        m = _AND_MORE.match(sentence[f.end :])
        if m and not any(k.start >= f.end and k.start < f.end + m.end() for k in kept):
            value = value_of(m.group("value"))
            first = sentence[f.start : f.end]
            text = first.replace(f.value, value) if f.value in first else None
            if text and f.target and target_of(m):
                text = text.replace(f.target, target_of(m) or "")
            out.append(
                Found(
                    f.aspect, value, target_of(m), f.end + m.start(), f.end + m.end(), f.exclusive, text=text
                )
            )
    return out
