"""Write the labelled secrets corpus (`tests/data/secrets.jsonl`) that
`benchmarks/redaction.py` and `tests/test_secrets.py` read.

Secrets in the formats developers paste into a chat with a coding agent (cloud keys,
VCS / registry / chat / payment / LLM-provider tokens, private keys, JWTs, credentials in
URLs and connection strings, `.env` lines, passwords said in prose), each inside a sentence
of the kind that carries it; and look-alikes that must pass untouched (commit hashes,
UUIDs, checksums, digests, base64 fixtures, publishable keys, ids, placeholders, env-var
references, prose about tokens). Values are random (seeded), never real credentials; the
shapes follow each vendor's documented token format.

    python benchmarks/secrets_corpus.py            # rewrites tests/data/secrets.jsonl
"""

from __future__ import annotations

import base64
import json
import random
import string
import sys
import uuid
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "secrets.jsonl"
R = random.Random(20261202)
UP, LOW, DIG = string.ascii_uppercase, string.ascii_lowercase, string.digits
ALNUM = UP + LOW + DIG
HEX = "0123456789abcdef"
B64 = ALNUM + "+/"
URLSAFE = ALNUM + "-_"


def rnd(chars: str, n: int) -> str:
    return "".join(R.choice(chars) for _ in range(n))


def pw() -> str:
    """A password as people make them: words, digits, a symbol."""
    words = ["hunter", "Blue", "tiger", "Orange", "Summer", "winter", "Falcon", "rocket", "Maple", "quartz"]
    joint = R.choice(["-", "_", "!", ".", "#", ""])
    return f"{R.choice(words)}{joint}{R.choice(words)}{R.randint(10, 9999)}{R.choice('!@#$%&*?')}"


def pem(kind: str) -> str:
    body = "\n".join(rnd(B64, 64) for _ in range(R.randint(4, 8)))
    return f"-----BEGIN {kind}-----\n{body}\n{rnd(B64, 20)}==\n-----END {kind}-----"


