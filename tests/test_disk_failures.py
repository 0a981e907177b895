"""A full disk and a read-only data directory, on a real small tmpfs the test mounts:
a clear error, nothing stored is lost or damaged, writes resume when space returns.

Mounting needs root (or CAP_SYS_ADMIN); elsewhere these tests skip and say why."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import memd
from memd.config import load_settings
from memd.daemon import control
from memd.daemon.client import connect
from memd.errors import DiskFullError, StoreReadOnlyError

pytestmark = pytest.mark.slow
TEXT = "note {} about the build system: the release script tags, signs and uploads the wheel " * 2


def _mount(at: Path, *options: str) -> bool:
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", ",".join(options), "tmpfs", str(at)], capture_output=True
    )
    return done.returncode == 0


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    at = tmp_path / "disk"
    at.mkdir()
    if not _mount(at, "size=6m"):
        pytest.skip("cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN)")
    try:
        yield at
    finally:
        subprocess.run(["umount", "-l", str(at)], capture_output=True)


def _remount(at: Path, option: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{option}", str(at)], check=True)


def _fill(api, limit: int = 5_000) -> tuple[list[str], DiskFullError]:
    acked = []
    for i in range(limit):
        try:
            acked.append(api.remember(TEXT.format(i, i), project="p").id)
        except DiskFullError as exc:
            return acked, exc
    raise AssertionError(f"{limit} memories fitted on a 6 MB disk")


def _check_intact(home: Path, acked: list[str]) -> None:
    m = memd.open(home)
    stored = [r.id for r in m.list(limit=None)]
    assert sorted(stored) == sorted(acked), "acknowledged memories lost, doubled or half-written"
    m.close()


def test_a_full_disk_is_said_plainly_and_writes_resume_when_space_returns(small_disk: Path):
    home = small_disk / "home"
    m = memd.open(home)
    acked, full = _fill(m)
    assert len(acked) > 20
    assert str(home) in full.message and "full" in full.message and "Free space" in full.hint
    with pytest.raises(DiskFullError):
        m.remember("one more while the disk is still full")
    m.close()  # closing on a full disk skips compaction instead of failing
    _check_intact(home, acked)
    _remount(small_disk, "size=64m")
    m = memd.open(home)
    again = m.remember("written once space came back", project="p")
    assert m.recall("space came back", k=1)[0].id == again.id
    m.close()
    _check_intact(home, [*acked, again.id])


def test_the_daemon_on_a_full_disk_answers_with_the_error_and_recovers(small_disk: Path):
    home = small_disk / "home"
    settings = load_settings(home)
    memd.open_with(settings).close()
    control.start(settings)
    try:
        client = connect(home)
        acked, full = _fill(client)
        assert "full" in full.message
        assert client.recall("release script", k=3)  # reading still works
        _remount(small_disk, "size=64m")
        acked.append(client.remember(f"after the disk grew {uuid.uuid4()}", project="p").id)
        assert client.get(acked[-1]).text.startswith("after the disk grew")
    finally:
        control.stop(settings)
    _check_intact(home, acked)


def test_a_read_only_data_directory_is_refused_with_a_clear_error(small_disk: Path):
    home = small_disk / "home"
    m = memd.open(home)
    kept = m.remember("deploys go out on tuesdays", project="p").id
    m.close()
    _remount(small_disk, "ro")
    try:
        with pytest.raises(StoreReadOnlyError, match="read-only") as info:
            memd.open(home)
        assert "MEMD_HOME" in info.value.hint
    finally:
        _remount(small_disk, "rw")
    _check_intact(home, [kept])
