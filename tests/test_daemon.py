"""A real daemon process: many clients, crashes, stale files, the wire protocol."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from memd.config import load_settings
from memd.daemon import control, pid_path, socket_path
from memd.daemon.client import DaemonClient, connect
from memd.errors import DaemonUnavailableError, NotFoundError

pytestmark = pytest.mark.slow


@pytest.fixture
def daemon(home: Path):
    settings = load_settings(home)
    info = control.start(settings)
    assert info["started"] is True
    yield settings
    control.stop(settings)


def test_start_status_stop_and_files(daemon, home: Path):
    assert (socket_path(home).stat().st_mode & 0o777) == 0o600
    assert (home.stat().st_mode & 0o777) == 0o700
    status = control.status(daemon)
    assert status["running"] and status["memories"] == 0 and status["model"] == "minilm-l6-int8"
    again = control.start(daemon)
    assert again["started"] is False and again["pid"] == status["pid"]
    control.stop(daemon)
    assert not socket_path(home).exists() and not pid_path(home).exists()
    assert control.status(daemon)["running"] is False
    control.start(daemon)  # the fixture stops it


def test_cli_goes_through_the_daemon(daemon, home: Path):
    runner = CliRunner()
    r = runner.invoke(app, ["remember", "The daemon serves this memory", "-p", "d", "--json"])
    assert r.exit_code == 0, r.output
    rec = json.loads(r.stdout)
    hits = json.loads(runner.invoke(app, ["recall", "daemon serves", "-p", "d", "--json"]).stdout)
    assert hits[0]["memory"]["id"] == rec["id"]
    r = runner.invoke(app, ["show", "0000000000000000"])
    assert r.exit_code == 1 and "no memory has the id" in r.stderr
    s = json.loads(runner.invoke(app, ["daemon", "status", "--json"]).stdout)
    assert s["running"] and s["memories"] == 1


def _memd(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "import sys; from cli.fast import main; sys.exit(main())", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "MEMD_HOME": str(home), **env},
        timeout=120,
    )


def test_fast_recall_prints_what_the_full_cli_prints(daemon, home: Path):
    """`memd recall` skips typer/pydantic when the daemon answers; the output is the same."""
    client = DaemonClient(socket_path(home))
    client.remember("The fast path talks to the daemon directly", project="fast")
    client.remember("Unrelated memory about lunch", project="fast")
    client.close()
    for args in (
        ["--json", "-A"],
        ["--all-projects"],
        ["--explain", "-n", "1", "-p", "fast"],
        ["--project=fast", "--k", "2"],
    ):
        fast = _memd(home, "recall", "fast path daemon", *args)
        full = _memd(home, "recall", "fast path daemon", *args, MEMD_NO_DAEMON="1")
        assert fast.returncode == full.returncode == 0, (fast.stderr, full.stderr)
        fast_out, full_out = fast.stdout, full.stdout
        if "--json" in args:  # scores and reinforcement times may move between the two calls
            fast_out = [h["memory"]["id"] for h in json.loads(fast_out)]
            full_out = [h["memory"]["id"] for h in json.loads(full_out)]
        else:
            fast_out = [line.split()[2] for line in fast_out.splitlines() if line[:3].strip().endswith(".")]
            full_out = [line.split()[2] for line in full_out.splitlines() if line[:3].strip().endswith(".")]
        assert fast_out == full_out and fast_out
    # Options the fast path does not know, and errors, go to the full CLI.
    assert _memd(home, "recall", "x", "--k", "0").returncode == 2
    r = _memd(home, "recall", "daemon", "--kind", "bogus")
    assert r.returncode != 0 and "bogus" in r.stderr


def test_fast_path_is_taken(daemon, home: Path, monkeypatch):
    import cli.fast

    monkeypatch.setenv("MEMD_HOME", str(home))
    DaemonClient(socket_path(home)).remember("fast path marker", project="f")
    monkeypatch.setattr(sys, "argv", ["memd", "recall", "marker", "-p", "f", "--json"])
    monkeypatch.setitem(sys.modules, "cli.main", None)  # importing the full CLI would fail
    assert cli.fast.main() == 0


def test_daemon_embeds_after_acknowledging_and_after_a_crash(home: Path):
    import memd
    from memd.service import MemoryService

    # A crash after the write but before the embedding: rows without vectors.
    m: MemoryService = memd.open(home)
    rows = m.prepare_many([{"text": "pending vector from before the crash", "project": "c"}])
    [pending] = m.write_prepared(rows, embed=False)
    m.close()
    settings = load_settings(home)
    control.start(settings)
    try:
        client = DaemonClient(socket_path(home))
        rec = client.remember("acknowledged first, embedded right after", project="c", author="Dana")
        assert rec.author == "Dana"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            hits = {h.id: h for h in client.recall("acknowledged embedded", project="c", k=5)}
            if rec.id in hits and "semantic" in hits[rec.id].channels:
                break
            time.sleep(0.1)
        assert "semantic" in hits[rec.id].channels
        hits = {h.id: h for h in client.recall("pending vector crash", project="c", k=5)}
        assert "semantic" in hits[pending].channels  # embedded at start
        client.close()
    finally:
        control.stop(settings)


def test_client_has_the_same_api_as_the_service():
    import inspect

    from memd.api import MemoryAPI

    for name, fn in vars(MemoryAPI).items():
        if callable(fn) and not name.startswith("_"):
            want = list(inspect.signature(fn).parameters)
            assert list(inspect.signature(getattr(DaemonClient, name)).parameters) == want, name


def test_errors_cross_the_wire(daemon):
    client = connect(daemon.home)
    with pytest.raises(NotFoundError) as info:
        client.get("0000000000000000")
    assert info.value.hint
    # Garbage on the socket gets an error answer and the daemon carries on.
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(str(socket_path(daemon.home)))
        s.sendall(
            b"this is not json\n" + json.dumps({"v": 1, "id": 1, "method": "drop_tables"}).encode() + b"\n"
        )
        f = s.makefile("rb")
        assert "error" in json.loads(f.readline())
        assert "unknown method" in json.loads(f.readline())["error"]["message"]
    assert client.ping()["pong"]


WORKER = textwrap.dedent(
    """
    import json, random, sys
    from pathlib import Path
    from memd.daemon.client import connect
    home, worker, n = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    c = connect(home)
    rng = random.Random(worker)
    acked, errors, counts = [], 0, {}
    for i in range(n):
        op = rng.choices(["remember", "recall", "get", "list", "stats"], [35, 40, 15, 5, 5])[0]
        counts[op] = counts.get(op, 0) + 1
        try:
            if op == "remember":
                text = f"worker {worker} note {i}: service {rng.randrange(50)} port {rng.randrange(9000)}"
                r = c.remember(text, project=f"p{worker % 3}")
                acked.append(r.id)
            elif op == "recall":
                c.recall(f"service {rng.randrange(50)} port", k=5)
            elif op == "get" and acked:
                assert c.get(rng.choice(acked)).id
            elif op == "list":
                c.list(limit=5)
            else:
                c.stats()
        except Exception as exc:
            errors += 1
            print(repr(exc), file=sys.stderr)
    print(json.dumps({"acked": acked, "errors": errors, "counts": counts}))
    """
)


def test_eight_clients_thousand_ops_each(daemon, tmp_path: Path):
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(daemon.home), str(w), "1000"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for w in range(8)
    ]
    results, errs = [], []
    for p in procs:
        out, err = p.communicate(timeout=900)
        assert p.returncode == 0, err
        results.append(json.loads(out))
        errs.append(err)
    assert sum(r["errors"] for r in results) == 0, "".join(errs)[-3000:]
    acked = [i for r in results for i in r["acked"]]
    assert len(acked) == len(set(acked)) > 2000
    client = connect(daemon.home)
    stored = {r.id for r in client.list(limit=None)}
    lost = set(acked) - stored
    assert not lost, f"{len(lost)} acknowledged writes lost"
    assert client.stats().total == len(acked)


STREAM = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from memd.daemon.client import connect
    home, out = Path(sys.argv[1]), sys.argv[2]
    c = connect(home)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    for i in range(1000):
        try:
            r = c.remember(f"streamed memory number {i} about the crash test")
        except Exception:
            break
        os.write(fd, (r.id + "\\n").encode())
        os.fsync(fd)
    """
)


