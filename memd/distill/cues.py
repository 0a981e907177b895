"""The words and shapes that tell a statement in a sentence, read by memd.distill.distiller:
instruction cues, echoes, hedges, history, context clauses, decisions, preferences, open
problems and facts, and what counts as being about the work."""

from __future__ import annotations

import re

from memd.distill.words import LITERAL

# Said to make a rule: the speaker tells how things are to be done from now on.
DIRECTIVE = re.compile(
    r"\b(?:always|never|must|mustn't|should|shouldn't|shall|ought to|make sure|be sure|remember to|"
    r"don't forget|do not|don't|please|pls|plz|from now on|going forward|moving forward|from here on|"
    r"i(?:'d| would)? (?:also |really |now )?(?:like|want|need) (?:you|us|everyone) to|we need to|you need to|"
    r"(?:the|our|a|new) (?:convention|rule|standard|guideline|policy|practice)|we (?:always |now )?(?:use|prefer|follow|stick to)|"
    r"(?:update|change) (?:to )?(?:a |the |our |my )?(?:previous |earlier )?(?:instruction|guideline|convention|rule)|"
    r"let's|prefer|avoid|stop|no longer|no more|instead|anymore|any more|now|ensure|keep in mind|"
    r"(?:we|i) (?:focus|insist) on|another (?:thing|aspect|update|point|rule)|update to (?:our|the)|"
    r"it(?:'s| is) (?:important|essential|crucial|required|mandatory)|important to me|emphasi[sz]e|"
    r"(?:i|we) (?:also )?(?:want|need|expect|require|ask)|habit|"
    r"we (?:always |now |also )?(?:start|end|prefix|suffix|include|add|import|name|write|decorate|annotate|"
    r"format|lint|type-?check|bundle|deploy|package))\b",
    re.I,
)
# A sentence in no known shape is still kept as a rule when it is an instruction about the
# work: an imperative ("Never commit to main", "Run the linter before pushing") or a
# "we always/never ..." statement; not "Always happy to help" or "Don't hesitate to ask".
FALLBACK = re.compile(
    r"^(?:(?:always|never)\s+(?!happy|glad|here|good|great|nice|fun|a\b|an\b|the\b|been\b|learning|striving|there)"
    r"|(?:don't|do not)\s+(?!hesitate|worry|be\b|feel\b|forget to (?:reach|ask|let))"
    r"|no\s+more\s+|no\s+(?!problem|worries|idea|way|one\b|thanks|need|doubt|clue|rush|big\s+deal)(?=\S+\s+(?:in|on|inside|outside|anywhere|at)\b)"
    r"|(?:make sure|ensure)\s+(?:that\s+)?(?:you\s+|all\s+|every\s+|each\s+|the\s+|our\s+)"
    r"|we\s+(?:always|never|don't|do not|no longer)\s+(?!strive|try|learn|have)"
    r"|(?:use|prefer|avoid|stop|quit|run|put|write|add|include|name|prefix|import|store|log|pin|commit|push|"
    r"merge|rebase|squash|document|test|format|lint|type|annotate|declare|return|raise|call|wrap|"
    r"place|move|build|deploy|release|tag|check|validate|sort|limit|cache|mock)\s+)",
    re.I,
)
# A rule in no known shape is kept only when it is about the work: "Never commit directly
# to main", not "Keep going and never give up!".
WORK = re.compile(
    r"\b(?:code|coding|commit|commits|branch|branches|main|master|tests?|testing|PRs?|pull requests?|"
    r"merge|rebase|deploy\w*|function|functions|class|classes|method|methods|attributes?|arguments?|"
    r"parameters?|params?|args?|decorators?|"
    r"variables?|files?|modules?|imports?|api|apis|endpoints?|database|db|queries|query|schema|"
    r"migrations?|lint\w*|format\w*|types?|typing|logs?|logging|errors?|exceptions?|docs|"
    r"documentation|readme|config\w*|env|environment|dependenc\w+|packages?|librar\w+|versions?|"
    r"releases?|ci|pipelines?|scripts?|commands?|repo|repository|review\w*|comments?|docstrings?|"
    r"annotations?|secrets?|keys?|tokens?|passwords?|servers?|services?|containers?|docker|cache|"
    r"caching|sql|json|yaml|html|css|frontend|backend|staging|production|prod|debug\w*|print|"
    r"tabs?|spaces?|indent\w*|naming|names?|linter|formatter|compiler|framework|refactor\w*|"
    r"stack|issues?|tickets?|jira|github|gitlab|git|exports?|props|components?|hooks?|routes?|handlers?|"
    r"models?|views?|controllers?|tables?|columns?|fields?|helpers?|utils?|fixtures?|mocks?|async|await|"
    r"promises?|callbacks?|loops?|globals?|constants?|enums?|interfaces?|structs?|generics?|macros?|"
    r"semicolons?|quotes?|strings?|null|none|unwrap|panic|asserts?|try|catch|except|console|stdout|"
    r"installs?|lockfiles?|node_modules|vendor|secrets?|credentials?|global|state|mutable|inheritance|"
    r"composition|lines?|nest\w*|recursion|threads?|locks?|memory|performance|security|inputs?|"
    r"outputs?|var|const|dependenc\w+|changelog|release notes|features?|bugs?|fix(?:es)?|patch(?:es)?|"
    r"ports?|hosts?|urls?|ttl|timeouts?|retries|retry|workers?|jobs?|queues?|ci|node|python|pytest)\b",
    re.I,
)
# Shapes that are rules only when what they are about is part of the work ("all React
# components should be function components", not "having pets must be wonderful").
ABOUT_CODE_ONLY = frozenset({"form", "limit", "include"})
# Something concrete to follow: code, a quoted token, a path, a dotted name, a number.
CONCRETE = re.compile(r"`[^`]+`|(?<!\w)'[^'\s][^']*'(?!\w)|\"[^\"]+\"|@\w+|\b\w*[_/]\w+|\b\w+\.\w+\b|\b\d")
# Talk about rules rather than a rule: "Adopt a consistent naming convention", "Include
# that import statement consistently", "Always import a particular module". Without a
# concrete value such a sentence says nothing an agent could follow.
ABOUT_RULES = re.compile(
    r"\b(?:conventions?|guidelines?|standards?|rules?|practices?|approach|instructions?|naming|"
    r"particular|specific|certain|this|that|these|those|such|same|above|mentioned)\b",
    re.I,
)
NEGATION = re.compile(
    r"\b(?:never|don't|do not|doesn't|mustn't|shouldn't|stop|avoid|no longer|no more|not (?:use|add|include)|"
    r"(?:get|got) rid of|drop|remove)\b",
    re.I,
)
# An agent or listener repeating or acknowledging, not stating.
ECHO = re.compile(
    r"^(?:i(?:'ll| will| shall|'m going to| am going to| can| could| have| had|'ve)\b|"
    r"will do|got it|understood|noted|thanks|thank you|i understand|i see|"
    r"that makes sense|makes sense|sounds good)\b",
    re.I,
)
HEDGE = re.compile(
    r"\b(?:maybe|perhaps|could consider|what if|i wonder|not sure|for example|e\.g\.|"
    r"like when|hypothetically|imagine)\b",
    re.I,
)
# Something that happened before, told as history: "I used to ...", "we previously ...".
PAST = re.compile(
    r"\b(?:used to|previously|earlier|before that|last (?:time|week|month)|originally|formerly|"
    r"i (?:told|said|asked|mentioned)|we (?:had|were using))\b",
    re.I,
)
CONTEXT = re.compile(
    r"^(?:when|while|whenever|for|in|regarding|about|as for|with)\s+(?:you(?:'re| are)?\s+)?"
    r"(?:nam(?:e|ing)|writ(?:e|ing)|creat(?:e|ing)|defin(?:e|ing)|declar(?:e|ing)|ending|starting|choos(?:e|ing)|"
    r"pick(?:ing)?|work(?:ing)?\s+(?:on|with))?\s*"
    r"(?:the\s+|your\s+|our\s+|any\s+|all\s+)?(?!(?:now|today|example|instance|once|the\s+moment)\b)"
    r"(?P<ctx>[\w\s-]{2,40}?)"
    # "For logging, use X" or, typed without the comma, "for logging use X".
    r"(?:\s*,|\s+(?=(?:please\s+)?(?:always\s+|only\s+)?(?:use|prefer|we\s+(?:always\s+)?use|stick\s+(?:to|with)|go\s+with)\b))",
    re.I,
)
# "Errors: always wrap ...", "Change of plan on logging: we're moving to slog": the
# topic named before a colon is the subject of what follows.
TOPIC = re.compile(
    r"^(?:(?:change\s+of\s+plans?|update|news|a\s+note|heads\s+up)\s+(?:on|about|re|for|regarding)\s+)?"
    r"(?:the\s+|our\s+)?(?P<ctx>[A-Za-z][\w-]*(?:\s+[\w-]+){0,2})\s*:\s+(?=\S)",
    re.I,
)
# "X, not Y", "X instead of Y", "moved from Y to X", "upgraded to X": a choice stated.
CHOICE = re.compile(
    r"\b(?:instead of|rather than|(?:switch(?:ed)?|mov(?:e|ed)|migrat(?:e|ed)|upgrad(?:e|ed))\s+(?:from|to)\b)|\w,\s*not\s+\w"
    r"|\b(?:go|goes|live|lives|belong|belongs)\s+(?:in|into|under)\s+\S*/"
    r"|\b(?:camel|pascal|snake|kebab|screaming[ _-]?snake)[ _-]?case\b|\b(?:upper|lower)[ -]?case\b"
    r"|\b(?:mandatory|compulsory|obligatory)\b|\bmoving\s+(?:off|from|to)\b"
    r"|\b(?:dropped|ditched|got\s+rid\s+of|replaced|swapped|stopped\s+using|moved\s+away\s+from)\b"
    r"|\b(?:goes|go)\s+(?:through|via)\b"
    r"|\b(?:going|go|went)\s+back\s+to\b|\bchanged\s+(?:my|our)\s+mind\b|^scratch\s+(?:the|that)\b"
    r"|^(?:all|every|each)\s+(?:new\s+)?\w+(?:\s+\w+)?\s+(?:needs?|must|should|has\s+to|have\s+to)\b",
    re.I,
)
# "Can you make sure every migration has a down step?": a request, not a question.
ASKED_TO = re.compile(
    r"^(?:(?:so|ok|okay|also|and|hey),?\s+)?(?:can|could|would|will)\s+you\s+(?:please\s+)?(?:make\s+sure|always|never|"
    r"remember\s+to|stop|start|keep|use|add|avoid|ensure)\b",
    re.I,
)
# "Do the same for method names": the last rule again, for another subject.
SAME_FOR = re.compile(
    r"\b(?:do|apply)\s+the\s+same(?:\s+(?:thing|rule))?\s+(?:for|with|to|in)\s+(?:all\s+|your\s+|the\s+|our\s+)*"
    r"(?P<target>[a-z][\w-]*(?:\s+[a-z][\w-]*){0,2})(?=\s*[.,;!]|$)",
    re.I,
)
# "Add it to all your classes", "add this decorator to every method", "add this decorator"
# (the subject then comes from the sentence's context: "whenever you're working on a method").
ADD_IT = re.compile(
    r"\b(?:add|apply|use|put|include)\s+(?:it|this|that|the)(?:\s+decorator)?(?:\s+from\s+(?:the\s+)?\S+(?:\s+module)?)?"
    r"(?:\s+(?:to|on|for|in)\s+(?:all\s+|every\s+|each\s+|your\s+|the\s+|our\s+)*(?P<target>[a-z][\w-]*(?:\s+[a-z][\w-]*)?))?"
    r"(?=\s*[.,;!]|\s+(?:as well|too|also)\b|$)",
    re.I,
)
NAMED = re.compile(r"\b(?P<what>[a-z]+(?:\s+[a-z]+)?)\s+(?:names|naming)\b", re.I)
DECISION = re.compile(
    r"\bwe(?:'ve| have)?\s+(?:now\s+)?(?:decided|chose|chosen|picked|went with|gone with|settled on|"
    r"switched|moved|migrated|opted|agreed|are going with|'re going with|will go with|standardi[sz]ed on)\b",
    re.I,
)
REASON = re.compile(r"\b(?:because|since|as|due to|so that|given that)\b", re.I)
# "I prefer X", "I'd rather ...", "I don't like it when ...": how the speaker wants the
# work done. ("I love hiking" is about the speaker, not about the work: not kept.)
PREFERENCE = re.compile(
    r"\b(?:i|we)(?:\s+|(?='))(?:really\s+|strongly\s+|generally\s+|usually\s+)?(?:prefer|(?:'d|\s*would) rather|"
    r"(?:don't|do not) like (?:it )?when|hate it when|(?:'d|would) like (?:it )?if)\b",
    re.I,
)
PROBLEM = re.compile(
    r"\b(?:is|are|keeps|keep)\s+(?:still\s+|currently\s+)?(?:broken|flaky|failing|down|timing out|crashing|"
    r"leaking|hanging)\b|\b(?:doesn't|does not|don't|won't) work\b|\bknown (?:issue|bug|problem)\b|"
    r"\bTODO\b|\bwe still need to\b|\bneeds? (?:fixing|to be fixed)\b|\bopen (?:issue|bug)\b|"
    r"\b(?:keeps|keep)\s+(?:on\s+)?(?:dying|failing|crashing|restarting|erroring|timing out|OOMing|flaking)\b|"
    r"\b(?:is|are)\s+(?:randomly\s+|intermittently\s+|sometimes\s+)?(?:OOMing|dying|erroring|throwing)\b|"
    r"\bno idea why\b|\bcan't figure out why\b|\b(?:randomly|intermittently) fail(?:s|ing)?\b",
    re.I,
)
SOLVED = re.compile(
    r"\b(?:is|are|was|were|has been|have been|got|'s)\s+(?:now\s+|finally\s+|all\s+)?(?:fixed|resolved|solved|"
    r"working again|green again|passing again|no longer (?:flaky|failing|broken|an issue))\b|\bfixed (?:the|that)\b|"
    r"\bfixed\s+(?:it\s+|now\s+|it\s+now\s+)?(?:now\b|by\b|with\b)|\b(?:that|it)(?:'s| is) fixed\b",
    re.I,
)
FACT_NOUNS = (
    r"command|script|path|directory|dir|folder|file|url|endpoint|port|host|hostname|version|owner|"
    r"branch|repo|repository|database|db|server|api|bucket|region|channel|lead|maintainer|"
    r"entry ?point|config|configuration|env|environment|registry|image|cluster|namespace|"
    r"schema|table|queue|topic|key|token|secret|domain|address|dashboard|docs|documentation|"
    r"runner|pipeline|workflow|tool|framework|library|package manager|linter|formatter"
)
FACT = re.compile(
    r"^(?:the\s+|our\s+|my\s+|this\s+project's\s+|this\s+repo's\s+)?(?P<subject>(?:[\w./-]+\s+){0,3}?(?:"
    + FACT_NOUNS
    + r")s?)\s+(?:is|are|lives?|sits?|runs?|=|:)\s+(?:now\s+|currently\s+|still\s+)?(?:at\s+|in\s+|on\s+|under\s+|via\s+|with\s+)?"
    r"(?P<value>" + LITERAL + r"|https?://\S+|[A-Z][\w.+-]*(?:\s[A-Z0-9][\w.+-]*)?|\d[\w.]*)",
    re.I,
)
RUNS_WITH = re.compile(
    r"^(?:the\s+|our\s+)?(?P<subject>(?:[\w-]+\s+){0,2}?(?:tests?|build|lint(?:ing|er)?|formatting|"
    r"deploy(?:s|ment)?|migrations?|CI|app|server|docs|type ?checks?|benchmarks?))\s+"
    r"(?:run|runs|are run|is run|go|goes|are built|is built|build|builds|deploy|deploys)\s+"
    r"(?:now\s+)?(?:with|via|using|through|by|from|on)\s+(?P<value>"
    + LITERAL
    + r"|[\w.+-]+(?:\s+[\w.+-]+)?)",
    re.I,
)
ON_VERSION = re.compile(
    r"\b(?:we(?:'re| are)\s+(?:now\s+)?(?:on|using|running)|(?:we\s+)?(?:upgraded|updated|bumped|moved|migrated|downgraded)\s+(?:\w+\s+)?to)"
    r"\s+(?P<subject>[A-Za-z][\w.+-]*)\s+(?P<value>v?\d+(?:\.\d+)*)\b",
    re.I,
)
# "pnpm is our package manager now", "ruff format is our formatter": the value first.
FACT_FIRST = re.compile(
    r"(?:^|,\s*)(?P<value>"
    + LITERAL
    + r"|[A-Za-z][\w.+-]*(?:\s[A-Za-z][\w.+-]*)?)\s+(?:is|are)\s+(?:now\s+)?(?:our|the\s+team's|the)\s+"
    r"(?:new\s+|default\s+|main\s+|only\s+)?(?P<subject>(?:[\w-]+\s+){0,2}?(?:"
    + FACT_NOUNS
    + r"))(?=\s*(?:now|from now on|going forward)?\s*[.,;!]?\s*$)",
    re.I,
)


IMPERATIVE = re.compile(
    r"^(?:always|never|don't|do not|use|prefer|avoid|keep|put|add|include|start|end|prefix|name|write|"
    r"run|import|decorate|stop|make|follow|place|store|call|return|raise|log)\b",
    re.I,
)


def imperative(sentence: str) -> bool:
    return bool(IMPERATIVE.match(sentence))
