"""Concurrency under load: many clients of every kind at once, with the daemon and without.

Clients, each its own process, share one data directory:

- **socket**: ``memd.daemon.client.connect`` (with the daemon only);
- **library**: ``memd.connect(settings)`` — the daemon's client when one serves the home,
  else an in-process service contending for the store's write lock with the others;
- **mcp**: a real ``memd mcp serve`` over stdio driven by an MCP client;
- **cli**: one ``memd`` process per operation (``remember`` / ``recall`` / ``list``).

Each client runs a seeded mix (remember 35 %, recall 40 %, get 15 %, list 5 %, stats 5 %;
the CLI's has no get/stats) with texts unique to the client and operation, and reports the
ids it was given back. Checked afterwards, in a fresh process: 0 errors, every
acknowledged write stored, none twice, nothing stored that nobody acknowledged; latency
per operation (p50 / p99) by client kind.

    python benchmarks/concurrency.py --clients 16 --ops 10000            # both modes
    python benchmarks/concurrency.py --clients 8 --ops 400 --mode daemon

``--ops`` is the total over all clients of a mode; CLI clients do a fiftieth of a client's
share without the daemon (each operation there starts Python and loads the model).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

KINDS_DAEMON = ("socket", "library", "mcp", "cli")
KINDS_ALONE = ("library", "mcp", "cli")
MIX = (("remember", 35), ("recall", 40), ("get", 15), ("list", 5), ("stats", 5))
CLI_MIX = (("remember", 45), ("recall", 45), ("list", 10))


def _plan(worker: int, n: int, mix: tuple[tuple[str, int], ...]) -> list[tuple[str, str]]:
    rng = random.Random(worker)
    ops = rng.choices([m for m, _ in mix], [w for _, w in mix], k=n)
    return [
        (op, f"client {worker} note {i}: service {rng.randrange(50)} listens on port {rng.randrange(9000)}")
        for i, op in enumerate(ops)
    ]


def _timed(lat: dict[str, list[float]], op: str, started: float) -> None:
    """A client's first operation loads what it needs (the model, a connection): it is
    kept apart as ``cold`` so that p99 speaks of a working client."""
    key = op if lat else "cold"
    lat.setdefault(key, []).append((time.perf_counter() - started) * 1000)


def _api_worker(home: Path, kind: str, worker: int, n: int) -> dict:
    """socket and library clients: the same calls through MemoryAPI."""
    if kind == "socket":
        from memd.daemon.client import connect

        api = connect(home)
        assert api is not None, "no daemon answers"
    else:
        import memd
        from memd.config import load_settings

        api = memd.connect(load_settings(home))
    acked: list[str] = []
    errors: list[str] = []
    lat: dict[str, list[float]] = {}
    for op, text in _plan(worker, n, MIX):
        t0 = time.perf_counter()
        try:
            if op == "remember":
                acked.append(api.remember(text, project=f"p{worker % 3}").id)
            elif op == "recall":
                api.recall(text.split(":")[1], k=5)
            elif op == "get":
                if acked:
                    api.get(random.Random(t0).choice(acked))
            elif op == "list":
                api.list(limit=5)
            else:
                api.stats()
            _timed(lat, op, t0)
        except Exception as exc:  # counted, not raised: the run reports every failure
            errors.append(f"{op}: {exc!r}")
    api.close()
    return {"acked": acked, "errors": errors, "lat": lat}


def _mcp_worker(home: Path, worker: int, n: int) -> dict:
    import anyio
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    async def run() -> dict:
        params = StdioServerParameters(
            command=str(Path(sys.executable).parent / "memd"),
            args=["mcp", "serve", "--project", f"p{worker % 3}"],
            env={**os.environ, "MEMD_HOME": str(home)},
        )
        acked: list[str] = []
        errors: list[str] = []
        lat: dict[str, list[float]] = {}
        calls = {"remember": "remember", "recall": "recall", "get": "get", "list": "recent", "stats": "stats"}
        async with Client(params, read_timeout_seconds=300) as c:
            for op, text in _plan(worker, n, MIX):
                if op == "get" and not acked:
                    continue
                args = {
                    "remember": {"text": text},
                    "recall": {"query": text.split(":")[1], "k": 5},
                    "get": {"id": acked[-1] if acked else ""},
                    "list": {"limit": 5},
                    "stats": {},
                }[op]
                t0 = time.perf_counter()
                try:
                    r = await c.call_tool(calls[op], args)
                    if r.is_error:
                        raise RuntimeError(str(r.content)[:300])
                    if op == "remember":
                        acked.append(r.structured_content["id"])
                    _timed(lat, op, t0)
                except Exception as exc:
                    errors.append(f"{op}: {exc!r}")
        return {"acked": acked, "errors": errors, "lat": lat}

    return anyio.run(run)


def _cli_worker(home: Path, worker: int, n: int) -> dict:
    exe = str(Path(sys.executable).parent / "memd")
    env = {**os.environ, "MEMD_HOME": str(home)}
    acked: list[str] = []
    errors: list[str] = []
    lat: dict[str, list[float]] = {}
    for op, text in _plan(worker, n, CLI_MIX):
        argv = {
            "remember": ["remember", "--project", f"p{worker % 3}", text],
            "recall": ["recall", "--project", f"p{worker % 3}", text.split(":")[1]],
            "list": ["list", "--limit", "5"],
        }[op]
        t0 = time.perf_counter()
        done = subprocess.run([exe, *argv, "--json"], capture_output=True, text=True, env=env, timeout=300)
        if done.returncode != 0:
            errors.append(f"{op}: exit {done.returncode}: {done.stderr[-300:]}")
            continue
        _timed(lat, op, t0)
        if op == "remember":
            acked.append(json.loads(done.stdout)["id"])
    return {"acked": acked, "errors": errors, "lat": lat}


def worker_main(home: Path, kind: str, worker: int, n: int) -> None:
    if kind == "mcp":
        out = _mcp_worker(home, worker, n)
    elif kind == "cli":
        out = _cli_worker(home, worker, n)
    else:
        out = _api_worker(home, kind, worker, n)
    print(json.dumps({"kind": kind, **out}))


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * q))], 1) if ordered else 0.0


def run_mode(home: Path, *, daemon: bool, clients: int, ops: int) -> dict:
    """One mode: start the daemon (or not), run the clients at once, check the store."""
    from memd.config import load_settings
    from memd.daemon import control

    settings = load_settings(home)
    import memd

    memd.open_with(settings).close()  # created once, before the clients race to create it
    if daemon:
        control.start(settings)
    kinds = KINDS_DAEMON if daemon else KINDS_ALONE
    share = max(1, ops // clients)
    env = {**os.environ, "MEMD_HOME": str(home), "PYTHONPATH": str(ROOT)}
    if not daemon:
        env["MEMD_NO_DAEMON"] = "1"
    procs = []
    started = time.perf_counter()
    for w in range(clients):
        kind = kinds[w % len(kinds)]
        n = share if (daemon or kind != "cli") else max(1, share // 50)
        procs.append(
            subprocess.Popen(
                [sys.executable, __file__, "--worker", kind, str(w), str(n), str(home)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
        )
    results, crashed = [], []
    for p in procs:
        out, err = p.communicate(timeout=3600)
        if p.returncode != 0:
            crashed.append(err[-1000:])
            continue
        results.append(json.loads(out.strip().splitlines()[-1]))
    wall = time.perf_counter() - started
    try:
        if daemon:
            control.stop(settings)
        check = memd.open_with(load_settings(home))
        stored = [r.id for r in check.list(limit=None)]
        check.close()
    finally:
        if daemon and control.status(settings).get("running"):
            control.stop(settings)
    acked = [i for r in results for i in r["acked"]]
    by_kind: dict[str, dict[str, list[float]]] = {}
    for r in results:
        for op, values in r["lat"].items():
            by_kind.setdefault(r["kind"], {}).setdefault(op, []).extend(values)
    every = [v for ops_ in by_kind.values() for op, values in ops_.items() if op != "cold" for v in values]
    return {
        "mode": "daemon" if daemon else "in-process",
        "clients": clients,
        "operations": len(every) + sum(len(o.get("cold", [])) for o in by_kind.values()),
        "wall_s": round(wall, 1),
        "errors": sum(len(r["errors"]) for r in results) + len(crashed),
        "error_samples": [e for r in results for e in r["errors"]][:5] + crashed[:2],
        "acknowledged_writes": len(acked),
        "lost": len(set(acked) - set(stored)),
        "duplicated": len(acked) - len(set(acked)) + len(stored) - len(set(stored)),
        "unacknowledged_stored": len(set(stored) - set(acked)),
        "p50_ms": _percentile(every, 0.5),
        "p99_ms": _percentile(every, 0.99),
        "by_kind": {
            kind: {
                op: {"n": len(v), "p50_ms": _percentile(v, 0.5), "p99_ms": _percentile(v, 0.99)}
                for op, v in sorted(ops_.items())
            }
            for kind, ops_ in sorted(by_kind.items())
        },
    }


def run(clients: int, ops: int, modes: tuple[str, ...] = ("daemon", "in-process")) -> list[dict]:
    reports = []
    for mode in modes:
        with tempfile.TemporaryDirectory() as tmp:
            reports.append(run_mode(Path(tmp) / "home", daemon=mode == "daemon", clients=clients, ops=ops))
    return reports


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--ops", type=int, default=10_000, help="operations in all, per mode")
    ap.add_argument("--mode", choices=["daemon", "in-process", "both"], default="both")
    ap.add_argument("--worker", nargs=4, metavar=("KIND", "N", "OPS", "HOME"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        kind, worker, n, home = args.worker
        worker_main(Path(home), kind, int(worker), int(n))
        return 0
    modes = ("daemon", "in-process") if args.mode == "both" else (args.mode,)
    reports = run(args.clients, args.ops, modes)
    print(json.dumps(reports, indent=2))
    return 0 if all(r["errors"] == r["lost"] == r["duplicated"] == 0 for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
