"""Crash trials: the daemon killed with SIGKILL at a random moment of real work, then
started again on the same home, over and over.

Each trial starts the daemon, runs a workload process against it (single remembers,
supersessions, batches of conversation turns that are distilled, archiving, pinning,
maintenance passes — tier moves, consolidation, compaction — and now and then a full
reindex), kills the daemon after a random delay, starts it again and checks:

- it starts (the store opens, the journal replays);
- every memory whose write was acknowledged is there, exactly once (its text once);
- no memory is half-written (text, kind, project, hash, times set; a vector or a
  compressed vector on every memory once the restart has embedded what was pending);
- the daemon's in-RAM index holds the same memories, with the same flags, as the store.

    python benchmarks/crash.py --trials 200          # the issue's figure (~15 minutes)
    python benchmarks/crash.py --trials 5 --json     # a look
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

WORKLOAD = textwrap.dedent(
    """
    import os, random, sys
    sys.path.insert(0, sys.argv[3])
    from memd.daemon.client import connect
    from memd.errors import DaemonUnavailableError, MemdError
    home, acked_path, _, seed = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    rng = random.Random(seed)
    c = connect(__import__("pathlib").Path(home), timeout=30)
    fd = os.open(acked_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    def ack(id, text):
        os.write(fd, (id + "\\t" + text.replace("\\n", " ") + "\\n").encode())
        os.fsync(fd)
    n = 0
    last = []
    while True:
        n += 1
        op = rng.random()
        tag = f"{seed}-{n}"
        try:
            if op < 0.45:
                svc = rng.choice(['billing', 'search', 'auth', 'queue'])
                text = f"note {tag}: the {svc} service keeps {rng.randint(1, 99)} workers"
                r = c.remember(text, project=rng.choice(["a", "b"]))
                ack(r.id, text); last.append(r.id)
            elif op < 0.6 and last:
                text = f"update {tag}: the service now keeps {rng.randint(100, 199)} workers"
                r = c.remember(text, project="a", supersedes=rng.choice(last))
                ack(r.id, text); last.append(r.id)
            elif op < 0.8:
                turns = [f"from now on, prefix {tag} helpers with `p{rng.randint(0, 9)}_`", f"thanks {tag}"]
                items = [{"text": t, "project": "chat", "source": "import", "author": "user"} for t in turns]
                ids = c.remember_many(items)
                for i, t in zip(ids, turns):
                    ack(i, t)
            elif op < 0.85 and last:
                c.forget(rng.choice(last))
            elif op < 0.9 and last:
                c.pin(rng.choice(last))
            elif op < 0.98:
                c.maintain()
            else:
                c.reindex()
        except MemdError as exc:
            if isinstance(exc, DaemonUnavailableError):
                break
        except Exception:
            break  # the socket went away mid-call: the daemon was killed
    """
)


def _is_daemon_of(pid: int, home: Path) -> bool:
    """The process holds a file of this home open (its lock): it is this home's daemon,
    not a process that reused a stale pid (another memd daemon included)."""
    home = home.resolve()
    try:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if Path(os.readlink(fd)).is_relative_to(home):
                    return True
            except OSError:
                continue
    except OSError:
        return False
    return False


def _start(home: Path) -> dict:
    sys.path.insert(0, str(ROOT))
    from memd.config import load_settings
    from memd.daemon import control

    return control.start(load_settings(home))


def _stop(home: Path) -> None:
    from memd.config import load_settings
    from memd.daemon import control

    control.stop(load_settings(home))


def _client(home: Path):
    from memd.daemon.client import connect

    return connect(home, timeout=60)


def check(home: Path, acked: list[tuple[str, str]]) -> dict:
    """What must hold after a restart; returns the problems found (empty: none)."""
    c = _client(home)
    problems: dict[str, object] = {}
    rows = c.list(project=None, limit=None, include_archived=True)
    by_id = {r.id: r for r in rows}
    missing = [i for i, _ in acked if i not in by_id]
    if missing:
        problems["acknowledged_missing"] = len(missing)
    # A memory memd learned from a turn may repeat its words; it is a memory of its own.
    texts = Counter(" ".join(r.text.split()) for r in rows if r.source != "distill")
    twice = [t for _, t in acked if texts.get(" ".join(t.split()), 0) > 1]
    if twice:
        problems["acknowledged_twice"] = twice[:5]
    half = [r.id for r in rows if not (r.text and r.kind and r.project and r.content_hash and r.created_at)]
    if half:
        problems["half_written"] = len(half)
    deadline = time.monotonic() + 120
    verify = c.call("verify")
    while (verify["without_vector"] or not verify["index_ok"]) and time.monotonic() < deadline:
        time.sleep(0.5)  # the restart embeds what the crash left pending, after it answers
        verify = c.call("verify")
    if not verify["index_ok"]:
        problems["index_mismatch"] = {
            k: verify[k] for k in ("in_index", "in_store", "only_in_index", "only_in_store", "flags_differ")
        }
    if verify["without_vector"]:
        problems["without_vector"] = verify["without_vector"]
    return problems


def trial(home: Path, seed: int, rng: random.Random, max_delay: float = 4.0) -> dict:
    info = _start(home)
    if not info.get("started") and not info.get("pid"):
        return {"seed": seed, "problems": {"did_not_start": info}}
    acked_path = home.parent / f"acked-{seed}.tsv"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKLOAD, str(home), str(acked_path), str(ROOT), str(seed)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    delay = rng.uniform(0.3, max_delay)
    time.sleep(delay)
    from memd.daemon import pid_path

    pid = int(pid_path(home).read_text()) if pid_path(home).exists() else None
    if pid and _is_daemon_of(pid, home):  # never a reused pid: another program's process
        os.kill(pid, signal.SIGKILL)
    worker.wait(timeout=120)
    t0 = time.perf_counter()
    restarted = _start(home)
    restart_s = time.perf_counter() - t0
    if not restarted.get("started"):
        return {"seed": seed, "problems": {"did_not_restart": restarted}}
    acked = []
    if acked_path.exists():
        for line in acked_path.read_text().splitlines():
            i, _, t = line.partition("\t")
            acked.append((i, t))
    problems = check(home, acked)
    _stop(home)
    return {
        "seed": seed,
        "killed_after_s": round(delay, 2),
        "acked": len(acked),
        "restart_s": round(restart_s, 2),
        "problems": problems,
    }


def run(trials: int, seed: int = 1, home: Path | None = None, max_delay: float = 4.0) -> dict:
    if home is not None:
        return _run(trials, seed, home, max_delay)
    with tempfile.TemporaryDirectory() as tmp:
        return _run(trials, seed, Path(tmp) / "home", max_delay)


def _run(trials: int, seed: int, home: Path, max_delay: float) -> dict:
    rng = random.Random(seed)
    results = []
    for n in range(trials):
        r = trial(home, seed * 10_000 + n, rng, max_delay)
        results.append(r)
        print(
            f"  trial {n + 1}/{trials}: {r.get('acked', 0)} acked, problems {r['problems'] or 'none'}",
            file=sys.stderr,
            flush=True,
        )
    failed = [r for r in results if r["problems"]]
    restarts = sorted(r["restart_s"] for r in results if "restart_s" in r)
    return {
        "trials": len(results),
        "failed": len(failed),
        "acknowledged": sum(r.get("acked", 0) for r in results),
        "restart_s_p50": restarts[len(restarts) // 2] if restarts else None,
        "restart_s_max": restarts[-1] if restarts else None,
        "failures": failed[:10],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trials", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--home", type=Path, help="keep the store here (to look at it after)")
    args = ap.parse_args()
    report = run(args.trials, args.seed, args.home)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(
            f"{report['trials']} trials, {report['failed']} with a problem; "
            f"{report['acknowledged']} acknowledged writes checked; "
            f"restart p50 {report['restart_s_p50']} s, max {report['restart_s_max']} s"
        )
        for f in report["failures"]:
            print("  ", f)
    return 1 if report["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
