"""What a statement is about, in a form two wordings of one subject share.

"function argument names", "the names of your function arguments" and "args" are one
subject; "private helpers" and "private helper names" too. The key keeps the content
words singular and drops determiners and the words that only say "names".
"""

from __future__ import annotations

import re

_DROP = frozenset(
    "the a an your our my their its his her all any every each these those this that new of always "
    "also just only please then both other own you we them it ones one ensure make sure start "
    "starting ending using use in for python when whenever working on with from now going "
    "forward onward onwards today here coding style styles convention conventions standard standards "
    "practice practices guideline guidelines rule rules instruction instructions regard regards "
    "respect comes they update updates team usual general adopt follow specific consistent proper "
    "good different certain clear definition definitions declaration declarations implementation "
    "implementations themselves itself end begin prefix suffix include add put and or but".split()
)
# Words too general to name a subject on their own when the sentence names one.
GENERIC = {"variable", "identifier", "item", "thing", "value", "word", "element"}
# Where a noun phrase ends and what follows only qualifies it ("names related to this task").
_POST = frozenset(
    "related that which who used defined declared in of for to from with within inside across "
    "throughout followed so as before after when while during until unless without by".split()
)
# Words that say "the name of" rather than what is named.
_NAME_WORDS = {"name", "names", "naming", "identifier", "identifiers", "label", "labels"}
_ALIASES = {
    "arg": "argument",
    "args": "argument",
    "param": "argument",
    "params": "argument",
    "parameter": "argument",
    "parameters": "argument",
    "kwarg": "argument",
    "kwargs": "argument",
    "var": "variable",
    "vars": "variable",
    "func": "function",
    "funcs": "function",
    "fn": "function",
    "fns": "function",
    "attr": "attribute",
    "attrs": "attribute",
    "dir": "directory",
    "dirs": "directory",
    "folder": "directory",
    "folders": "directory",
    "repo": "repository",
    "db": "database",
    "env": "environment",
    "config": "configuration",
    "msg": "message",
    "msgs": "message",
    "pr": "pull request",
    "prs": "pull request",
    "doc": "documentation",
    "docs": "documentation",
    "dep": "dependency",
    "deps": "dependency",
}
_WORD = re.compile(r"[a-z0-9][a-z0-9_+#.-]*")


def singular(word: str) -> str:
    if len(word) <= 3 or word.endswith(("ss", "us", "is", "ous")):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes", "zes")):
        return word[:-2]
    if word.endswith("s"):
        return word[:-1]
    return word


_SUFFIX = re.compile(r"(?:ings?|ers?|ed|ments?|s)$")


def stem(word: str) -> str:
    """A crude stem, so "logger" asks about "logging" and "linter" about "linting":
    a common suffix off, then a doubled last letter."""
    if len(word) <= 4:
        return word
    base = _SUFFIX.sub("", word)
    if len(base) < 3:
        return word
    return base[:-1] if len(base) > 3 and base[-1] == base[-2] else base


def subject_words(phrase: str) -> list[str]:
    """The content words of the noun phrase ``phrase`` ends in, singular and canonical.

    "When naming functions, I want you to" -> [] (nothing after the comma names a thing);
    "all variable names related to this task" -> ["variable"]; "function argument names"
    -> ["function", "argument"].
    """
    phrase = phrase.lower().replace("'s ", " ").split(",")[-1]
    tokens = _WORD.findall(phrase)
    head = next((i for i, w in enumerate(tokens) if w in _NAME_WORDS and w != "naming"), None)
    if head is not None and tokens[head + 1 : head + 2] == ["of"]:
        tokens = tokens[head + 2 :]  # "the names of your functions"
        head = None
    if head is not None:
        run = []
        for w in reversed(tokens[:head]):  # the words right before "names"
            if w in _DROP or w in _NAME_WORDS or w in _POST:
                break
            run.append(w)
        tokens = run[::-1]
    else:
        cut = next((i for i, w in enumerate(tokens) if w in _POST and i > 0), len(tokens))
        tokens = tokens[:cut]
    words = []
    for w in tokens:
        if w in _DROP or w in _NAME_WORDS:
            continue
        w = _ALIASES.get(w, w)
        words.append(" ".join(singular(p) for p in w.split()))
    return words


def subject_key(phrase: str, *, max_words: int = 4) -> str:
    """A stable key for the subject ``phrase`` names ("" when it names nothing)."""
    words = subject_words(phrase)
    return " ".join(words[-max_words:])


def is_vague(phrase: str | None) -> bool:
    """True when a target says nothing of its own ("the identifier", "them", "it")."""
    return not phrase or not subject_words(phrase)


def canonical_words(text: str) -> set[str]:
    """Every word of ``text``, singular and canonical ("args" -> "argument"), none dropped:
    what a question is compared with a rule's subject by."""
    words = (w.rstrip(".-") for w in _WORD.findall(text.lower()))
    return {singular(p) for w in words if w for p in _ALIASES.get(w, w).split()}