def jwt() -> str:
    def part(obj: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    head = part({"alg": R.choice(["HS256", "RS256"]), "typ": "JWT"})
    body = part(
        {
            "sub": str(R.randint(1000, 99999)),
            "name": R.choice(["ana", "bo", "cy"]),
            "iat": R.randint(1e9, 2e9),
        }
    )
    return f"{head}.{body}.{rnd(URLSAFE, 43)}"


HOSTS = [
    "db.internal",
    "10.0.3.17",
    "prod-db.acme.io",
    "localhost",
    "pg-staging.corp",
    "mongo0.cluster.local",
]
USERS = ["admin", "app", "deploy", "postgres", "svc_billing", "root"]

# (kind, generator of the secret, sentences that carry it: {s} is the secret)
SECRETS: list[tuple[str, object, list[str]]] = [
    (
        "aws-access-key-id",
        lambda: "AKIA" + rnd(UP + DIG, 16),
        ["the CI user's access key is {s}", "AWS_ACCESS_KEY_ID={s}", "use {s} for the backup bucket"],
    ),
    (
        "aws-secret-access-key",
        lambda: rnd(ALNUM + "+/", 40),
        ["aws_secret_access_key = {s}", "AWS_SECRET_ACCESS_KEY={s}", "secret access key for prod: {s}"],
    ),
    (
        "github-token",
        lambda: R.choice(["ghp_", "gho_", "ghs_", "ghu_"]) + rnd(ALNUM, 36),
        [
            "here's a token for the bot: {s}",
            "GITHUB_TOKEN={s}",
            "git clone https://{s}@github.com/acme/api.git",
        ],
    ),
    (
        "github-fine-grained",
        lambda: "github_pat_" + rnd(ALNUM, 22) + "_" + rnd(ALNUM, 59),
        ["new fine-grained PAT: {s}", "export GH_TOKEN={s}"],
    ),
    (
        "gitlab-token",
        lambda: "glpat-" + rnd(URLSAFE, 20),
        ["gitlab token {s} has api scope", "GITLAB_TOKEN: {s}"],
    ),
    (
        "npm-token",
        lambda: "npm_" + rnd(ALNUM, 36),
        ["//registry.npmjs.org/:_authToken={s}", "publish with npm token {s}"],
    ),
    (
        "pypi-token",
        lambda: "pypi-AgEIcHlwaS5vcmc" + rnd(URLSAFE, 60),
        ["twine upload -u __token__ -p {s}", "the PyPI token is {s}"],
    ),
    (
        "slack-token",
        lambda: (
            R.choice(["xoxb-", "xoxp-", "xapp-1-"])
            + f"{R.randint(10**10, 10**11)}-{R.randint(10**10, 10**11)}-"
            + rnd(ALNUM, 24)
        ),
        ["slack bot token: {s}", "SLACK_BOT_TOKEN={s}"],
    ),
    (
        "slack-webhook",
        lambda: f"https://hooks.slack.com/services/T{rnd(UP + DIG, 8)}/B{rnd(UP + DIG, 10)}/{rnd(ALNUM, 24)}",
        ["alerts go to {s}", "the incident webhook is {s}"],
    ),
    (
        "discord-webhook",
        lambda: f"https://discord.com/api/webhooks/{R.randint(10**17, 10**18)}/{rnd(URLSAFE, 68)}",
        ["post build results to {s}"],
    ),
    (
        "stripe-secret",
        lambda: R.choice(["sk_live_", "rk_live_", "sk_test_"]) + rnd(ALNUM, 24 + R.randint(0, 75)),
        [
            "stripe key for the checkout service is {s}",
            "STRIPE_SECRET_KEY={s}",
            "use {s} in the webhook tests",
        ],
    ),
    (
        "stripe-webhook-secret",
        lambda: "whsec_" + rnd(ALNUM, 32),
        ["STRIPE_WEBHOOK_SECRET={s}", "webhook signing secret {s}"],
    ),
    (
        "openai-key",
        lambda: R.choice(["sk-", "sk-proj-"]) + rnd(URLSAFE, 48),
        ["OPENAI_API_KEY={s}", "my openai key is {s}, don't share it"],
    ),
    (
        "anthropic-key",
        lambda: "sk-ant-api03-" + rnd(URLSAFE, 93) + "AA",
        ["ANTHROPIC_API_KEY={s}", "claude key: {s}"],
    ),
    (
        "huggingface-token",
        lambda: "hf_" + rnd(ALNUM, 34),
        ["HF_TOKEN={s}", "huggingface token {s} can read the private models"],
    ),
    ("groq-key", lambda: "gsk_" + rnd(ALNUM, 52), ["GROQ_API_KEY={s}"]),
    ("replicate-token", lambda: "r8_" + rnd(ALNUM, 37), ["replicate token is {s}"]),
    ("google-api-key", lambda: "AIza" + rnd(URLSAFE, 35), ["maps key {s}", "GOOGLE_API_KEY={s}"]),
    (
        "sendgrid-key",
        lambda: "SG." + rnd(URLSAFE, 22) + "." + rnd(URLSAFE, 43),
        ["SENDGRID_API_KEY={s}", "mail goes out with {s}"],
    ),
    ("twilio-auth", lambda: rnd(HEX, 32), ["TWILIO_AUTH_TOKEN={s}", "twilio auth token: {s}"]),
    ("shopify-token", lambda: R.choice(["shpat_", "shpss_"]) + rnd(HEX, 32), ["shopify admin token {s}"]),
    ("digitalocean-token", lambda: "dop_v1_" + rnd(HEX, 64), ["DIGITALOCEAN_TOKEN={s}"]),
    (
        "vault-token",
        lambda: "hvs." + rnd(URLSAFE, 24),
        ["VAULT_TOKEN={s}", "root token for the dev vault: {s}"],
    ),
    ("telegram-bot", lambda: f"{R.randint(10**8, 10**10)}:AA{rnd(URLSAFE, 33)}", ["telegram bot token {s}"]),
    (
        "sentry-dsn",
        lambda: (
            f"https://{rnd(HEX, 32)}@o{R.randint(10**5, 10**6)}.ingest.sentry.io/{R.randint(10**6, 10**7)}"
        ),
        ["SENTRY_DSN={s}"],
    ),
    ("datadog-key", lambda: rnd(HEX, 32), ["DD_API_KEY={s}", "datadog api key: {s}"]),
    (
        "azure-storage-key",
        lambda: rnd(B64, 86) + "==",
        [
            "DefaultEndpointsProtocol=https;AccountName=acmelogs;AccountKey={s};EndpointSuffix=core.windows.net",
            "the storage AccountKey={s}",
        ],
    ),
    (
        "azure-client-secret",
        lambda: rnd(ALNUM, 3) + "8Q~" + rnd(URLSAFE + ".~", 31),
        ["AZURE_CLIENT_SECRET={s}", "client secret {s}"],
    ),
    (
        "private-key",
        lambda: pem(R.choice(["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY"])),
        ["here's the deploy key:\n{s}", "{s}"],
    ),
    ("jwt", jwt, ["Authorization: Bearer {s}", "the session cookie was {s}"]),
    (
        "bearer-token",
        lambda: rnd(URLSAFE, 40),
        ["curl -H 'Authorization: Bearer {s}' https://api.acme.dev/v1/me"],
    ),
    (
        "basic-auth",
        lambda: base64.b64encode(f"{R.choice(USERS)}:{pw()}".encode()).decode(),
        ["Authorization: Basic {s}"],
    ),
    (
        "url-credentials",
        lambda: (
            pw().replace("@", "x").replace("#", "x").replace("?", "x").replace("&", "x").replace("%", "x")
        ),
        [
            "DATABASE_URL=postgres://app:{s}@" + "db.internal:5432/orders",
            "connect with mongodb+srv://deploy:{s}@cluster0.mongodb.net/app",
            "redis://:{s}@cache.internal:6379/0",
            "amqp://svc_billing:{s}@rabbit.internal:5672/",
        ],
    ),
    (
        "connection-string",
        pw,
        [
            "Server=tcp:acme.database.windows.net,1433;Database=orders;User ID=app;"
            "Password={s};Encrypt=true;",
            "jdbc:mysql://db.internal:3306/app?user=app&password={s}",
        ],
    ),
    (
        "env-line",
        lambda: rnd(ALNUM, R.randint(16, 40)),
        [
            "DB_PASSWORD={s}",
            "SECRET_KEY={s}",
            'API_KEY="{s}"',
            "export JWT_SECRET='{s}'",
            "django SECRET_KEY = '{s}'",
            "MYSQL_ROOT_PASSWORD: {s}",
            "password: {s}",
        ],
    ),
    (
        "password-prose",
        pw,
        [
            "the staging password is {s}",
            "pw for the admin account: {s}",
            "login is admin / {s}",
            "the wifi password is {s} btw",
            "root password on the build box is {s}",
            "use {s} as the password for the test user",
            "the db password got rotated, it's {s} now",
            "creds for grafana: admin, password {s}",
            "the passphrase for the deploy key is {s}",
            "password for the staging db is {s}",
        ],
    ),
]

LOOKALIKES: list[tuple[str, object, list[str]]] = [
    (
        "commit-sha",
        lambda: rnd(HEX, 40),
        ["fixed in {s}", "revert {s} if it breaks again", "git cherry-pick {s}"],
    ),
    ("short-sha", lambda: rnd(HEX, 7), ["the regression came in {s}", "see commit {s}"]),
    (
        "uuid",
        lambda: str(uuid.UUID(int=R.getrandbits(128))),
        ["the tenant id is {s}", "request {s} failed with a 502", "user_id={s}"],
    ),
    ("sha256", lambda: rnd(HEX, 64), ["sha256 of the release tarball: {s}", "checksum {s}"]),
    ("docker-digest", lambda: "sha256:" + rnd(HEX, 64), ["pin the image to python@{s}"]),
    ("npm-integrity", lambda: "sha512-" + rnd(B64, 86) + "==", ['"integrity": "{s}"']),
    (
        "base64-fixture",
        lambda: base64.b64encode(bytes(R.getrandbits(8) for _ in range(R.randint(12, 48)))).decode(),
        ["the test image is data:image/png;base64,{s}", "fixture payload: {s}"],
    ),
    (
        "stripe-publishable",
        lambda: "pk_live_" + rnd(ALNUM, 24),
        ["the publishable key {s} goes in the frontend"],
    ),
    (
        "stripe-ids",
        lambda: R.choice(["cus_", "pi_", "ch_", "sub_", "price_"]) + rnd(ALNUM, 14),
        ["refund {s}", "look at {s} in the dashboard"],
    ),
    (
        "aws-arn",
        lambda: f"arn:aws:iam::{R.randint(10**11, 10**12)}:role/{R.choice(['deploy', 'ci', 'lambda-exec'])}",
        ["assume {s}"],
    ),
    (
        "aws-example",
        lambda: R.choice(["AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"]),
        ["the docs use {s} as the example key"],
    ),
    (
        "placeholder",
        lambda: R.choice(
            [
                "<YOUR_API_KEY>",
                "sk-your-key-here",
                "xxxxxxxxxxxxxxxx",
                "changeme",
                "${DB_PASSWORD}",
                "$GITHUB_TOKEN",
                "os.environ['API_KEY']",
                "process.env.STRIPE_SECRET_KEY",
                "********",
                "REPLACE_ME",
                "your-token-here",
                "{{ secrets.NPM_TOKEN }}",
                "None",
                'getenv("SECRET_KEY")',
                "<redacted>",
                "dummy",
                "test",
            ]
        ),
        ["API_KEY={s}", "password: {s}", "set the token to {s}", "SECRET_KEY = {s}", "token={s}"],
    ),
    (
        "prose",
        lambda: "",
        [
            "the token expires after an hour, refresh it before calling the API{s}",
            "we rotate the database password every 90 days{s}",
            "the password reset flow sends an email{s}",
            "secrets come from Vault, never from .env files{s}",
            "API keys are per tenant and stored hashed{s}",
            "the GitHub token needs the repo scope{s}",
            "don't log the Authorization header{s}",
            "the secret_key_base is read from the environment{s}",
            "add a test for expired JWTs{s}",
            "the private key lives in the KMS, not on disk{s}",
            "ask Priya for the staging password{s}",
            "the installer used to print the API key, we removed that{s}",
        ],
    ),
    (
        "ids-and-versions",
        lambda: R.choice(
            [
                f"v{R.randint(0, 9)}.{R.randint(0, 30)}.{R.randint(0, 99)}",
                f"{R.randint(10**11, 10**12)}",
                f"C0{rnd(UP + DIG, 9)}",
                f"2026-{R.randint(1, 12):02d}-{R.randint(1, 28):02d}T10:00:00Z",
                f"#{rnd(HEX, 6)}",
                f"i-{rnd(HEX, 17)}",
                f"sg-{rnd(HEX, 17)}",
                f"pr-{R.randint(100, 9999)}",
            ]
        ),
        ["deployed {s} to staging", "the id is {s}", "bump to {s}"],
    ),
    (
        "code",
        lambda: R.choice(
            [
                "api_key_header = 'X-API-Key'",
                "token_type = 'bearer'",
                "password_min_length = 12",
                "SECRET_KEY_FALLBACKS = []",
                "if not token: raise AuthError()",
                "hash_password(password)",
                "PASSWORD_HASHERS = ['argon2']",
                "get_secret('db-password')",
            ]
        ),
        ["{s}", "in settings.py: {s}"],
    ),
    (
        "hex-color-and-paths",
        lambda: R.choice(
            [
                "src/auth/token_store.py",
                "/etc/ssl/certs/ca-certificates.crt",
                "~/.aws/credentials",
                "secrets/README.md",
                "#1f2937",
            ]
        ),
        ["see {s}", "edit {s}"],
    ),
]


def build() -> list[dict]:
    rows, seen = [], set()
    for label, kinds, positive, target in (
        ("secret", SECRETS, True, 330),
        ("lookalike", LOOKALIKES, False, 380),
    ):
        per_kind = target // len(kinds) + 1
        for kind, gen, templates in kinds:
            for i in range(per_kind):
                value = gen()  # type: ignore[operator]
                text = templates[i % len(templates)].format(s=value)
                if text not in seen:  # a look-alike drawn twice is one example
                    seen.add(text)
                    rows.append(
                        {"label": label, "kind": kind, "text": text, "secret": value if positive else None}
                    )
    return rows


def main() -> int:
    rows = build()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w") as fh:
        for r in rows:
            fh.write(json.dumps(r) + "\n")
    n_pos = sum(r["label"] == "secret" for r in rows)
    print(f"{OUT}: {n_pos} secrets, {len(rows) - n_pos} look-alikes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
