"""Starting, stopping and inspecting the daemon from another process."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from memd.config import Settings
from memd.daemon import log_path, pid_path, socket_path
from memd.daemon.client import DaemonClient, connect
from memd.errors import DaemonUnavailableError, MemdError

START_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 30.0


def _alive(pid: int) -> bool:
    try:  # a daemon started by this very process lingers as a zombie until reaped
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read_pid(home: Path) -> int | None:
    try:
        return int(pid_path(home).read_text().strip())
    except (OSError, ValueError):
        return None


def clean_stale(home: Path) -> bool:
    """Remove the pid file and socket a crashed daemon left behind. True if it did."""
    if connect(home, timeout=2) is not None:
        return False
    pid = _read_pid(home)
    if pid is not None and _alive(pid):
        return False  # starting up, or hung: not stale
    removed = False
    for p in (pid_path(home), socket_path(home)):
        if p.exists():
            p.unlink()
            removed = True
    return removed


# A long-running process with many threads (LanceDB's runtime, ONNX Runtime, the
# server) otherwise keeps one malloc arena per thread and Arrow's own pool: at 100k
# memories these two settings cut the daemon's resident memory by ~200 MB. A fixed mmap
# threshold stops glibc from raising it after the first large free, so the buffers of
# an index load or an embedding batch go back to the system instead of staying
# resident (another ~250 MB at 100k).
MEMORY_ENV = {
    "MALLOC_ARENA_MAX": "2",
    "MALLOC_MMAP_THRESHOLD_": "131072",
    "ARROW_DEFAULT_MEMORY_POOL": "system",
}


def spawn(home: Path) -> subprocess.Popen[bytes]:
    """Start a daemon for ``home`` in its own session and return at once; it logs to
    ``daemon.log``. A second one started beside it exits (the daemon lock)."""
    from memd.home import prepare_home

    prepare_home(home)
    env = {**MEMORY_ENV, **os.environ, "MEMD_HOME": str(home)}
    with open(log_path(home), "ab") as logf:
        return subprocess.Popen(
            [sys.executable, "-m", "memd.daemon", "run"],
            stdin=subprocess.DEVNULL,
            stdout=logf,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
            close_fds=True,
        )


def start_in_background(home: Path) -> bool:
    """Start a daemon unless one answers or is starting; never waits for it. True if it
    started one."""
    client = connect(home, timeout=0.5)
    if client is not None:
        client.close()
        return False
    pid = _read_pid(home)
    if pid is not None and _alive(pid):
        return False
    clean_stale(home)
    spawn(home)
    return True


def start(settings: Settings) -> dict[str, Any]:
    home = settings.home
    client = connect(home, timeout=5)
    if client is not None:
        status = client.status()
        client.close()
        return {"started": False, **status}
    clean_stale(home)
    proc = spawn(home)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise MemdError(
                f"the daemon exited during start (code {proc.returncode})",
                hint=f"See its log: {log_path(home)}\n{tail(home, 5)}",
            )
        client = connect(home, timeout=5)
        if client is not None:
            status = client.status()
            client.close()
            return {"started": True, **status}
        time.sleep(0.1)
    raise MemdError("the daemon did not answer in time", hint=f"See {log_path(home)}.")


def stop(settings: Settings) -> dict[str, Any]:
    home = settings.home
    pid = _read_pid(home)
    client = connect(home, timeout=5)
    if client is None and (pid is None or not _alive(pid)):
        cleaned = clean_stale(home)
        return {"stopped": False, "running": False, "cleaned_stale_files": cleaned}
    if client is not None:
        with contextlib.suppress(MemdError):
            client.shutdown()
        client.close()
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while pid is not None and _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if pid is not None and _alive(pid):
        os.kill(pid, signal.SIGTERM)
        time.sleep(2)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
    clean_stale(home)
    return {"stopped": True, "pid": pid}


def status(settings: Settings) -> dict[str, Any]:
    client = connect(settings.home, timeout=5)
    if client is None:
        pid = _read_pid(settings.home)
        return {"running": False, "stale_pid_file": pid is not None and not _alive(pid)}
    try:
        return {"running": True, **client.status()}
    finally:
        client.close()


def tail(home: Path, lines: int = 50) -> str:
    path = log_path(home)
    if not path.exists():
        return ""
    with open(path, "rb") as fh:
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        fh.seek(max(0, size - 256 * 1024))
        text = fh.read().decode("utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:])


def require(settings: Settings) -> DaemonClient:
    client = connect(settings.home)
    if client is None:
        raise DaemonUnavailableError(f"no memd daemon serves {settings.home}")
    return client


def install_service(settings: Settings, *, memd_exe: str, home_dir: Path | None = None) -> Path:
    """Write a systemd user unit (Linux) or a launchd agent (macOS); returns its path."""
    user_home = home_dir or Path.home()
    plist_env = "".join(f"<key>{k}</key><string>{v}</string>" for k, v in MEMORY_ENV.items())
    unit_env = "\n".join(f"Environment={k}={v}" for k, v in MEMORY_ENV.items())
    if sys.platform == "darwin":
        path = user_home / "Library" / "LaunchAgents" / "dev.memd.daemon.plist"
        text = f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict>
  <key>Label</key><string>dev.memd.daemon</string>
  <key>ProgramArguments</key><array><string>{memd_exe}</string><string>daemon</string><string>run</string></array>
  <key>EnvironmentVariables</key><dict><key>MEMD_HOME</key><string>{settings.home}</string>{plist_env}</dict>
  <key>RunAtLoad</key><true/>
  <key>KeepAlive</key><true/>
  <key>StandardOutPath</key><string>{log_path(settings.home)}</string>
  <key>StandardErrorPath</key><string>{log_path(settings.home)}</string>
</dict></plist>
"""
    else:
        path = user_home / ".config" / "systemd" / "user" / "memd.service"
        text = f"""[Unit]
Description=memd: local long-term memory for coding agents

[Service]
ExecStart={memd_exe} daemon run
Environment=MEMD_HOME={settings.home}
{unit_env}
Restart=on-failure

[Install]
WantedBy=default.target
"""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path
