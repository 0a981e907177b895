from datetime import UTC, date, datetime

import pytest

from memd.errors import EmptyTextError, InvalidInputError, TextTooLongError
from memd.text import (
    clean_tags,
    clean_text,
    content_hash,
    extract_entities,
    parse_time,
    redact_secrets,
)


@pytest.mark.parametrize("bad", ["", "   ", "\n\t", "\x00\x00"])
def test_empty_text_is_refused(bad):
    with pytest.raises(EmptyTextError):
        clean_text(bad, max_chars=100)


def test_too_long_text_names_the_limit():
    with pytest.raises(TextTooLongError, match="101 characters; the limit is 100"):
        clean_text("x" * 101, max_chars=100)


def test_non_string_is_refused():
    with pytest.raises(InvalidInputError, match="must be a string"):
        clean_text(42, max_chars=100)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "secret",
    [
        "AKIAJ3K7QX2M9T4WZ6PB",
        "ghp_" + "a" * 36,
        "sk-proj-" + "b" * 40,
        "xoxb-1234567890-abcdef",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----",
    ],
)
def test_secrets_never_reach_the_store(secret):
    out = clean_text(f"the key is {secret} ok", max_chars=10_000)
    assert secret not in out
    assert "[REDACTED:" in out


def test_assignments_keep_the_name_and_hide_the_value():
    out = redact_secrets("set DB_PASSWORD=hunter2hunter and api_key: 'abcdef123456'")
    assert "hunter2hunter" not in out and "abcdef123456" not in out
    assert "DB_PASSWORD=[REDACTED:secret]" in out


def test_documented_example_keys_and_references_are_left_alone():
    for text in ("the docs use AKIAIOSFODNN7EXAMPLE", "API_KEY=${API_KEY}", "password: <enter yours>"):
        assert redact_secrets(text) == text


def test_url_credentials_are_hidden():
    out = redact_secrets("postgres://admin:s3cretpw@db.local:5432/app")
    assert "s3cretpw" not in out and "db.local" in out


def test_content_hash_ignores_case_and_spacing():
    assert content_hash("Run  the Tests") == content_hash("run the tests")
    assert content_hash("run the tests") != content_hash("run the test")


def test_tags_are_normalised_and_validated():
    assert clean_tags(["Bug", "bug", "db"]) == ("bug", "db")
    assert clean_tags("a, b c") == ("a", "b", "c")
    with pytest.raises(InvalidInputError, match="tag"):
        clean_tags(["has space"])


def test_parse_time_accepts_common_forms():
    assert parse_time("2023-05-08", field="t") == datetime(2023, 5, 8, tzinfo=UTC)
    assert parse_time("2023-05-08T10:00:00Z", field="t") == datetime(2023, 5, 8, 10, tzinfo=UTC)
    assert parse_time(date(2023, 5, 8), field="t") == datetime(2023, 5, 8, tzinfo=UTC)
    assert parse_time(None, field="t") is None
    with pytest.raises(InvalidInputError, match="'yesterday-ish' is not a date"):
        parse_time("yesterday-ish", field="created_at")


def test_entities_find_identifiers_paths_and_names():
    ents = extract_entities(
        "Fixed `test_checkout_timeout` in services/api/app.py; PostgreSQL and FakeClock, see "
        "https://example.com/x. Then Caroline said MAX_RETRIES is 3."
    )
    for expected in [
        "test_checkout_timeout",
        "services/api/app.py",
        "PostgreSQL",
        "FakeClock",
        "https://example.com/x",
        "Caroline",
        "MAX_RETRIES",
    ]:
        assert expected in ents


def test_word_count_counts_cjk_characters_as_words():
    from memd.text import word_count

    assert word_count("run the  tests\nnow") == 4
    # no spaces between Chinese or Japanese words: a long turn is not one word
    assert word_count("数据库迁移完成了，我们用了 Postgres") == 14
    assert word_count("テストを実行する") == 9  # 8 characters, and the run as one token
