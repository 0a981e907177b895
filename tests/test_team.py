"""The team store on a real S3-compatible server (moto in server mode on 127.0.0.1): two
people with their own homes share conventions through it; nothing personal leaves a home;
the server down means personal answers and a warning; wrong settings say which."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from s3_support import SHARED_WRITER, URI, S3Server

import memd
from memd.config import load_settings
from memd.errors import ConfigError
from memd.team.aws import storage_options
from memd.team.view import TeamView, remember_shared

pytestmark = pytest.mark.slow
moto = pytest.importorskip("moto", reason="moto (dev extra) runs the S3-compatible test server")
boto3 = pytest.importorskip("boto3", reason="boto3 comes with moto")


def _memd(home: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    exe = str(Path(sys.executable).parent / "memd")
    full = {**os.environ, "MEMD_HOME": str(home), "MEMD_PROJECT": "acme/api", **(env or {})}
    return subprocess.run([exe, *args], env=full, capture_output=True, text=True, timeout=180)


def test_a_teammate_gets_what_was_shared_and_nothing_personal(s3: S3Server, tmp_path: Path):
    ana, ben = tmp_path / "ana", tmp_path / "ben"
    mine = _memd(ana, "remember", "--json", "my own scratch note: the staging box is slow today")
    assert mine.returncode == 0, mine.stderr
    shared = _memd(
        ana, "remember", "--json", "--shared", "-k", "preference", "We lint with ruff and format with black"
    )
    assert shared.returncode == 0, shared.stderr
    assert "shared" in json.loads(shared.stdout)["tags"]
    # Ben, another home (another machine), finds the team's rule, marked, and not Ana's note.
    found = _memd(ben, "recall", "how do we lint?")
    assert found.returncode == 0, found.stderr
    assert "[team] We lint with ruff" in found.stdout
    assert "staging box" not in _memd(ben, "recall", "staging box slow").stdout
    brief = _memd(ben, "context")
    assert "## From the team" in brief.stdout and "ruff" in brief.stdout
    # The team store holds exactly what was shared.
    team = memd.open_team(load_settings(ana))
    assert [r.text for r in team.list(project="acme/api", limit=None)] == [
        "We lint with ruff and format with black"
    ]
    team.close()


def test_interleaved_shared_writes_from_two_homes_are_all_there_once(s3: S3Server, tmp_path: Path):
    script = (
        "import sys, memd\n"
        "from memd.config import load_settings\n"
        "from memd.team.view import remember_shared\n"
        "api = memd.connect(load_settings(sys.argv[1]))\n"
        "say = lambda i: f'{sys.argv[2]} decision {i}: use queue {i}'\n"
        "ids = [remember_shared(api, say(i), project='p').id for i in range(8)]\n"
        "api.close()\n"
        "print(' '.join(ids))\n"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(tmp_path / who), who],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=os.environ.copy(),
        )
        for who in ("ana", "ben")
    ]
    acked = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err[-2000:]
        acked += out.split()
    team = memd.open_team(load_settings(tmp_path / "carl"))
    stored = [r.id for r in team.list(project="p", limit=None)]
    team.close()
    assert len(acked) == 16 and sorted(stored) == sorted(acked)


def test_the_team_store_down_gives_personal_answers_and_a_warning(s3: S3Server, tmp_path: Path):
    home = tmp_path / "ana"
    api = memd.connect(load_settings(home))
    assert isinstance(api, TeamView)
    api.remember("the deploy script lives in ops/deploy.sh", project="p")
    remember_shared(api, "deploys need two approvals", project="p")
    api.close()
    s3.stop()
    api = memd.connect(load_settings(home))
    hits = api.recall("deploy", project="p")
    assert [h.memory.text for h in hits] == ["the deploy script lives in ops/deploy.sh"]
    assert api.warnings and "not reached" in api.warnings[0]
    assert "deploy script" in api.context("p").text
    api.close()
    down = _memd(home, "recall", "-p", "p", "deploy")
    assert down.returncode == 0 and "deploy script" in down.stdout and "not reached" in down.stderr
    s3.start()  # moto keeps nothing across a restart: the bucket comes back empty
    boto3.client("s3", endpoint_url=s3.endpoint).create_bucket(Bucket="team-bucket")
    api = memd.connect(load_settings(home))
    remember_shared(api, "deploys need two approvals", project="p")
    assert any("approvals" in h.memory.text for h in api.recall("deploy approvals", project="p"))
    api.close()


def test_settings_come_from_aws_variables_or_profiles_and_are_never_guessed(tmp_path: Path):
    with pytest.raises(ConfigError, match="no credentials") as info:
        storage_options(URI, env={}, home_dir=tmp_path)
    assert "AWS_ACCESS_KEY_ID" in info.value.hint
    aws = tmp_path / ".aws"
    aws.mkdir()
    (aws / "credentials").write_text("[team]\naws_access_key_id = K\naws_secret_access_key = S\n")
    (aws / "config").write_text("[profile team]\nregion = eu-west-3\nendpoint_url = http://minio.lan:9000\n")
    opts = storage_options(URI, env={"AWS_PROFILE": "team"}, home_dir=tmp_path)
    assert opts["aws_access_key_id"] == "K" and opts["aws_region"] == "eu-west-3"
    assert opts["aws_endpoint"] == "http://minio.lan:9000" and opts["allow_http"] == "true"
    assert storage_options("/local/path", env={}) == {}
    with pytest.raises(ConfigError, match="no team store"):
        remember_shared(memd.open(tmp_path / "solo"), "x")


def test_nothing_of_the_credentials_is_written_to_memds_files(s3: S3Server, tmp_path: Path):
    home = tmp_path / "ana"
    api = memd.connect(load_settings(home))
    remember_shared(api, "the team uses trunk-based development", project="p")
    api.close()
    for path in home.rglob("*"):
        if path.is_file():
            assert b"team-secret" not in path.read_bytes(), path


def test_a_long_running_view_sees_a_teammates_writes_within_the_poll(
    s3: S3Server, tmp_path: Path, monkeypatch
):
    from memd.team import view

    monkeypatch.setattr(view, "POLL_S", 0.5)
    ana = memd.connect(load_settings(tmp_path / "ana"))
    ben = memd.connect(load_settings(tmp_path / "ben"))
    remember_shared(ana, "the payments service owns the refunds table", project="p")
    assert ben.recall("who owns refunds", project="p")  # Ben's view is open and its index loaded
    remember_shared(ana, "feature flags live in LaunchDarkly, not in env vars", project="p")
    time.sleep(0.6)
    assert any(
        "LaunchDarkly" in h.memory.text for h in ben.recall("where do feature flags live", project="p")
    )
    ana.close()
    ben.close()


def test_shared_writes_made_while_the_store_is_down_go_out_when_it_is_back(s3: S3Server, tmp_path: Path):
    home = tmp_path / "ana"
    api = memd.connect(load_settings(home))
    remember_shared(api, "the team's CI runs on buildkite", project="p")
    api.close()
    s3.stop()
    api = memd.connect(load_settings(home))
    queued = remember_shared(
        api, "staging db password is hunter2hunter2 and migrations run with alembic", project="p"
    )
    assert "queued" in queued.tags and api.warnings
    api.close()
    outbox = home / "team" / "spool.jsonl"
    assert outbox.stat().st_mode & 0o777 == 0o600
    assert b"hunter2hunter2" not in outbox.read_bytes() and b"alembic" in outbox.read_bytes()
    done = _memd(home, "remember", "--shared", "-p", "p", "releases are cut on thursdays")
    assert done.returncode == 0 and "queued" in done.stdout
    s3.start()  # an empty bucket again (moto keeps nothing): what was queued is all that comes back
    boto3.client("s3", endpoint_url=s3.endpoint).create_bucket(Bucket="team-bucket")
    api = memd.connect(load_settings(home))
    api.recall("anything", project="p")  # the first use of the team store sends the outbox
    team = memd.open_team(load_settings(home))
    texts = sorted(r.text for r in team.list(project="p", limit=None))
    team.close()
    api.close()
    assert len(texts) == 2 and texts[0] == "releases are cut on thursdays"
    assert "alembic" in texts[1] and "hunter2hunter2" not in texts[1]
    assert outbox.stat().st_size == 0


def test_one_machine_at_a_time_maintains_the_team_store(s3: S3Server, tmp_path: Path):
    from memd.team.lease import Lease

    ana = memd.connect(load_settings(tmp_path / "ana"))
    ben = memd.connect(load_settings(tmp_path / "ben"))
    remember_shared(ana, "the release train leaves on tuesdays", project="p")
    # ttl with room for a slow box: the first checks must run while the lease is held
    a = Lease(ana.team().store, "ana-laptop", ttl=4.0)
    b = Lease(ben.team().store, "ben-desktop", ttl=4.0)
    assert a.acquire() and not b.acquire()  # held
    report = ben.maintain_shared(holder="ben-desktop")
    assert report["ran"] is False and report["holder"] == "ana-laptop"
    assert a.acquire()  # its own lease renews
    time.sleep(4.3)  # ana's machine died: the lease runs out and ben takes over
    assert b.acquire() and not a.acquire()
    assert b.release() and a.acquire()  # released: free at once
    a.release()
    done = _memd(tmp_path / "ben", "maintain", "--shared", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["ran"] is True
    assert [h.memory.text for h in ben.recall("release train", project="p")][:1] == [
        "the release train leaves on tuesdays"
    ]
    ana.close()
    ben.close()


def test_a_writer_killed_mid_write_leaves_the_team_store_whole(s3: S3Server, tmp_path: Path):
    """SIGKILL while shared writes stream into the bucket: the store still opens, every write
    the killed process printed as acknowledged is there exactly once, nothing is half-written."""
    import signal

    total = 0
    for trial, delay in enumerate((2.5, 4.0, 6.0)):
        proc = subprocess.Popen(
            [sys.executable, "-c", SHARED_WRITER, str(tmp_path / f"writer{trial}")],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate(timeout=30)
        acked = [line for line in out.split()[2:] if not line.startswith("queued-")]
        team = memd.open_team(load_settings(tmp_path / "reader"))
        stored = team.list(project="p", limit=None)
        team.close()
        ids = [r.id for r in stored]
        assert len(ids) == len(set(ids)), "a memory stored twice"
        assert set(acked) <= set(ids), f"trial {trial}: {len(set(acked) - set(ids))} acknowledged writes lost"
        assert all(r.text.startswith("incident ") for r in stored)
        total += len(acked)
    assert total > 10, "the writers were killed before they wrote anything"
