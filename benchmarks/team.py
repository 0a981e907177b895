"""The team store on an S3-compatible server beside local disk, and many writers at once.

Starts a real S3-compatible server on 127.0.0.1 (moto in server mode: in-process Python,
so its latency is not a cloud bucket's — read the object-store figures as "what memd adds
over the store", not as S3's speed) and measures, in one run:

- **ingest** (memories a second, batches of 50) and **recall** (p50 / p95, warm, k=10) on
  the same memories in a local store and in a store in the bucket;
- **writers at once**: ``--agents`` processes split over ``--homes`` memd homes (as agents
  on several machines would be) each write ``--writes`` shared memories; afterwards every
  acknowledged id is looked up: lost and doubled writes (both must be 0), commit conflicts
  retried, write latency p50 / p99. Twice: through a daemon per home (the agents are its
  clients; the daemons hold the team store) and with each agent opening the store itself.

    python benchmarks/team.py                      # 500 memories, 10 agents x 30 writes, 3 homes
    python benchmarks/team.py --through daemons    # only the daemon run of the writers
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BUCKET = "memd-bench"
WORDS = "deploy queue retry cache index schema token worker billing search auth webhook".split()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server() -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.1)
    endpoint = f"http://127.0.0.1:{port}"
    import boto3

    boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
        region_name="us-east-1",
    ).create_bucket(Bucket=BUCKET)
    return proc, endpoint


def texts(n: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    return [
        f"note {i}: the {rng.choice(WORDS)} service uses the {rng.choice(WORDS)} {rng.choice(WORDS)} "
        f"with limit {rng.randrange(1000)}"
        for i in range(n)
    ]


def measure_store(uri: str | None, home: Path, n: int) -> dict:
    import memd
    from memd.config import load_settings

    settings = load_settings(home, store_uri=uri, distill=False)
    m = memd.open_with(settings)
    items = [{"text": t, "project": "bench"} for t in texts(n)]
    t0 = time.perf_counter()
    for start in range(0, n, 50):
        m.remember_many(items[start : start + 50])
    ingest = n / (time.perf_counter() - t0)
    queries = [f"which {w} service" for w in WORDS]
    for q in queries:  # warm
        m.recall(q, k=10, project="bench")
    lat = []
    for i in range(60):
        t0 = time.perf_counter()
        m.recall(queries[i % len(queries)], k=10, project="bench")
        lat.append((time.perf_counter() - t0) * 1000)
    m.close()
    lat.sort()
    return {
        "memories_per_s": round(ingest, 1),
        "recall_p50_ms": round(statistics.median(lat), 1),
        "recall_p95_ms": round(lat[int(len(lat) * 0.95)], 1),
    }


WRITER = """
import json, sys, time
import memd
from memd.config import load_settings
from memd.store import conflicts
from memd.team.view import remember_shared
home, agent, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
api = memd.connect(load_settings(home))
ids, texts, queued, lat, errors = [], [], 0, [], []
for i in range(n):
    t0 = time.perf_counter()
    try:
        text = f"agent {agent} learned fact {i}: queue {i} retries"
        record = remember_shared(api, text, project="bench")
        texts.append(text)
        if "queued" in record.tags:  # kept in the home's outbox: no store id yet
            queued += 1
        else:
            ids.append(record.id)
        lat.append((time.perf_counter() - t0) * 1000)
    except Exception as exc:
        errors.append(repr(exc)[:300])
api.close()
print(json.dumps({"ids": ids, "texts": texts, "queued": queued, "lat": lat[1:], "errors": errors,
                  "retried": conflicts.retried}))
