"""memd.ingest.formats: a chat is told from a document on strong evidence only, and no
line of either is dropped or cut (real files: benchmarks/agentdocs.py)."""

from __future__ import annotations

from pathlib import Path

from memd.ingest.conversations import MAX_TURN_CHARS, read_file
from memd.ingest.formats import is_chat, lines_kept, pieces

# The shape that was read as a chat: a CLAUDE.md whose code block holds `key: value` lines
# and whose prose has "Note: …" — written for this test.
CLAUDE_MD = """# acme-sdk

## Commands
- Build: `npm run build`
- Test one file: `npx jest src/client.test.ts`

## Style
Use named exports. Errors extend `McpError`.

```ts
const options = {
  maxTokens: 100,
  flex: 1,
};
```

Note: the server is bidirectional: it may send requests to the client too.
Tip: run the inspector with `npx @acme/inspector`.
"""


def test_a_document_with_colon_lines_in_code_and_prose_is_a_document(tmp_path: Path) -> None:
    path = tmp_path / "CLAUDE.md"
    path.write_text(CLAUDE_MD, encoding="utf-8")
    r = read_file(path)
    assert r.format == "document"
    assert r.lines_in == r.lines_kept == sum(1 for ln in CLAUDE_MD.splitlines() if ln.strip())
    assert all(t["author"] is None for t in r.items)
    assert any("npm run build" in t["text"] for t in r.items)


def test_name_value_lines_under_headings_are_a_document() -> None:
    doc = "# Owners\n\nDana: billing\nMarco: cache code\nDana: payroll export\nMarco: redis\n"
    assert not is_chat(doc)


def test_a_plain_chat_keeps_its_preamble_and_every_line(tmp_path: Path) -> None:
    raw = (
        "exported from our team chat\n"
        "User: from now on run `make lint` before you push\n"
        "and use pnpm, not npm\n"
        "Assistant: Will do.\n"
        "User: thanks\n"
    )
    path = tmp_path / "chat.txt"
    path.write_text(raw, encoding="utf-8")
    r = read_file(path)
    assert r.format == "text-chat"
    assert [(t["author"], t["text"]) for t in r.items] == [
        (None, "exported from our team chat"),
        ("User", "from now on run `make lint` before you push and use pnpm, not npm"),
        ("Assistant", "Will do."),
        ("User", "thanks"),
    ]
    assert r.lines_in == r.lines_kept == 5


def test_two_people_taking_turns_are_a_chat() -> None:
    assert is_chat("Alice: we ship on friday\nBob: ok\nAlice: tests must pass first\nBob: sure\n")
    assert not is_chat("Alice: we ship on friday\n")  # one line is not a conversation


def test_a_long_section_is_split_with_its_heading_not_cut(tmp_path: Path) -> None:
    body = "\n\n".join(f"Rule {n}: keep handlers thin and name them on_{n}." + " x" * 60 for n in range(200))
    raw = f"# Guide\n\n## Handlers\n\n{body}\n"
    path = tmp_path / "GUIDE.md"
    path.write_text(raw, encoding="utf-8")
    r = read_file(path)
    assert len(r.items) > 1 and all(len(t["text"]) <= MAX_TURN_CHARS for t in r.items)
    assert all(t["text"].startswith("Guide > Handlers\n") for t in r.items)
    assert r.lines_kept == r.lines_in
    assert "name them on_199." in r.items[-1]["text"]


def test_a_long_chat_turn_is_split_not_cut(tmp_path: Path) -> None:
    long = " ".join(f"word{n}" for n in range(3000))
    path = tmp_path / "chat.txt"
    path.write_text(f"User: {long}\nAssistant: ok\n", encoding="utf-8")
    r = read_file(path)
    said = [t for t in r.items if t["author"] == "User"]
    assert len(said) > 1 and "word2999" in said[-1]["text"]
    assert " ".join(t["text"] for t in said).split() == long.split()


def test_pieces_keep_every_word_and_fit() -> None:
    text = "\n\n".join("para " + "w " * n for n in range(1, 300))
    got = pieces(text, 500)
    assert all(len(p) <= 500 for p in got)
    assert " ".join(got).split() == text.split()
    assert lines_kept("a\n\n# b\nUser: c\n", ["a", "b", "c"]) == (3, 3)


def test_ingesting_an_edited_document_again_replaces_only_the_sections_that_changed(
    tmp_path: Path, real_mem
) -> None:
    path = tmp_path / "CLAUDE.md"
    path.write_text("# Repo\n## Testing\nRun `make test`.\n## Style\nTabs, not spaces.\n", encoding="utf-8")
    real_mem.remember_many([{**t, "project": "p"} for t in read_file(path).items])
    # A section added above the others, one changed, one as it was.
    path.write_text(
        "# Repo\n## Setup\nRun `make setup` first.\n"
        "## Testing\nRun `make test-all`.\n## Style\nTabs, not spaces.\n",
        encoding="utf-8",
    )
    real_mem.remember_many([{**t, "project": "p"} for t in read_file(path).items])
    sections = [m for m in real_mem.list(project="p", kinds=["episodic"], limit=None)]
    texts = sorted(m.text for m in sections)
    assert texts == [
        "Repo > Setup\nRun `make setup` first.",
        "Repo > Style\nTabs, not spaces.",
        "Repo > Testing\nRun `make test-all`.",
    ]
    testing = next(m for m in sections if "make test-all" in m.text)
    history = [m.text for m in real_mem.history(testing.id)]
    assert history == ["Repo > Testing\nRun `make test`.", "Repo > Testing\nRun `make test-all`."]
    style = next(m for m in sections if "Tabs" in m.text)
    assert len(real_mem.history(style.id)) == 1  # not replaced by the section now in its place
