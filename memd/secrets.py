"""Secrets never reach the store in clear: find them in text and replace each with a
labelled placeholder (``[REDACTED:github-token]``), so the memory still reads sensibly.

Three kinds of evidence, most precise first:

1. a vendor's documented token format (``ghp_…``, ``sk_live_…``, ``xoxb-…``, PEM private
   keys, JWTs, webhook URLs with their secret path);
2. a secret's place in a structure: credentials in a URL (``postgres://app:PW@host``), a
   connection string's ``Password=`` / ``AccountKey=``, an ``Authorization:`` header, an
   assignment to a secret-named variable (``DB_PASSWORD=…``, ``"api_key": "…"``);
3. prose that names a password and gives it ("the staging password is …", "login is
   admin / …", "use … as the password").

Look-alikes are left alone: placeholders and references (``<YOUR_API_KEY>``,
``${DB_PASSWORD}``, ``os.environ["X"]``, ``changeme``, ``****``, AWS's documented
``…EXAMPLE`` keys), plain words ("token_type = 'bearer'"), and hashes, UUIDs and ids that
no secret name or format points at. Measured on a labelled corpus
(``tests/data/secrets.jsonl``, ``benchmarks/redaction.py``) against Yelp's detect-secrets.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# (label, pattern, group holding the secret: 0 = the whole match)
_TOKENS: list[tuple[str, str, int]] = [
    (
        "private-key",
        r"-----BEGIN [A-Z ]*PRIVATE KEY(?: BLOCK)?-----.*?-----END [A-Z ]*PRIVATE KEY(?: BLOCK)?-----",
        0,
    ),
    ("aws-access-key", r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b", 0),
    ("github-token", r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})\b", 0),
    ("gitlab-token", r"\bgl(?:pat|dt|ptt|rt)-[\w-]{20,}", 0),
    ("npm-token", r"\bnpm_[A-Za-z0-9]{36}\b", 0),
    ("pypi-token", r"\bpypi-AgE[\w-]{50,}", 0),
    ("anthropic-key", r"\bsk-ant-[a-z]+\d*-[\w-]{40,}", 0),
    ("openai-key", r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}", 0),
    ("huggingface-token", r"\bhf_[A-Za-z0-9]{30,}\b", 0),
    ("groq-key", r"\bgsk_[A-Za-z0-9]{40,}\b", 0),
    ("replicate-token", r"\br8_[A-Za-z0-9]{30,}\b", 0),
    ("slack-token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}|\bxapp-\d-[A-Za-z0-9-]{10,}", 0),
    ("slack-webhook", r"https://hooks\.slack\.com/(?:services|workflows)/[A-Za-z0-9/_-]{20,}", 0),
    ("discord-webhook", r"https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/\d+/[\w-]{20,}", 0),
    ("stripe-key", r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}\b", 0),
    ("stripe-webhook-secret", r"\bwhsec_[A-Za-z0-9]{24,}\b", 0),
    ("google-api-key", r"\bAIza[0-9A-Za-z_\-]{35}", 0),
    ("sendgrid-key", r"\bSG\.[\w-]{16,32}\.[\w-]{30,64}", 0),
    ("shopify-token", r"\bshp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}\b", 0),
    ("digitalocean-token", r"\bdo[por]_v1_[a-f0-9]{64}\b", 0),
    ("vault-token", r"\bhv[sbr]\.[\w-]{20,}", 0),
    ("telegram-bot-token", r"\b\d{8,10}:AA[\w-]{30,}", 0),
    ("sentry-dsn", r"https://[0-9a-f]{32}(?::[0-9a-f]{32})?@[\w.-]+/\d+", 0),
    ("azure-client-secret", r"(?<![\w~.-])[\w~.-]{3}\dQ~[\w~.-]{31,34}(?![\w~.-])", 0),
    ("jwt", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}", 0),
    # Any vendor's prefixed token ("dckr_pat_…", "lin_api_…", "secret_…", "key-…"): a short
    # lower-case prefix, then a long random tail (checked for mixed characters below).
    (
        "token",
        r"\b[a-z]{2,10}(?:_[a-z]{2,8}){0,2}_[A-Za-z0-9]{24,}\b|\b(?:key|token|secret|pat|api)-[A-Za-z0-9]{24,}\b",
        0,
    ),
    # Structure: where a secret sits.
    ("authorization", r"(?i:\bauthorization\s*:\s*(?:bearer|basic|token|bot)\s+)([\w.~+/=-]{8,})", 1),
    ("url-credentials", r"(?<=://)[^/\s:@]*:([^/\s@]{3,})(?=@)", 1),
    (
        "connection-string",
        r"(?i:\b(?:password|pwd|accountkey|sharedaccesskey|access_token)=)([^;&\s'\"]{4,})",
        1,
    ),
    # Command lines: --password X, mysql -u root -pX, docker login -u bot -p X.
    (
        "password",
        r"(?:^|\s)--(?:password|passwd|pass|token|api-key|secret|client-secret)(?:=|\s+)['\"]?([^\s'\"]{6,})",
        1,
    ),
    ("password", r"\s-u\s*\S+\s+-p\s*['\"]?([^\s'\"]{6,})", 1),
    # "the admin creds are admin:Adm1n!2024"
    (
        "password",
        r"(?i:\b(?:creds?|credentials|login)\b[^.\n]{0,20}?(?:are|is|:)\s*)[\w.@-]{2,40}:([^\s@/]{6,})(?!\S*@)",
        1,
    ),
]
_TOKEN_RES = [(label, re.compile(p, re.S), g) for label, p, g in _TOKENS]

# A variable named for a secret, given a value: DB_PASSWORD=..., "api_key": "...",
# export JWT_SECRET='...'. Names that describe a secret's container or kind
# (api_key_header, token_type, password_min_length) are not secrets.
_SECRET_NAME = (
    r"[A-Za-z0-9_.-]*(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|"
    r"auth[_-]?key|private[_-]?key|client[_-]?secret|credentials?|dsn|_pass\b|"
    r"(?:license|licence|encryption|signing|master|service|app|client)[_-]?key)[A-Za-z0-9_.-]*"
)
_ASSIGNMENT = re.compile(
    r"(?i)(?<![\w.-])(?:set\s+)?(?P<name>"
    + _SECRET_NAME
    + r")(?P<q1>['\"]?)(?P<sep>\s*[:=]\s*|\s*=>\s*|\s+to\s+)"
    r"(?P<q>['\"]?)(?P<value>[^\s'\"]{4,})(?P=q)"
)
_NOT_A_SECRET_NAME = re.compile(
    r"(?i)(?:_|-|\b)(?:header|type|name|field|prefix|length|len|min|max|url|uri|endpoint|path|file|env|var|id|"
    r"param|key_id|expir\w*|ttl|timeout|hashers?|fallbacks?|validators?|count|size|scope|format|mode|"
    r"algorithm|policy|rotation|storage|store|provider|backend|class|enabled)$"
)

# Prose that names a password and says it.
_PROSE = [
    re.compile(
        r"(?i)\b(?:password|passwd|passphrase|pw|pwd|pass\s*word)\b[^.\n]{0,40}?"
        r"(?:\bis\b|\bit's\b|\bwas\b|\bare\b|:|=|\bnow\b)\s+(?:now\s+)?['\"`]?(?P<value>\S{6,})"
    ),
    re.compile(
        r"(?i)\b(?:creds?|credentials|password|passwd)\b[^.\n]{0,40}?\bpassword\s+['\"`]?(?P<value>\S{6,})"
    ),
    re.compile(
        r"(?i)\b(?:login|user(?:name)?|account)\s+(?:is\s+)?[\w.@-]{2,40}\s*/\s*['\"`]?(?P<value>\S{6,})"
    ),
    re.compile(
        r"(?i)\buse\s+['\"`]?(?P<value>\S{6,}?)['\"`]?\s+as\s+(?:the\s+|a\s+)?(?:password|passphrase|pw)\b"
    ),
    # "secret access key for prod: X", "twilio auth token: X": a key named, then given.
    re.compile(
        r"(?i)\b(?:secret|token|api\s+key|access\s+key|auth\s+key|signing\s+key|client\s+secret)\b[^.\n:=]{0,30}?"
        r"(?::|=|\bis\b)\s*['\"`]?(?P<value>[\w+/=.~!@#$%^&*-]{8,})"
    ),
    # "atlassian token ATATT3x…", "client secret abc…": the key named, its value right after.
    re.compile(
        r"(?i)\b(?:client\s+secret|auth\s+token|api\s+key|bot\s+token|token|secret|key)\s+"
        r"(?P<value>(?=[\w+/=.~-]*\d)(?=[\w+/=.~-]*[A-Za-z])[\w+/=.~-]{20,})"
    ),
]

_PLACEHOLDER = re.compile(
    r"(?i)example|placeholder|your[-_ ]|[-_]here\b|changeme|change[-_]me|replace[-_]?me|redacted|"
    r"dummy|sample|fake|^x{3,}$|^\*+$|^(?:none|null|nil|true|false|undefined|empty|secret|password|token|test|testing)$"
)
_REFERENCE = re.compile(r"^(?:\$|%|<|\{|\[|\()|[()\[\]{}]")
# Where only a name points at a secret, a value that reads as code is a reference to one:
# os.environ..., settings.DB_PASSWORD, an env var's name.
_CODE_REFERENCE = re.compile(
    r"^(?:os\.|process\.env|env\.|ENV\b|config\.|settings\.|self\.|this\.)"
    r"|^[A-Za-z_][a-z_]*(?:\.[A-Za-z_]\w*)+$|^[A-Z][A-Z0-9]*_[A-Z0-9_]+$"
)


# Keys that are public by design: Stripe's publishable keys, Mapbox public tokens.
_PUBLIC = re.compile(r"pk_(?:live|test)_|pk\.eyJ")


def _placeholder(value: str, *, named_only: bool = False) -> bool:
    """A value that stands for a secret rather than being one. ``named_only``: the value's
    only evidence is a secret-like name beside it, so code references count too."""
    v = value.strip("'\"`.,;:")
    return (
        len(set(v)) <= 2
        or bool(_PLACEHOLDER.search(v))
        or bool(_REFERENCE.search(v))
        or (named_only and bool(_CODE_REFERENCE.search(v)))
        or v.startswith("[REDACTED")
        or bool(_PUBLIC.match(v))
    )


def _looks_secret(value: str) -> bool:
    """A value strong enough to be a credential: not a plain word."""
    v = value.strip("'\"`.,;:)")
    if len(v) < 6 or _placeholder(v, named_only=True):
        return False
    classes = sum(bool(re.search(p, v)) for p in (r"[a-z]", r"[A-Z]", r"\d", r"[^A-Za-z0-9]"))
    return classes >= 2 and not re.fullmatch(r"[A-Za-z]+(?:[-_][A-Za-z]+)*", v)


def _trim(value: str) -> str:
    return value.rstrip(".,;:)'\"`")


Check = Callable[[re.Match[str], str], bool]


def _sub(pattern: re.Pattern[str], group: int | str, label: str, check: Check, text: str) -> str:
    out, last = [], 0
    for m in pattern.finditer(text):
        value = m.group(group)
        if value is None:
            continue
        value = _trim(value) if group else value
        if not value or not check(m, value):
            continue
        start = m.start(group)
        out.append(text[last:start])
        out.append(f"[REDACTED:{label}]")
        last = start + len(value)
    out.append(text[last:])
    return "".join(out)


def redact(text: str) -> str:
    """``text`` with every secret it holds replaced by ``[REDACTED:<kind>]``."""
    for label, pattern, group in _TOKEN_RES:
        text = _sub(pattern, group, label, _token if group == 0 else _held, text)
    text = _sub(_ASSIGNMENT, "value", "secret", _assigned, text)
    for pattern in _PROSE:
        text = _sub(pattern, "value", "password", _said, text)
    return text


def _token(m: re.Match[str], value: str) -> bool:
    if _placeholder(value):
        return False
    if m.re.pattern.startswith("\\b[a-z]{2,10}(?:_"):  # the generic prefixed token
        tail = re.split(r"[_-]", value)[-1]
        return bool(re.search(r"\d", tail) and re.search(r"[A-Za-z]", tail)) and len(set(tail)) >= 10
    return True


def _held(m: re.Match[str], value: str) -> bool:
    return len(value) >= 4 and not _placeholder(value)


def _assigned(m: re.Match[str], value: str) -> bool:
    if _NOT_A_SECRET_NAME.search(m.group("name")):
        return False
    return _looks_secret(value) or (
        len(value) >= 8 and not _placeholder(value, named_only=True) and not value.isalpha()
    )


def _said(m: re.Match[str], value: str) -> bool:
    return _looks_secret(value)


def contains_secret(text: str) -> bool:
    return redact(text) != text
