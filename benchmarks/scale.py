"""Recall latency and memory at scale: 10k and 100k synthetic memories, in-process.

Each memory has an author (one of six); a third set of questions names one of them.

Every memory is a distinct text embedded by the real model (issue 24: 2,000 texts stored
~50 times each with noise on their vectors flattered memory and the index). The texts are
real conversation turns (``../shared/bench``: the MemoryCode dialogues and LoCoMo, ~24k),
then those turns again with their names and numbers replaced, then coding-agent template
notes; loading 100k costs the embedding of 100k texts (several minutes on 2 cores).

    python benchmarks/scale.py --sizes 10000 100000 --json
    python benchmarks/scale.py --sizes 100000 --breakdown   # where a recall's time goes
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import memd
from memd.records import NewMemory

SUBJECTS = [
    "the orders service",
    "the auth middleware",
    "CI",
    "the payments worker",
    "the web app",
    "the migration script",
    "the cache layer",
    "the search API",
    "the CLI",
    "the build",
]
VERBS = [
    "fails when",
    "is slow because",
    "was fixed by",
    "now uses",
    "must not use",
    "depends on",
    "was refactored so that",
    "logs an error when",
    "times out if",
    "is configured by",
]
OBJECTS = [
    "the Redis connection pool is exhausted",
    "pytest runs with -n auto",
    "the JWT has expired",
    "PostgreSQL 16 is missing the pg_trgm extension",
    "nginx buffers the upload",
    "the feature flag NEW_CHECKOUT is off",
    "mypy strict mode is enabled",
    "the Docker image is built without cache",
    "the S3 bucket policy denies ListObjects",
    "the cron job runs twice",
    "kubectl apply uses the wrong context",
    "the retry limit MAX_RETRIES is 3",
    "a circular import in utils/dates.py",
    "the GraphQL schema changes",
    "ruff replaces flake8 and isort",
]
QUESTIONS = [
    "why is the orders service slow?",
    "how do we run the tests?",
    "what fixed the JWT bug?",
    "which extension does PostgreSQL need?",
    "what does the payments worker depend on?",
    "why does the cron job run twice",
    "MAX_RETRIES",
    "kubectl context problem",
    "what replaced flake8?",
    "S3 bucket permissions",
]

# Each memory has one of these authors; these questions name one, so authorship runs.
AUTHORS = ["user", "assistant", "dana", "lee", "priya", "omar"]
NAMED_QUESTIONS = [
    "what did dana say about the orders service?",
    "how does lee run the tests?",
    "what did priya find in the JWT bug?",
    "omar on the cron job running twice",
    "what did the user ask about MAX_RETRIES?",
]
# One side of an event: the temporal channel embeds the event's words and places it first.
ANCHORED_QUESTIONS = [
    "what failed after the Redis connection pool was exhausted?",
    "what did the build use before ruff replaced flake8?",
    "what broke since the JWT expired?",
    "what changed in CI after mypy strict mode was enabled?",
    "which errors came before the GraphQL schema changes?",
]


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthetic_text(rng: random.Random, n: int) -> str:
    return f"{rng.choice(SUBJECTS).capitalize()} {rng.choice(VERBS)} {rng.choice(OBJECTS)} (note {n})."


SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "bench"
NAMES = ["Dana", "Lee", "Priya", "Omar", "Ines", "Kofi", "Mei", "Tomas", "Aiko", "Ravi", "Sofia", "Yusuf"]
_NAME = re.compile(r"\b[A-Z][a-z]{2,}\b")
_NUMBER = re.compile(r"\b\d+\b")


def real_turns() -> list[str]:
    """Conversation turns from the shared benchmark data (empty when it is not there)."""
    out: list[str] = []
    code = SHARED / "memorycode_dev.jsonl"
    if code.is_file():
        for line in code.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out += [t["text"] for s in json.loads(line)["sessions"] for t in s["turns"]]
    locomo = SHARED / "locomo_dev.json"
    if locomo.is_file():
        for sample in json.loads(locomo.read_text(encoding="utf-8")):
            for key, turns in sample["conversation"].items():
                if key.startswith("session_") and isinstance(turns, list):
                    out += [t["text"] for t in turns]
    return list(dict.fromkeys(t for t in out if t.strip()))


def distinct_texts(size: int, rng: random.Random) -> list[str]:
    """``size`` distinct texts: real turns, the same turns with other names and numbers,
    then template notes."""
    base = real_turns()
    out = base[:size]
    round_ = 1
    while len(out) < size and base and round_ < 8:
        for t in base:
            if len(out) >= size:
                break
            t = _NAME.sub(
                lambda m: (
                    rng.choice(NAMES) if m.group(0) not in ("The", "This", "That", "What") else m.group(0)
                ),
                t,
            )
            out.append(_NUMBER.sub(lambda m: str(rng.randrange(2, 9999)), t) + f" (take {round_})")
        round_ += 1
    n = len(out)
    while len(out) < size:
        out.append(synthetic_text(rng, n))
        n += 1
    return out


def fill(mem, size: int, rng: random.Random) -> float:
    t0 = time.perf_counter()
    texts = distinct_texts(size, rng)
    for start in range(0, size, 2048):
        chunk = texts[start : start + 2048]
        items = [
            NewMemory(text=t[:4000], project=f"proj{(start + i) % 5}", author=rng.choice(AUTHORS))
            for i, t in enumerate(chunk)
        ]
        rows = mem.prepare_many(items)
        for row, vec in zip(rows, mem.embedder.embed([r["text"] for r in rows]), strict=True):
            row["vector"] = np.asarray(vec, dtype=np.float32).tolist()
        mem.store.add(rows)
        print(f"  loaded {min(start + 2048, size)}/{size}", file=sys.stderr, end="\r")
    mem.store.compact()
    return time.perf_counter() - t0


def timed_recalls(mem, queries: list[str], project: str | None, rounds: int, clock=time.perf_counter) -> list:
    """ms by ``clock`` of each recall, ``rounds`` times over ``queries``."""
    out = []
    for _ in range(rounds):
        for q in queries:
            t0 = clock()
            mem.recall(q, k=10, project=project)
            out.append((clock() - t0) * 1000)
    return out


def measure(mem, queries: list[str], project: str | None, rounds: int = 5) -> dict:
    for q in queries:  # warm: caches, ONNX kernels
        mem.recall(q, project=project)
    lat = sorted(timed_recalls(mem, queries, project, rounds))
    return {"p50": round(statistics.median(lat), 2), "p95": round(lat[int(len(lat) * 0.95)], 2)}


def breakdown(mem, queries: list[str], project: str | None, rounds: int = 10) -> dict:
    """Median wall ms of each part of a recall, timed in place: the channels (the keyword
    channel runs on a worker thread beside the others, so parts overlap), the whole
    retriever, the record fetch, and the CPU time of the whole recall."""
    parts: dict[str, list[float]] = {}

    def timed(obj, attr: str, label: str):
        real = getattr(obj, attr)

        def wrapper(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return real(*args, **kwargs)
            finally:
                parts.setdefault(label, []).append((time.perf_counter() - t0) * 1000)

        setattr(obj, attr, wrapper)
        return real

    originals = [(ch, "search", timed(ch, "search", f"channel {ch.name}")) for ch in mem.retriever.channels]
    whole = "retriever (all channels, fusion)"
    originals.append((mem.retriever, "search", timed(mem.retriever, "search", whole)))
    originals.append((mem.store, "get", timed(mem.store, "get", "record fetch (LanceDB)")))
    for q in queries:
        mem.recall(q, k=10, project=project)
    parts.clear()
    cpu = timed_recalls(mem, queries, project, rounds, clock=time.process_time)
    for obj, attr, real in originals:
        setattr(obj, attr, real)
    out = {label: round(statistics.median(v), 2) for label, v in parts.items()}
    return out | {"CPU time of a recall": round(statistics.median(cpu), 2)}


def real_questions(rng: random.Random, n: int) -> list[str]:
    """LoCoMo's questions (people's wording, not stored texts) as probes of the index."""
    path = SHARED / "locomo_dev.json"
    if not path.exists():
        return []
    qs = [str(qa["question"]) for sample in json.loads(path.read_text()) for qa in sample["qa"]]
    return rng.sample(qs, min(n, len(qs)))


def index_recall(mem, queries: list[str], shares=(0.10, 0.15, 0.20), k: int = 10) -> dict:
    """Recall@k of the inverted lists against an exact scan of the same in-RAM vectors,
    reading at least each share of the lists (0.15 is memd's default)."""
    from memd.retrieval import ivf as ivf_module

    snap = mem.index.snapshot()
    if snap.ivf is None:
        return {}
    vectors = mem.embedder.embed(queries)
    default = ivf_module.MIN_PROBE_SHARE
    out = {}
    try:
        for share in shares:
            ivf_module.MIN_PROBE_SHARE = share
            found = []
            for vector in vectors:
                exact = np.argsort(-snap.cosines(vector))[:k]
                approx = np.argsort(-snap.scores(vector, None))[:k]
                found.append(len(set(exact) & set(approx)) / k)
            out[f"share_{share:.2f}"] = round(float(np.mean(found)), 3)
    finally:
        ivf_module.MIN_PROBE_SHARE = default
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--breakdown", action="store_true", help="also time each part of a recall")
    args = ap.parse_args()
    rng = random.Random(7)
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            home = Path(tmp) / f"h{size}"
            rss0 = rss_mb()
            mem = memd.open(home)
            fill_s = fill(mem, size, rng)
            all_p = measure(mem, QUESTIONS, None)
            one_p = measure(mem, QUESTIONS, "proj1")
            named_p = measure(mem, NAMED_QUESTIONS, None)
            anchored_p = measure(mem, ANCHORED_QUESTIONS, None)
            ivf_recall = index_recall(mem, QUESTIONS + NAMED_QUESTIONS + real_questions(rng, 200))
            t0 = time.perf_counter()
            for i in range(50):
                mem.remember(f"fresh single memory {i} about {rng.choice(OBJECTS)}", project="proj1")
            single_ms = (time.perf_counter() - t0) / 50 * 1000
            row = {
                "memories": size,
                "load_s": round(fill_s, 1),
                "recall_ms_all_projects": all_p,
                "recall_ms_one_project": one_p,
                "recall_ms_naming_an_author": named_p,
                "recall_ms_one_side_of_an_event": anchored_p,
                "remember_ms": round(single_ms, 1),
                "ivf_recall_at_10": ivf_recall,
                "rss_mb": round(rss_mb(), 0),
                "rss_start_mb": round(rss0, 0),
            }
            if args.breakdown:
                row["breakdown_ms"] = breakdown(mem, QUESTIONS, None)
                row["breakdown_ms_one_project"] = breakdown(mem, QUESTIONS, "proj1")
            out.append(row)
            mem.close()
            del mem
            if not args.json:
                print(row, flush=True)
    if args.json:
        print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
