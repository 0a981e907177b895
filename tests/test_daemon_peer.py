"""The daemon's socket admits only its own user: the 0600 mode first, the kernel's peer
credentials (SO_PEERCRED) behind it should the mode ever be widened."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from memd.daemon.transport import peer_allowed


def test_a_process_of_the_same_user_is_admitted() -> None:
    a, b = socket.socketpair(socket.AF_UNIX)
    try:
        assert peer_allowed(a) and peer_allowed(b)
    finally:
        a.close()
        b.close()


@pytest.mark.skipif(
    os.geteuid() != 0 or not hasattr(socket, "SO_PEERCRED"), reason="needs root to act as another user"
)
def test_another_user_is_refused_even_on_a_widened_socket() -> None:
    d = Path(tempfile.mkdtemp(dir="/tmp"))
    d.chmod(0o777)
    path = d / "s.sock"
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(str(path))
    path.chmod(0o666)  # widened by hand: the mode no longer keeps anyone out
    srv.listen(1)
    python = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable
    child = subprocess.Popen(
        [
            python,
            "-c",
            f"import socket,time; s=socket.socket(socket.AF_UNIX); s.connect({str(path)!r}); time.sleep(2)",
        ],
        preexec_fn=lambda: os.setuid(65534),  # noqa: PLW1509 - the test's point is another uid
        cwd=d,
    )
    try:
        srv.settimeout(20)
        conn, _ = srv.accept()
        try:
            assert not peer_allowed(conn)
        finally:
            conn.close()
    finally:
        child.wait(timeout=20)
        srv.close()
        path.unlink()
        d.rmdir()
