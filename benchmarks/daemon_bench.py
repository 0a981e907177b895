"""The daemon as people and agents meet it.

- `memd recall` wall time with the daemon up (a whole CLI process, cold Python)
- how soon a saved Markdown file is searchable through a watch
- daemon idle CPU, and RSS with N memories (the store is pre-filled in-process
  with the scale benchmark's synthetic memories, then served by the daemon)

    python benchmarks/daemon_bench.py --memories 100000
    python benchmarks/daemon_bench.py --reuse /tmp/d100k   # build once, copy per run
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
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


def rss_by_mapping(pid: int, top: int = 8) -> dict[str, float]:
    """Resident MB per mapped file ("[anon]" for the heap and anonymous memory)."""
    sizes: dict[str, int] = {}
    name = "[anon]"
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        head = line.split()
        if head and "-" in head[0] and not head[0].endswith(":"):
            name = Path(head[5]).name if len(head) > 5 and not head[5].startswith("[") else "[anon]"
        elif head and head[0] == "Rss:":
            sizes[name] = sizes.get(name, 0) + int(head[1])
    ranked = sorted(sizes.items(), key=lambda kv: -kv[1])[:top]
    return {k: round(v / 1024, 1) for k, v in ranked}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--memories", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument(
        "--reuse",
        type=Path,
        help="keep the filled store in this directory and start each run from a copy of it "
        "(filling 100k memories takes a while; the copy makes runs comparable)",
    )
    ap.add_argument("--smaps", action="store_true", help="also report the daemon's memory by mapping")
    args = ap.parse_args()
    exe = str(Path(sys.executable).parent / "memd")
    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        built = args.reuse if args.reuse is not None else home
        if not (built / "store").is_dir():
            mem = memd.open(built)
            rng = random.Random(3)
            base = [scale.synthetic_text(rng, i) for i in range(2000)]
            scale.fill(mem, args.memories, rng, base, mem.embedder.embed(base))
            mem.close()
            del mem
        if built != home:
            shutil.copytree(built, home)
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
            seen = []
            for _ in range(20):
                time.sleep(0.5)
                seen.append(proc_stat(pid)[1])
            cpu1, rss = proc_stat(pid)
            out["idle_cpu_percent"] = round((cpu1 - cpu0) / 10 * 100, 2)
            out["rss_mb"] = round(rss, 1)
            out["rss_idle_range_mb"] = [round(min(seen), 1), round(max(seen), 1)]
            if args.smaps:
                out["rss_by_mapping_mb"] = rss_by_mapping(pid)
            out["memories"] = client.stats().total
            client.close()
        finally:
            control.stop(settings)
            if args.smaps:
                log = (home / "daemon.log").read_text(errors="replace").splitlines()
                out["daemon_log"] = [line for line in log if "index loaded" in line or "ERROR" in line]
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
