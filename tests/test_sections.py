"""memd.retrieval.sections: a rule read from a document is answered by its section (with
the command under it); rules read from what a person said are left alone."""

from __future__ import annotations

from pathlib import Path

from memd.ingest.conversations import read_file

DOC = """# acme

## Testing
Run tests for a specific crate:

```sh
cargo test -p acme_core
```

The crate layout, feature flags and the workspace's lints are described in CONTRIBUTING.md;
read it before you add a crate, a feature flag or a lint, and keep this file short.

Never edit snapshot files by hand; run `cargo insta review`.

## Releases
Tag releases as `vX.Y.Z` from main after CI passes.
"""


def ingest(mem, tmp_path: Path, text: str = DOC) -> None:
    path = tmp_path / "AGENTS.md"
    path.write_text(text, encoding="utf-8")
    mem.remember_many([{**t, "project": "acme"} for t in read_file(path).items])


def test_the_section_takes_the_place_of_the_rule_read_from_it(real_mem, tmp_path: Path) -> None:
    ingest(real_mem, tmp_path)
    rules = [m for m in real_mem.list(project="acme", limit=None) if m.source == "distill"]
    assert rules, "the learner read no rule from the document: the test would prove nothing"
    # Without the step the rule "Never edit snapshot files by hand." ranks first, its
    # section (with `cargo insta review`) second.
    hits = real_mem.recall("how do I update snapshots?", project="acme", k=3)
    assert "cargo insta review" in hits[0].memory.text
    assert "section" in hits[0].channels
    assert not any(h.memory.source == "distill" for h in hits)
    assert len({h.id for h in hits}) == len(hits) == 2  # both sections; the rules are in them


def test_rules_a_person_said_stay_rules(real_mem) -> None:
    real_mem.remember_many(
        [
            {
                "text": "From now on always run `make lint` before you push.",
                "author": "user",
                "project": "shop",
                "source": "import",
            },
        ]
    )
    hits = real_mem.recall("what should I run before pushing?", project="shop", k=3)
    assert any(h.memory.source == "distill" for h in hits)
    assert not any("section" in h.channels for h in hits)


def test_a_rule_whose_section_was_archived_stays(real_mem, tmp_path: Path) -> None:
    ingest(real_mem, tmp_path)
    for m in real_mem.list(project="acme", kinds=["episodic"], limit=None):
        if "cargo insta review" in m.text:
            real_mem.forget(m.id)  # archived, not deleted
    hits = real_mem.recall("how do I update snapshots?", project="acme", k=5)
    assert not any("cargo insta review" in h.memory.text and h.memory.kind.value == "episodic" for h in hits)
    assert any(h.memory.source == "distill" for h in hits)