def test_kill_9_loses_no_acknowledged_memory(daemon, tmp_path: Path):
    script = tmp_path / "stream.py"
    script.write_text(STREAM)
    acked_file = tmp_path / "acked.txt"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    writer = subprocess.Popen([sys.executable, str(script), str(daemon.home), str(acked_file)], env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if acked_file.exists() and len(acked_file.read_text().split()) >= 150:
            break
        time.sleep(0.05)
    pid = int(pid_path(daemon.home).read_text())
    os.kill(pid, signal.SIGKILL)
    writer.wait(timeout=120)
    acked = acked_file.read_text().split()
    assert 150 <= len(acked) < 1000
    # The crash left a pid file and a socket behind; start must clean them and replay.
    assert pid_path(daemon.home).exists()
    info = control.start(daemon)
    assert info["started"] is True
    client = connect(daemon.home)
    stored = {r.id for r in client.list(limit=None)}
    missing = [i for i in acked if i not in stored]
    assert missing == [], f"{len(missing)} of {len(acked)} acknowledged memories lost"


def test_stale_files_never_block_a_start(home: Path):
    settings = load_settings(home)
    home.mkdir(parents=True, exist_ok=True)
    (home / ".memd").touch()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    pid_path(home).write_text(str(dead.pid))
    with socket.socket(socket.AF_UNIX) as s:  # a socket file nobody listens on
        s.bind(str(socket_path(home)))
    assert control.status(settings)["running"] is False
    info = control.start(settings)
    try:
        assert info["started"] is True and info["pid"] != dead.pid
    finally:
        control.stop(settings)


def test_client_reports_a_dead_daemon(home: Path):
    with pytest.raises(DaemonUnavailableError):
        DaemonClient(home / "memd.sock", timeout=1).ping()


def test_freed_memory_is_handed_back_once_requests_pause(mem, home: Path, monkeypatch):
    """Not only after a compaction: recalls free what they allocated too, and a daemon
    that only answers reads would otherwise keep it resident."""
    from memd.daemon import server

    monkeypatch.setattr(server, "CHECKPOINT_EVERY_S", 0.05)
    monkeypatch.setattr(server, "IDLE_COMPACT_AFTER_S", 0.2)
    released: list[float] = []
    monkeypatch.setattr(server, "release_memory", lambda: released.append(time.monotonic()) or True)
    daemon = server.Daemon(load_settings(home), mem)
    loop = server.threading.Thread(target=daemon._maintain, daemon=True)
    loop.start()
    try:
        time.sleep(0.6)  # the start's own compaction (and its release) comes and goes
        before = len(released)
        time.sleep(0.4)
        assert len(released) == before  # nothing served since: nothing to hand back
        asked = time.monotonic()
        daemon.handle("recall", {"query": "anything at all"})
        deadline = asked + 5
        while len(released) == before and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(released) == before + 1
        assert released[-1] - asked >= 0.2  # after the pause, not while requests come
        time.sleep(0.5)
        assert len(released) == before + 1  # once per pause
    finally:
        daemon._stop.set()
        loop.join(timeout=5)


def test_the_daemon_learns_from_conversation_after_acknowledging(daemon):
    client = connect(daemon.home)
    turns = [
        {"text": "From now on, prefix private helpers with an underscore.", "author": "dana"},
        {"text": "Actually, prefix private helpers with `h_` instead.", "author": "dana"},
    ]
    for n, turn in enumerate(turns):
        client.remember_many(
            [{**turn, "project": "d", "source": "import", "created_at": f"2026-01-0{n + 1}"}]
        )
    deadline = time.monotonic() + 60  # learning runs after the write was acknowledged
    rules: list = []
    while time.monotonic() < deadline:
        rules = [r for r in client.list(project="d", limit=None) if r.source == "distill"]
        if rules and rules[0].text.endswith("`h_`."):
            break
        time.sleep(0.1)
    assert [r.text for r in rules] == ["Prefix private helpers with `h_`."]
    assert "`h_`" in client.context("d").text.split("## Recent")[0]
    assert client.distill(project="d").stored == 0  # the daemon's distill: nothing new
