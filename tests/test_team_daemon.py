"""The team store held by daemons: two homes (two machines), a daemon each, on a real
S3-compatible server. Shared writes and merged recalls go through the daemon (one model in
memory); a daemon follows a teammate's writes; the network to the bucket failing means
personal answers with a warning, and shared writes queued then sent by the daemon itself
once the bucket is back — no command needed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from s3_support import SHARED_WRITER, URI, Proxy, S3Server

import memd
from memd.config import load_settings
from memd.daemon import control
from memd.team.remote import DaemonTeamView
from memd.team.view import POLL_S

pytestmark = pytest.mark.slow
pytest.importorskip("moto", reason="moto (dev extra) runs the S3-compatible test server")


@pytest.fixture
def net(s3: S3Server, monkeypatch: pytest.MonkeyPatch) -> Iterator[Proxy]:
    """The daemons reach the bucket through a relay the test can cut."""
    proxy = Proxy(s3.port)
    proxy.up()
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.endpoint)
    yield proxy
    proxy.down()


@pytest.fixture
def daemons(net: Proxy, tmp_path: Path) -> Iterator[dict[str, Path]]:
    homes = {name: tmp_path / name for name in ("ana", "ben")}
    for home in homes.values():
        assert control.start(load_settings(home))["started"]
    yield homes
    for home in homes.values():
        control.stop(load_settings(home))


def _memd(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    exe = str(Path(sys.executable).parent / "memd")
    env = {**os.environ, "MEMD_HOME": str(home), "MEMD_PROJECT": "acme/api"}
    return subprocess.run([exe, *args], env=env, capture_output=True, text=True, timeout=180)


def _until(check, timeout: float) -> float:  # type: ignore[no-untyped-def]
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < timeout, "not within the time allowed"
        time.sleep(0.25)
    return time.monotonic() - start


def _recall(home: Path, query: str) -> list[str]:
    api = memd.connect(load_settings(home))
    try:
        return [h.memory.text for h in api.recall(query, project="acme/api")]
    finally:
        api.close()


def test_daemons_serve_the_team_store_and_follow_each_other(daemons: dict[str, Path]):
    ana, ben = daemons["ana"], daemons["ben"]
    api = memd.connect(load_settings(ana))
    assert isinstance(api, DaemonTeamView)  # the daemon holds the team store: no second model here
    assert api.status()["team_uri"] == URI
    api.close()
    # Ben's daemon opens the team store first (an empty answer), then Ana shares a rule.
    assert _recall(ben, "how do we lint?") == []
    shared = _memd(
        ana, "remember", "--json", "--shared", "-k", "preference", "We lint with ruff, never flake8"
    )
    assert shared.returncode == 0, shared.stderr
    assert "shared" in json.loads(shared.stdout)["tags"]
    mine = _memd(ana, "remember", "my scratch note: the staging box is slow today")
    assert mine.returncode == 0, mine.stderr
    # Ben's daemon follows the bucket: the rule within the poll, marked as the team's.
    waited = _until(lambda: "We lint with ruff, never flake8" in _recall(ben, "how do we lint?"), POLL_S + 10)
    assert waited <= POLL_S + 10
    found = _memd(ben, "recall", "how do we lint?")
    assert "[team] We lint with ruff" in found.stdout, found.stdout + found.stderr
    assert "staging box" not in _memd(ben, "recall", "staging box slow").stdout
    brief = _memd(ben, "context")
    assert "## From the team" in brief.stdout and "ruff" in brief.stdout
    # Maintenance through the daemon, under the lease.
    report = _memd(ben, "maintain", "--shared", "--json")
    assert report.returncode == 0, report.stderr
    assert json.loads(report.stdout)["ran"] is True


def test_the_bucket_unreachable_then_back_the_daemon_sends_what_was_queued(
    daemons: dict[str, Path], net: Proxy
):
    ana, ben = daemons["ana"], daemons["ben"]
    assert _memd(ana, "remember", "the deploy script lives in ops/deploy.sh").returncode == 0
    assert _memd(ana, "remember", "--shared", "deploys need two approvals").returncode == 0
    assert _recall(ben, "deploy approvals")  # Ben's daemon has the team store open
    net.down()
    down = _memd(ana, "recall", "deploy")
    assert down.returncode == 0, down.stderr
    assert "deploy script" in down.stdout and "not reached" in down.stderr
    queued = _memd(
        ana,
        "remember",
        "--shared",
        "hotfixes go to the release/ branch; the staging db password is hunter2hunter2",
    )
    assert queued.returncode == 0, queued.stderr
    assert "queued" in queued.stdout
    outbox = (ana / "team" / "spool.jsonl").read_text()
    assert "hotfixes" in outbox and "hunter2hunter2" not in outbox
    net.up()
    # No command on Ana's side: her daemon sends it; Ben's daemon then sees it.
    _until(lambda: any("hotfixes" in t for t in _recall(ben, "where do hotfixes go?")), 60)
    sent = [t for t in _recall(ben, "where do hotfixes go?") if "hotfixes" in t]
    assert len(sent) == 1 and "hunter2hunter2" not in sent[0]
    assert not (ana / "team" / "spool.jsonl").read_text().strip()


def test_a_daemon_killed_mid_write_leaves_the_team_store_whole(net: Proxy, tmp_path: Path):
    """SIGKILL the daemon while an agent streams shared writes through it: the bucket's store
    opens, every write the agent saw acknowledged is there exactly once, nothing half-written;
    a restarted daemon writes again."""
    import signal

    home = tmp_path / "ana"
    settings = load_settings(home)
    total = 0
    for trial, delay in enumerate((3.0, 5.0)):
        control.start(settings)
        pid = control.status(settings)["pid"]
        proc = subprocess.Popen(
            [sys.executable, "-c", SHARED_WRITER, str(home)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(delay)
        os.kill(pid, signal.SIGKILL)
        out, err = proc.communicate(timeout=60)
        assert out.startswith("via DaemonTeamView"), out[:200] + err[-300:]
        acked = [line for line in out.split()[2:] if not line.startswith("queued-")]
        control.stop(settings)  # cleans the dead daemon's files
        team = memd.open_team(load_settings(tmp_path / "reader"))
        stored = team.list(project="p", limit=None, include_archived=True)
        team.close()
        ids = [r.id for r in stored]
        assert len(ids) == len(set(ids)), "a memory stored twice"
        assert set(acked) <= set(ids), f"trial {trial}: {len(set(acked) - set(ids))} acknowledged writes lost"
        assert all(r.text.startswith("incident ") for r in stored)
        total += len(acked)
    assert total > 5, "the daemon was killed before it wrote anything"
    control.start(settings)  # a new daemon on the same home and bucket writes again
    try:
        assert _memd(home, "remember", "--shared", "-p", "p", "incident closed").returncode == 0
    finally:
        control.stop(settings)
