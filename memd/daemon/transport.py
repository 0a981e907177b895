"""The daemon's socket: a threaded Unix stream server that lets only its own user in, and the
handler that turns each JSON line into a call of the daemon and its answer."""

from __future__ import annotations

import json
import logging
import os
import socket
import socketserver
import struct
from typing import TYPE_CHECKING, Any

from memd.daemon import protocol
from memd.errors import InvalidInputError, MemdError

if TYPE_CHECKING:
    from memd.daemon.server import Daemon

log = logging.getLogger("memd.daemon")


class Server(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True

    def __init__(self, path: str, handler: type, *, daemon: Daemon) -> None:
        self.memd = daemon
        super().__init__(path, handler)

    def verify_request(self, request: Any, client_address: Any) -> bool:
        # The socket is 0600, so only its owner (and root) can connect; should its mode be
        # widened by hand, the kernel's peer credentials still keep other users out.
        return peer_allowed(request)


def peer_allowed(conn: socket.socket) -> bool:
    """True when the connecting process runs as this daemon's user (or root)."""
    try:
        creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    except (OSError, AttributeError):  # no SO_PEERCRED (not Linux): the 0600 mode is the guard
        return True
    _pid, uid, _gid = struct.unpack("3i", creds)
    return uid in (os.getuid(), 0)


class Handler(socketserver.StreamRequestHandler):
    server: Server

    def handle(self) -> None:
        daemon = self.server.memd
        while True:
            try:
                line = self.rfile.readline(protocol.MAX_LINE)
            except OSError:
                return
            if not line:
                return
            request_id = None
            try:
                request = json.loads(line)
                if not isinstance(request, dict):
                    raise InvalidInputError("a request must be a JSON object", hint="Use memd's client.")
                request_id = request.get("id")
                if request.get("v") != protocol.VERSION:
                    raise InvalidInputError(
                        f"protocol version {request.get('v')!r} is not {protocol.VERSION}",
                        hint="Use a memd client of the same version as the daemon.",
                    )
                params = request.get("params") or {}
                if not isinstance(params, dict):
                    raise InvalidInputError("params must be an object")
                result = daemon.handle(str(request.get("method")), params)
                response = {"v": protocol.VERSION, "id": request_id, "result": result}
            except (MemdError, ValueError, TypeError) as exc:
                if not isinstance(exc, MemdError):
                    exc = InvalidInputError(f"bad request: {exc}")
                response = {
                    "v": protocol.VERSION,
                    "id": request_id,
                    "error": protocol.error_payload(exc),
                }
            except Exception as exc:  # noqa: BLE001 - one bad request must not kill the daemon
                log.exception("request failed")
                daemon.last_error = f"{type(exc).__name__}: {exc}"
                response = {
                    "v": protocol.VERSION,
                    "id": request_id,
                    "error": protocol.error_payload(exc),
                }
            try:
                self.wfile.write(protocol.encode(response))
                self.wfile.flush()
            except OSError:
                return


def rss_mb() -> float:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
