"""benchmarks/anchors.py on a small generated history of the same shape as a release
series: edits, a function moved to another module, a file renamed, a definition deleted."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import anchors as bench  # noqa: E402

pytestmark = pytest.mark.slow

CORE = """def parse(text):
    return text.split(",")


def render(items):
    return ", ".join(items)


def retry(fn, attempts=3):
    for _ in range(attempts):
        try:
            return fn()
        except OSError:
            pass


class Session:
    def open(self):
        self.alive = True

    def close(self):
        self.alive = False
"""
UTIL = """def slug(name):
    return name.lower().replace(" ", "-")
"""


def _history() -> list[tuple[str, dict[str, str]]]:
    v1 = {"pkg/core.py": CORE, "pkg/util.py": UTIL}
    # v2: render edited, retry moved to its own module unchanged, util.py renamed.
    core2 = CORE.replace('", ".join(items)', '" | ".join(items)')
    retry = core2[core2.index("def retry") : core2.index("class Session")]
    v2 = {
        "pkg/core.py": core2.replace(retry, ""),
        "pkg/retrying.py": retry.rstrip() + "\n",
        "pkg/text.py": UTIL,
    }
    # v3: Session.close deleted, Session.open edited, parse untouched throughout.
    core3 = v2["pkg/core.py"].replace("    def close(self):\n        self.alive = False\n", "")
    core3 = core3.replace("self.alive = True", "self.alive = bool(self)")
    v3 = {**v2, "pkg/core.py": core3}
    return [("1.0", v1), ("1.1", v2), ("1.2", v3)]


def test_the_benchmark_scores_a_generated_history_exactly():
    report = bench.run(_history(), anchors=100)
    assert report["anchored"] == 7 and report["not_anchorable"] == 0
    # Stale in truth: render (1.1, 1.2), Session (1.2: its body changed), Session.open and
    # Session.close (1.2) — 5 verdicts over the two commits, all found, none invented.
    assert report["stale_truth"] == 5
    assert report["precision"] == 1.0 and report["recall"] == 1.0
    # retry moved to another module and slug's file was renamed: both followed, twice each.
    assert report["moves"] == 4 and report["moves_followed"] == 1.0


def test_ground_truth_follows_a_definition_by_name_and_body():
    defs0 = bench.definitions({"a.py": "def f():\n    return 1\n"})
    assert bench.truth(("a.py", "f"), defs0[("a.py", "f")], {("b.py", "f"): "def f(): return 1"}) == (
        "moved",
        "b.py",
    )
    assert (
        bench.truth(("a.py", "f"), defs0[("a.py", "f")], {("a.py", "f"): "def f(): return 2"})[0] == "changed"
    )
    assert bench.truth(("a.py", "f"), defs0[("a.py", "f")], {}) == ("deleted", None)
