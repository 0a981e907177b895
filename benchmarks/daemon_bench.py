"""The daemon as people and agents meet it.

- `memd recall` wall time with the daemon up (a whole CLI process, cold Python)
- how soon a saved Markdown file is searchable through a watch
- daemon idle CPU, and RSS with N memories (the store is pre-filled in-process
  with the scale benchmark's synthetic memories, then served by the daemon)

    python benchmarks/daemon_bench.py --memories 100000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import scale  # noqa: E402

import memd  # noqa: E402
from memd.config import load_settings  # noqa: E402
from memd.daemon import control  # noqa: E402
from memd.daemon.client import connect  # noqa: E402


def proc_stat(pid: int) -> tuple[float, float]:
    fields = Path(f"/proc/{pid}/stat").read_text().split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[13]) + int(fields[14])) / ticks
    rss = int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    return cpu, rss


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--memories", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    exe = str(Path(sys.executable).parent / "memd")
    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        mem = memd.open(home)
        rng = random.Random(3)
        base = [scale.synthetic_text(rng, i) for i in range(2000)]
        scale.fill(mem, args.memories, rng, base, mem._embedder.embed(base))
        mem.close()
        del mem
        settings = load_settings(home)
        env = {**os.environ, "MEMD_HOME": str(home)}
        control.start(settings)
        try:
            client = connect(home)
            pid = client.status()["pid"]
            client.recall("warm up the caches", k=10)
            walls = []
            for i in range(args.runs):
                t0 = time.perf_counter()
                subprocess.run(
                    [exe, "recall", scale.QUESTIONS[i % len(scale.QUESTIONS)]],
                    env=env,
                    capture_output=True,
                    check=True,
                )
                walls.append((time.perf_counter() - t0) * 1000)
            out["cli_recall_wall_ms"] = {
                "p50": round(statistics.median(walls), 1),
                "p95": round(sorted(walls)[int(len(walls) * 0.95)], 1),
            }
            api = []
            for i in range(100):
                t0 = time.perf_counter()
                client.recall(scale.QUESTIONS[i % len(scale.QUESTIONS)], k=10)
                api.append((time.perf_counter() - t0) * 1000)
            out["socket_recall_ms"] = {
                "p50": round(statistics.median(api), 1),
                "p95": round(sorted(api)[94], 1),
            }

            docs = Path(tmp) / "docs"
            docs.mkdir()
            client.call("watch_add", path=str(docs), project="bench-docs")
            time.sleep(1)
            lat = []
            for i in range(10):
                token = f"zebra{i}quokka"
                t0 = time.perf_counter()
                (docs / f"note{i}.md").write_text(f"# Note {i}\nThe codename is {token}.\n")
                while not any(
                    token in h.memory.text for h in client.recall(token, project="bench-docs", k=3)
                ):
                    if time.perf_counter() - t0 > 30:
                        break
                    time.sleep(0.02)
                lat.append((time.perf_counter() - t0) * 1000)
            out["markdown_searchable_ms"] = {
                "p50": round(statistics.median(lat), 1),
                "max": round(max(lat), 1),
            }

            time.sleep(8)  # let compaction and checkpoints settle
            cpu0, _ = proc_stat(pid)
            time.sleep(10)
            cpu1, rss = proc_stat(pid)
            out["idle_cpu_percent"] = round((cpu1 - cpu0) / 10 * 100, 2)
            out["rss_mb"] = round(rss, 1)
            out["memories"] = client.stats().total
            client.close()
        finally:
            control.stop(settings)
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
