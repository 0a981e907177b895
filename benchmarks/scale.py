"""Recall latency and memory at scale: 10k and 100k synthetic memories, in-process.

Each memory has an author (one of six); a third set of questions names one of them.

Texts are generated from coding-agent templates; 2,000 distinct texts are embedded
with the real model and every stored vector is one of them plus a little noise, so
100k rows load in a minute while queries still run the full real path (query
embedding, keyword index, vector scan, fusion, record fetch).

    python benchmarks/scale.py --sizes 10000 100000 --json
    python benchmarks/scale.py --sizes 100000 --breakdown   # where a recall's time goes
"""

from __future__ import annotations

import argparse
import json
import random
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


def fill(mem, size: int, rng: random.Random, base_texts: list[str], base_vecs: np.ndarray) -> float:
    t0 = time.perf_counter()
    now = time.time()
    batch = []
    nprng = np.random.default_rng(rng.randrange(1 << 30))
    for n in range(size):
        j = rng.randrange(len(base_texts))
        item = NewMemory(text=f"{base_texts[j]} #{n}", project=f"proj{n % 5}", author=rng.choice(AUTHORS))
        row = mem.prepare_many([item])[0]
        vec = base_vecs[j] + nprng.normal(0, 0.02, base_vecs.shape[1]).astype(np.float32)
        row["vector"] = (vec / np.linalg.norm(vec)).tolist()
        batch.append(row)
        if len(batch) == 5000:
            mem.store.add(batch)
            batch = []
    mem.store.add(batch)
    mem.store.compact()
    del now
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
            base_texts = [synthetic_text(rng, i) for i in range(2000)]
            base_vecs = mem.embedder.embed(base_texts)
            fill_s = fill(mem, size, rng, base_texts, base_vecs)
            all_p = measure(mem, QUESTIONS, None)
            one_p = measure(mem, QUESTIONS, "proj1")
            named_p = measure(mem, NAMED_QUESTIONS, None)
            anchored_p = measure(mem, ANCHORED_QUESTIONS, None)
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
