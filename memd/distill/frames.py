"""The shapes in which people state a convention, read without a model.

Each frame finds one kind of rule in a sentence and says what it is about (the
*target*: "function argument names"), which *aspect* of it the rule fixes ("prefix",
"suffix", "case", a decorator, a tool for a purpose) and the *value*. Two statements
with the same target and aspect are two versions of one rule when the aspect holds one
value at a time (a prefix, a case style, the tool used for testing); when it collects
values (decorators to add, features to include) the value is part of the rule's
identity and only a negation ("stop adding @trace") replaces it.

The frames are the ways developers phrase naming, formatting and tooling rules
(CLAUDE.md bullets, review comments, chat); none is keyed to one data set's wording.
"""

from __future__ import annotations

import re
from dataclasses import replace

from memd.distill.continued import continued
from memd.distill.found import Found
from memd.distill.patterns import AFFIX_VALUE, CASE, MODAL, TARGET, rx, target_of
from memd.distill.shifts import find_shifts
from memd.distill.words import (
    LITERAL,
    NOISE_VALUES,
    is_name,
    marker_aspect,
    plausible,
    purpose_clause,
    purpose_noun,
    value_of,
)

# (aspect, pattern): the target and value groups name the parts.
_AFFIX_FRAMES: list[tuple[str, re.Pattern[str]]] = [
    ("prefix", rx(r"\b(?:start|begin|prefix|prepend|preface)\s+" + TARGET + r"\s+with\s+" + AFFIX_VALUE)),
    ("suffix", rx(r"\b(?:end|finish|suffix|append)\s+" + TARGET + r"\s+with\s+" + AFFIX_VALUE)),
    ("prefix", rx(TARGET + MODAL + r"\s+(?:start|begin)s?\s+with\s+" + AFFIX_VALUE)),
    ("suffix", rx(TARGET + MODAL + r"\s+(?:end|finish)(?:e?s)?\s+(?:with|in)\s+" + AFFIX_VALUE)),
    ("prefix", rx(r"\bname\s+" + TARGET + r"\s+with\s+(?:a|an|the)\s+prefix\s+(?P<value>" + LITERAL + ")")),
    # "name private helpers with a leading underscore"
    (
        "prefix",
        rx(
            r"\bname\s+"
            + TARGET
            + r"\s+with\s+(?:a|an|the)\s+leading\s+(?P<value>"
            + LITERAL
            + r"|(?:double\s+|single\s+)?underscores?|dash|hyphen)"
        ),
    ),
    (
        "suffix",
        rx(
            r"\bname\s+"
            + TARGET
            + r"\s+with\s+(?:a|an|the)\s+trailing\s+(?P<value>"
            + LITERAL
            + r"|(?:double\s+|single\s+)?underscores?|dash|hyphen)"
        ),
    ),
    # "name booleans with an is_ prefix": the value before the word.
    (
        "prefix",
        rx(
            r"\b(?:name|start)\s+"
            + TARGET
            + r"\s+with\s+(?:a|an|the)\s+(?P<value>"
            + LITERAL
            + r")\s+prefix\b"
        ),
    ),
    (
        "suffix",
        rx(
            r"\b(?:name|end)\s+" + TARGET + r"\s+with\s+(?:a|an|the)\s+(?P<value>" + LITERAL + r")\s+suffix\b"
        ),
    ),
    ("suffix", rx(r"\bname\s+" + TARGET + r"\s+with\s+(?:a|an|the)\s+suffix\s+(?P<value>" + LITERAL + ")")),
    (
        "prefix",
        rx(
            TARGET + r"\s+(?:are|is|should\s+be|must\s+be|get|gets)\s+prefixed\s+(?:with|by)\s+" + AFFIX_VALUE
        ),
    ),
    (
        "suffix",
        rx(
            TARGET + r"\s+(?:are|is|should\s+be|must\s+be|get|gets)\s+suffixed\s+(?:with|by)\s+" + AFFIX_VALUE
        ),
    ),
    (
        "prefix",
        rx(
            r"\b(?:use|add|put|want)\s+(?:a|an|the)\s+(?:leading|prefix(?:es)?)\s+(?P<value>"
            + LITERAL
            + r"|underscores?)(?:\s+(?:prefix\s+)?(?:for|on|to|in|before)\s+"
            + TARGET
            + r"(?=[.,;!]|\s+(?:now|instead|from|going)\b|$))?"
        ),
    ),
    (
        "suffix",
        rx(
            r"\b(?:use|add|put|want)\s+(?:a|an|the)\s+(?:trailing|suffix(?:es)?)\s+(?P<value>"
            + LITERAL
            + r"|underscores?)(?:\s+(?:suffix\s+)?(?:for|on|to|in|after)\s+"
            + TARGET
            + r"(?=[.,;!]|\s+(?:now|instead|from|going)\b|$))?"
        ),
    ),
    # "start with 'x_'": the subject is said elsewhere ("When naming functions, ...").
    ("prefix", rx(r"\b(?:start|begin)\s+with\s+" + AFFIX_VALUE)),
    ("suffix", rx(r"\b(?:end|finish)\s+with\s+" + AFFIX_VALUE)),
    (
        "prefix",
        rx(
            r"(?P<value>"
            + LITERAL
            + r")\s+as\s+(?:a|the)\s+prefix(?:\s+(?:for|of|to|on|in)\s+"
            + TARGET
            + r"(?=[.,;!]|$))?"
        ),
    ),
    (
        "suffix",
        rx(
            r"(?P<value>"
            + LITERAL
            + r")\s+as\s+(?:a|the)\s+suffix(?:\s+(?:for|of|to|on|in)\s+"
            + TARGET
            + r"(?=[.,;!]|$))?"
        ),
    ),
]
_CONTAINS_FRAMES = [
    rx(
        r"\b(?:include|put|have|add|use\s+of|inclusion\s+of)\s+(?:the\s+)?(?:string|substring|text|letters?|characters?|sequence)?\s*(?P<value>"
        + LITERAL
        + r")\s+(?:in|within|inside|into|somewhere\s+in)\s+(?:all\s+|every\s+|each\s+|your\s+|the\s+)*"
        + TARGET
        + r"(?=[.,;!]|\s+(?:and|from|going|as|to|so|now)\b|$)"
    ),
    rx(TARGET + MODAL + r"\s+(?:contain|include)s?\s+(?:the\s+)?(?:string\s+)?(?P<value>" + LITERAL + ")"),
]
_CASE_FRAMES = [
    rx(
        r"\b(?:use|usage|adopt(?:ion)?|encourage)\s+(?:of\s+)?"
        + CASE
        + r"(?=[.,;!]|\s+(?:now|instead|from|going)\b|$)"
    ),
    rx(
        r"\b(?:use|write|name|format)\s+(?:of\s+)?"
        + CASE
        + r"\s+(?:for|in|with|on)\s+(?:all\s+|your\s+|the\s+)*"
        + TARGET
        + r"(?=[.,;!]|\s+(?:and|from|going|as|instead|now)\b|$)"
    ),
    rx(r"\b(?:write|name|format)\s+(?:all\s+|your\s+|the\s+)*" + TARGET + r"\s+in\s+" + CASE),
    rx(TARGET + MODAL + r"\s+(?:be|are|use|follow|in)\s+(?:written\s+in\s+|in\s+)?" + CASE),
]
_DECORATOR = rx(
    r"\b(?:add|use|apply|put|include|incorporate)\s+(?:of\s+)?(?:the\s+|a\s+)?(?P<value>'@?[\w.]+'|`@?[\w.]+`|@[\w.]+|[\w.]+)\s+decorators?"
    r"(?:\s+from\s+(?:the\s+)?\S+(?:\s+(?:module|package|library))?)?"
    r"(?:\s+(?:to|on|for|in)\s+(?:all\s+|every\s+|each\s+|your\s+|the\s+|of\s+)*"
    + TARGET
    + r"(?=[.,;!]|\s+(?:and|from|going|as|so|that|to)\b|$))?"
)
_DECORATE = rx(
    r"\bdecorate\s+(?:all\s+|every\s+|each\s+|your\s+|the\s+)*"
    + TARGET
    + r"\s+with\s+(?:the\s+)?(?P<value>'@?[\w.]+'|`@?[\w.]+`|@[\w.]+)"
)
_IMPORT = rx(r"\bimport\s+(?:the\s+)?(?P<value>'[\w.]+'|`[\w.]+`|[\w.]+)\s+(?:module|package|library)")
# "include assert statements in your functions", "use docstrings in methods", "add type
# hints to public functions": a feature the target must have, one of several.
_FEATURE = rx(
    r"\b(?:include|use|add|write|put|incorporate|adopt)\s+(?P<value>(?:(?:a|an|the)\s+)?(?:single\s+|short\s+|proper\s+)?[a-z][\w-]*(?:\s+[a-z][\w-]*){0,2}?)\s+"
    r"(?:in|for|to|on|inside|within)\s+(?:all\s+|every\s+|each\s+|your\s+|the\s+|our\s+)*"
    + TARGET
    + r"(?=[.,;!]|\s+(?:and|from|going|as|so|to|that|even)\b|$)"
)
# "all methods should have docstrings", "the use of docstrings in our functions".
_HAVE = rx(
    r"\b(?:all|every|each)\s+"
    + TARGET
    + r"\s+(?:should\s+|must\s+|to\s+|will\s+)?(?:have|has|include|contain|carry|need|require)s?\s+"
    r"(?:a\s+|an\s+|the\s+)?(?P<value>(?:'@?[\w.]+'|`@?[\w.]+`|@[\w.]+)\s+decorator|[a-z][\w-]*(?:\s+[a-z][\w-]*)?)(?=[.,;!]|\s+(?:from|and|so|to|that|as|at|in|on|before|after)\b|$)"
)
# "use function annotations", "add method docstrings": the feature named with its target.
_COMPOUND_FEATURE = rx(
    r"\b(?:use|include|add|write)\s+(?P<target>function|method|class|module|test|api)\s+"
    r"(?P<value>annotations|docstrings|type\s+hints|comments)(?=[.,;!]|\s+(?:and|from|going|as|so|to|that|in)\b|$)"
)
_NOMINAL = rx(
    r"\b(?:use|usage|importance|addition|inclusion)\s+of\s+(?P<value>[a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+(?:in|for|on)\s+"
    r"(?:all\s+|every\s+|each\s+|your\s+|the\s+|our\s+|their\s+)*"
    + TARGET
    + r"(?=[.,;!]|\s+(?:and|from|going|as|so|to|that)\b|$)"
)
# "all methods should be properly annotated": the feature said as a participle.
_DONE_TO = {
    "annotated": "annotations", "type-hinted": "type hints", "typed": "type hints",
    "documented": "docstrings", "commented": "comments", "tested": "tests", "logged": "logging",
}  # fmt: skip
# "Always annotate your function arguments": the feature said as the verb.
_ANNOTATE = rx(
    r"\b(?:annotate|type-hint|document)\s+(?:all\s+|every\s+|each\s+|your\s+|the\s+|our\s+)*"
    + TARGET
    + r"(?=[.,;!]|\s+(?:and|with|so|to|from|going)\b|$)"
)
_VERB_FEATURE = {"annotate": "annotations", "type-hint": "type hints", "document": "docstrings"}
_PASSIVE = rx(
    r"\b(?:all\s+|every\s+|each\s+|your\s+|our\s+|the\s+)+" + TARGET + r"\s+(?:you\s+write\s+)?"
    r"(?:are|is|be|should\s+be|must\s+be|get|gets)\s+(?:always\s+)?(?:properly\s+|fully\s+|well\s+|thoroughly\s+|clearly\s+)?"
    r"(?P<value>" + "|".join(_DONE_TO) + r")\b"
)
# "When naming functions, always include a single digit": the subject is in the context.
_FEATURE_BARE = rx(
    r"\b(?:include|use|add)\s+(?:a\s+|an\s+)?(?P<value>(?:single\s+)?[a-z][\w-]*(?:\s+(?:statements?|blocks?|checks?|hints?|clauses?))?)(?=\s*[.;!]|\s*$|\s+and\s+(?:ensure|make|start|end|always|never)\b)"
)
# "use X for Y": one tool or style per purpose when X is a name, a literal or a style.
_USE_FOR = rx(
    r"\b(?:use|prefer|go\s+with|stick\s+(?:with|to)|standardi[sz]ed?\s+on|settled?\s+on)\s+(?P<value>(?:"
    + LITERAL
    + r"|[\w.+-]+)(?:\s+[\w.+-]+)?)\s+"
    r"(?:for|to\s+run|when|to\s+handle|as\s+(?:the|our))\s+(?:all\s+|every\s+|your\s+|the\s+|our\s+)*"
    + TARGET
    + r"(?=[.,;!]|\s+(?:and|from|going|instead|now|because|since)\b|$)"
)
_STOP = r"(?!(?:because|since|as|for|now|instead|and|but|so|to|from|in|on|with|not|over|rather)\b)"
_WORDS = r"[\w.+-]+(?:\s+" + _STOP + r"[\w.+-]+)?"
_INSTEAD = rx(
    r"\b(?:uses?|prefers?|run|runs|choose|pick|go\s+with|write)\s+(?P<value>"
    + LITERAL
    + r"|"
    + _WORDS
    + r")(?:\s+|\s*,\s*)"
    r"(?:instead\s+of|rather\s+than|over|not)\s+(?:the\s+|a\s+|an\s+|our\s+)?(?P<old>"
    + LITERAL
    + r"|"
    + _WORDS
    + r")"
)
_SWITCH = rx(
    r"\b(?:switch(?:ed|ing)?|mov(?:e|ed|ing)|migrat(?:e|ed|ing)|upgrad(?:e|ed|ing)|downgrad(?:e|ed|ing))\s+(?:over\s+)?(?:(?:from|off(?:\s+of)?)\s+(?P<old>"
    + LITERAL
    + r"|"
    + _WORDS
    + r")\s+)?to\s+(?P<value>"
    + LITERAL
    + r"|"
    + _WORDS
    + r")(?:\s+(?:for|as)\s+(?:the\s+|our\s+)?"
    + TARGET
    + r"(?=[.,;!]|\s+(?:because|since|as|now)\b|$))?"
)
# "Commit messages should follow Conventional Commits", "API handlers go in src/api".
_SHOULD = rx(
    TARGET
    + r"\s+(?:should|must|shall|need\s+to|have\s+to|are\s+to)(?:\s+always)?\s+(?P<verb>follow|use|go\s+(?:in|into|under)|live\s+(?:in|under)|be\s+(?:in|under|[a-z]+ed\s+(?:with|by|using)))\s+"
    r"(?P<value>" + LITERAL + r"|[A-Z][\w.+-]*(?:\s+[A-Z][\w.+-]*){0,2}|[\w.+-]+(?:\s+[\w.+-]+)?)"
)
# "all React components should be function components", "handlers must be async".
_SHOULD_BE = rx(
    r"\b(?:all\s+|every\s+|each\s+|our\s+|the\s+|new\s+)*"
    + TARGET
    + r"\s+(?:should|must|need\s+to|have\s+to|are\s+to)\s+(?:always\s+)?be\s+(?P<value>(?:an?\s+)?[\w.+-]+(?:\s+[\w.+-]+){0,2})(?=\s*[.,;!]|$)"
)
# "keep functions under 50 lines": a limit.
_KEEP = rx(
    r"\bkeep\s+(?:all\s+|your\s+|the\s+|our\s+)*"
    + TARGET
    + r"\s+(?:under|below|within|to|at\s+most|shorter\s+than|less\s+than|no\s+longer\s+than)\s+(?P<value>\d[\d,.]*\s*[a-z%]*)"
)
# "type hints are mandatory for public functions".
_REQUIRED = rx(
    r"\b(?P<value>[a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+(?:are|is)\s+(?:mandatory|required|compulsory|a\s+must|obligatory)\s+(?:for|in|on)\s+"
    r"(?:all\s+|every\s+|each\s+|your\s+|the\s+|our\s+)*" + TARGET + r"(?=[.,;!]|$)"
)
# "commit messages must start with the ticket id": a prefix said in words, for a subject
# that is named (never "start with the basics": the subject must come first, with a modal).
_STARTS_WITH_WORDS = rx(
    TARGET + r"\s+(?:should|must|need\s+to|have\s+to)\s+(?:always\s+)?(?P<verb>start|begin|end)\s+with\s+"
    r"(?P<value>(?:the|a|an)\s+[a-z][\w-]*(?:\s+[a-z][\w-]*){0,2})(?=\s*[.,;!]|$)"
)
# What a purpose clause starts with ("to distinguish methods", "to help readers"): not a target.
# "new components go in src/components": where things live, said as a fact about the repo.
_LIVES = rx(
    r"\b(?:all\s+|every\s+|each\s+|new\s+|our\s+|the\s+)*"
    + TARGET
    + r"\s+(?:go|goes|live|lives|belong|belongs|sit|sits)\s+(?:in|into|under|inside)\s+"
    r"(?P<value>`[^`\n]{1,60}`|(?<![\w-])\.{0,2}/?[\w.-]+(?:/[\w.*-]+)+/?|(?<![\w-])[\w.-]+/(?![\w])|(?<![\w/.-])/[\w.-]+)"
)


