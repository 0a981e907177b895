"""The relevance gate: how often a recall answers nothing, for questions it can and
cannot answer.

Two stores of different worlds: the demo's coding notes (plus a few more of the same
kind) and the LoCoMo dev conversations (one project each). Every store is asked its
own questions and the other world's:

- own questions answered with nothing: the gate's misses (should be none);
- other-world questions answered with nothing, and how many hits the rest still get:
  what it saves an agent from reading.

LoCoMo's own-question recall with and without the gate is in BENCHMARKS.md
(``locomo.py``, ``--set relevance_gate=false``).

    python benchmarks/relevance.py [--data ../shared/bench/locomo_dev.json] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from locomo import DEFAULT_DATA, ingest  # noqa: E402

import memd  # noqa: E402
from memd.demo import DEMO_PROJECT, QUESTIONS, run_demo  # noqa: E402

# More of what a coding agent keeps, and asks about it.
NOTES = [
    "CI caches the pip wheels keyed on requirements.lock; bump the key when the lock changes.",
    "The orders table is partitioned by month; queries must filter on created_at to hit one partition.",
    "Feature flags live in LaunchDarkly; the kill switch for checkout is `checkout-v2-enabled`.",
    "Local dev runs on Python 3.12 with uv; `make dev` starts the API with hot reload on port 8000.",
    "We pin numpy below 2.0 because the reporting job still uses a library built against 1.x.",
    "Rate limiting is done in the gateway, 100 requests per minute per API key, not in the services.",
]
CODING_QUESTIONS = [
    *QUESTIONS,
    "where do secrets come from?",
    "which port does the dev server use?",
    "why is numpy pinned?",
    "how is rate limiting done?",
    "how do I turn off the new checkout?",
    "what does CI cache?",
    "how is the orders table partitioned?",
    "which logging library do we use?",
]


def ask(mem, questions: list[str], projects: list[str]) -> dict[str, float]:
    empty, sizes = 0, []
    for q in questions:
        for p in projects:
            hits = mem.recall(q, k=10, project=p)
            empty += not hits
            sizes.append(len(hits))
    n = len(questions) * len(projects)
    return {
        "asked": n,
        "answered_with_nothing": round(empty / n, 3),
        "mean_hits": round(statistics.fmean(sizes), 2),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="a memd setting")
    args = ap.parse_args()
    samples = json.loads(args.data.read_text())
    settings = dict(item.split("=", 1) for item in args.set)
    chat_questions = [str(qa["question"]) for s in samples for qa in s["qa"] if qa["category"] != 5]
    report: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        mem = memd.open(Path(tmp) / "home", **settings)
        run_demo(mem)
        mem.remember_many([{"text": t, "project": DEMO_PROJECT} for t in NOTES])
        ingest(mem, samples)
        conversations = [s["sample_id"] for s in samples]
        report["coding notes, own questions"] = ask(mem, CODING_QUESTIONS, [DEMO_PROJECT])
        report["coding notes, conversation questions"] = ask(mem, chat_questions, [DEMO_PROJECT])
        own = {"asked": 0, "answered_with_nothing": 0.0, "mean_hits": 0.0}
        for s in samples:
            qs = [str(qa["question"]) for qa in s["qa"] if qa["category"] != 5]
            r = ask(mem, qs, [s["sample_id"]])
            w = r["asked"]
            own["answered_with_nothing"] += r["answered_with_nothing"] * w
            own["mean_hits"] += r["mean_hits"] * w
            own["asked"] += w
        own["answered_with_nothing"] = round(own["answered_with_nothing"] / own["asked"], 3)
        own["mean_hits"] = round(own["mean_hits"] / own["asked"], 2)
        report["conversations, own questions"] = own
        report["conversations, coding questions"] = ask(mem, CODING_QUESTIONS, conversations)
        mem.close()
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print("| store, questions | asked | answered with nothing | hits (k = 10) |")
        print("| --- | --- | --- | --- |")
        for name, r in report.items():
            print(f"| {name} | {r['asked']} | {r['answered_with_nothing']:.1%} | {r['mean_hits']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