"""


def writers(endpoint: str, tmp: Path, agents: int, homes: int, writes: int, through: str) -> dict:
    """``through``: "daemons" (a daemon per home, the agents its clients) or "processes"
    (each agent opens the team store itself)."""
    uri = f"s3://{BUCKET}/{through}"
    env = {
        **os.environ,
        "MEMD_TEAM_URI": uri,
        "MEMD_DISTILL": "false",
        "PYTHONPATH": str(ROOT),
    }
    homes_dirs = [tmp / through / f"home{h}" for h in range(homes)]
    started = []
    if through == "daemons":
        from memd.config import load_settings
        from memd.daemon import control

        os.environ.update({k: v for k, v in env.items() if k.startswith(("MEMD_", "AWS_"))})
        for home in homes_dirs:
            control.start(load_settings(home))
            started.append(load_settings(home))
    else:
        env["MEMD_NO_DAEMON"] = "1"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(homes_dirs[a % homes]), str(a), str(writes)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for a in range(agents)
    ]
    results, crashed = [], []
    for p in procs:
        out, err = p.communicate(timeout=1800)
        if p.returncode != 0:
            crashed.append(err[-500:])
        else:
            results.append(json.loads(out.strip().splitlines()[-1]))
    import memd
    from memd.config import load_settings
    from memd.daemon import control

    retried_in_daemons = 0
    for settings in started:
        retried_in_daemons += int(control.status(settings).get("conflicts_retried") or 0)
        control.stop(settings)
    os.environ.update({k: v for k, v in env.items() if k.startswith(("MEMD_TEAM", "AWS_"))})
    # A write queued in a home's outbox (its lock busy, the bucket slow) is acknowledged as
    # queued: the next open from that home sends it. Send them, then count by text as well.
    for home in homes_dirs:
        memd.open_team(load_settings(home, team_uri=uri)).close()
    team = memd.open_team(load_settings(tmp / "reader", team_uri=uri))
    # Superseded rows too: a shared write that a later one replaced (auto-supersession of a
    # fact with a new value) is history, not lost.
    rows = team.list(project="bench", limit=None, include_archived=True)
    team.close()
    stored = [r.id for r in rows]
    stored_texts = [r.text for r in rows]
    superseded = sum(1 for r in rows if r.superseded_by)
    acked = [i for r in results for i in r["ids"]]
    acked_texts = [t for r in results for t in r["texts"]]
    lat = sorted(v for r in results for v in r["lat"])
    return {
        "through": through,
        "agents": agents,
        "homes": homes,
        "writes_each": writes,
        "acknowledged": len(acked_texts),  # stored at once, or queued in the outbox
        "errors": sum(len(r["errors"]) for r in results) + len(crashed),
        "error_samples": [e for r in results for e in r["errors"]][:3] + crashed[:2],
        "queued_then_sent": sum(r["queued"] for r in results),
        "superseded_by_a_later_write": superseded,
        "lost": len(set(acked_texts) - set(stored_texts)),
        "ids_not_found": len(set(acked) - set(stored)),  # acknowledged with an id it does not have
        "lost_samples": sorted(set(acked_texts) - set(stored_texts))[:5],
        "doubled": len(acked) - len(set(acked)) + len(stored_texts) - len(set(stored_texts)),
        "conflicts_retried": sum(r["retried"] for r in results) + retried_in_daemons,
        "write_p50_ms": round(statistics.median(lat), 1) if lat else None,
        "write_p99_ms": round(lat[min(len(lat) - 1, int(len(lat) * 0.99))], 1) if lat else None,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--memories", type=int, default=500)
    ap.add_argument("--agents", type=int, default=10)
    ap.add_argument("--homes", type=int, default=3)
    ap.add_argument("--writes", type=int, default=30)
    ap.add_argument("--through", choices=("both", "daemons", "processes"), default="both")
    args = ap.parse_args()
    modes = ("daemons", "processes") if args.through == "both" else (args.through,)
    proc, endpoint = start_server()
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": endpoint,
        }
    )
    try:
        with tempfile.TemporaryDirectory() as tmp:
            report: dict = {}
            if args.through == "both":
                report["local"] = measure_store(None, Path(tmp) / "local", args.memories)
                report["object_store"] = measure_store(
                    f"s3://{BUCKET}/single", Path(tmp) / "s3", args.memories
                )
            for mode in modes:
                report[f"writers_{mode}"] = writers(
                    endpoint, Path(tmp), args.agents, args.homes, args.writes, mode
                )
    finally:
        proc.terminate()
    print(json.dumps(report, indent=2))
    runs = [report[f"writers_{mode}"] for mode in modes]
    return 0 if all(r["lost"] == r["doubled"] == r["ids_not_found"] == 0 for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