_PERSON_BEFORE = re.compile(
    r"(?<![\w])(?!(?:We|I|You|They|It|This|That|The|Our|All)\b)[A-Z][a-z]+\s+(?:has\s+|just\s+)?$"
)


def find_rules(sentence: str) -> list[Found]:
    """Every rule-shaped clause of ``sentence``, leftmost first, overlaps removed.

    Spans refer to ``sentence`` as given: pass it through :func:`normalize` first.
    """
    # A change said with its old value ("we dropped black for ruff") first: it is the
    # more specific reading of a span another frame may also match.
    found: list[Found] = list(find_shifts(sentence))
    for aspect, pattern in _AFFIX_FRAMES:
        for m in pattern.finditer(sentence):
            found.append(Found(aspect, value_of(m.group("value")), target_of(m), m.start(), m.end()))
    for pattern in _CONTAINS_FRAMES:
        for m in pattern.finditer(sentence):
            found.append(Found("contains", value_of(m.group("value")), target_of(m), m.start(), m.end()))
    for pattern in _CASE_FRAMES:
        for m in pattern.finditer(sentence):
            found.append(Found("case", value_of(m.group("value")), target_of(m), m.start(), m.end()))
    for pattern in (_DECORATOR, _DECORATE):
        for m in pattern.finditer(sentence):
            value = value_of(m.group("value")).strip("'`")
            found.append(Found("decorator", value, target_of(m), m.start(), m.end(), exclusive=False))
    for m in _IMPORT.finditer(sentence):
        found.append(
            Found("import", m.group("value").strip("'`"), "import", m.start(), m.end(), exclusive=False)
        )
    for m in _INSTEAD.finditer(sentence):
        found.append(
            Found(
                "use", value_of(m.group("value")), None, m.start(), m.end(), replaces=value_of(m.group("old"))
            )
        )
    for m in _SWITCH.finditer(sentence):
        if _PERSON_BEFORE.search(sentence, 0, m.start()):
            continue  # "Alex moved to the platform team": a person moved, not a tool
        old = m.group("old")
        found.append(
            Found(
                "use",
                value_of(m.group("value")),
                target_of(m),
                m.start(),
                m.end(),
                replaces=value_of(old) if old else None,
            )
        )
    for m in _USE_FOR.finditer(sentence):
        value = value_of(m.group("value"))
        one_per_purpose = is_name(value) or purpose_noun(target_of(m))
        found.append(
            Found(marker_aspect(value), value, target_of(m), m.start(), m.end(), exclusive=one_per_purpose)
        )
    for m in _SHOULD.finditer(sentence):
        verb = m.group("verb").split()[0].lower()
        aspect = "location" if verb in ("go", "live", "be") and "with" not in m.group("verb") else "style"
        found.append(Found(aspect, value_of(m.group("value")), target_of(m), m.start(), m.end()))
    for m in _LIVES.finditer(sentence):
        found.append(Found("location", value_of(m.group("value")), target_of(m), m.start(), m.end()))
    for m in _HAVE.finditer(sentence):
        value = " ".join(m.group("value").split())
        if value.lower().endswith(" decorator"):
            found.append(
                Found(
                    "decorator",
                    value[: -len(" decorator")].strip("'`"),
                    target_of(m),
                    m.start(),
                    m.end(),
                    exclusive=False,
                )
            )
        else:
            found.append(Found("include", value, target_of(m), m.start(), m.end(), exclusive=False))
    for m in _SHOULD_BE.finditer(sentence):
        found.append(Found("form", " ".join(m.group("value").split()), target_of(m), m.start(), m.end()))
    for m in _KEEP.finditer(sentence):
        found.append(Found("limit", m.group("value").strip(), target_of(m), m.start(), m.end()))
    for m in _REQUIRED.finditer(sentence):
        found.append(Found("include", m.group("value"), target_of(m), m.start(), m.end(), exclusive=False))
    for m in _STARTS_WITH_WORDS.finditer(sentence):
        aspect = "suffix" if m.group("verb").lower() == "end" else "prefix"
        found.append(Found(aspect, m.group("value"), target_of(m), m.start(), m.end()))
    for m in _COMPOUND_FEATURE.finditer(sentence):
        found.append(
            Found("include", m.group("value").lower(), target_of(m), m.start(), m.end(), exclusive=False)
        )
    for m in _ANNOTATE.finditer(sentence):
        verb = m.group(0).split()[0].lower()
        found.append(Found("include", _VERB_FEATURE[verb], target_of(m), m.start(), m.end(), exclusive=False))
    for m in _PASSIVE.finditer(sentence):
        found.append(
            Found(
                "include",
                _DONE_TO[m.group("value").lower()],
                target_of(m),
                m.start(),
                m.end(),
                exclusive=False,
            )
        )
    for m in _NOMINAL.finditer(sentence):
        found.append(
            Found(
                "include",
                " ".join(m.group("value").split()),
                target_of(m),
                m.start(),
                m.end(),
                exclusive=False,
            )
        )
    for m in _FEATURE.finditer(sentence):
        value = " ".join(m.group("value").split())
        value = re.sub(r"^(?:a|an|the)\s+", "", value, flags=re.I)
        found.append(Found("include", value, target_of(m), m.start(), m.end(), exclusive=False))
    for m in _FEATURE_BARE.finditer(sentence):
        found.append(Found("include", m.group("value"), None, m.start(), m.end(), exclusive=False))
    # "use the prefix m_ to indicate ...": a purpose clause is no subject; the rule stays.
    found = [replace(f, target=None) if purpose_clause(f.target) else f for f in found]
    found = [
        f
        for f in found
        if f.value.lower().strip("'\"`") not in NOISE_VALUES
        and f.value.strip("'\"`")
        and plausible(f.aspect, f.value)
    ]
    # The most specific frame wins where two overlap: they are listed most specific first.
    order = {id(f): n for n, f in enumerate(found)}
    kept: list[Found] = []
    for f in sorted(found, key=lambda f: order[id(f)]):
        if all(f.end <= k.start or f.start >= k.end for k in kept):
            kept.append(f)
    kept.sort(key=lambda f: f.start)
    return kept + continued(sentence, kept)
