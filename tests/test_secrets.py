"""The labelled secrets corpus (tests/data/secrets.jsonl, benchmarks/secrets_corpus.py):
every secret redacted, every look-alike untouched; and shapes written apart from it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from memd.secrets import redact

CORPUS = [
    json.loads(line) for line in (Path(__file__).parent / "data" / "secrets.jsonl").read_text().splitlines()
]


def test_the_corpus_is_the_size_the_issue_asks_for() -> None:
    assert sum(r["label"] == "secret" for r in CORPUS) >= 300
    assert sum(r["label"] == "lookalike" for r in CORPUS) >= 300


def test_at_least_99_percent_of_secrets_are_redacted() -> None:
    missed = [r["text"] for r in CORPUS if r["secret"] and r["secret"] in redact(r["text"])]
    n = sum(1 for r in CORPUS if r["secret"])
    assert len(missed) <= n // 100, missed[:10]


def test_at_most_1_percent_of_look_alikes_are_touched() -> None:
    touched = [r["text"] for r in CORPUS if not r["secret"] and redact(r["text"]) != r["text"]]
    n = sum(1 for r in CORPUS if not r["secret"])
    assert len(touched) <= n // 100, touched[:10]


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("mysql -u root -pS3cretPass! db", "S3cretPass!"),
        ("docker login -u bot -p dckr_pat_2bXf9Qm7Lz0Kw3Vr8Ty1Hs5Jn6", "dckr_pat_2bXf9Qm7Lz0Kw3Vr8Ty1Hs5Jn6"),
        ("the admin creds are admin:Adm1n!2024", "Adm1n!2024"),
        ("set DB_PASS to xK9#mQ2$vL5", "xK9#mQ2$vL5"),
        ("the VPN shared secret is blue-falcon-42", "blue-falcon-42"),
        (
            "NEW_RELIC_LICENSE_KEY=eu01xx8a7b6c5d4e3f2a1b0c9d8e7f6a5b4cNRAL",
            "eu01xx8a7b6c5d4e3f2a1b0c9d8e7f6a5b4cNRAL",
        ),
    ],
)
def test_shapes_beyond_the_corpus(text: str, secret: str) -> None:
    out = redact(text)
    assert secret not in out and "[REDACTED:" in out


@pytest.mark.parametrize(
    "text",
    [
        "ssh -p 2222 deploy@10.0.0.4",
        "docker run -p 8080:80 nginx",
        "the token is valid for an hour",
        "the secret is caching",
        "token_type = 'bearer'",
        "git push origin feature/token-refresh",
    ],
)
def test_everyday_text_is_left_alone(text: str) -> None:
    assert redact(text) == text


def test_redaction_happens_before_anything_is_stored(mem) -> None:
    secret = "ghp_" + "Ab3" * 12
    m = mem.remember(f"the bot token is {secret}", project="p")
    assert secret not in mem.get(m.id).text
    assert all(secret not in h.memory.text for h in mem.recall("bot token", project="p"))


def test_the_hooks_spool_never_holds_a_secret(tmp_path) -> None:
    from memd.ingest.spool import SPOOL_FILE, append

    secret = "sk_live_" + "Zq8" * 10
    append(tmp_path, {"text": f"stripe key is {secret}", "project": "p"})
    on_disk = (tmp_path / SPOOL_FILE).read_text()
    assert secret not in on_disk and "[REDACTED:stripe-key]" in on_disk
