"""A stand-in for the Hugging Face hub's file routes on 127.0.0.1, for `memd model pull`.

It serves ``HEAD`` and ``GET /{owner}/{name}/resolve/{revision}/{file}`` with the headers the
hub sends for a file kept in large-file storage (``X-Repo-Commit``, ``ETag`` and
``X-Linked-Etag`` holding the SHA-256, ``X-Linked-Size``), and 404 with the hub's
``X-Error-Code`` for anything else. ``corrupt=True`` sends other bytes than the checksum says.
Point ``HF_ENDPOINT`` (or ``endpoint=``) at :attr:`HubServer.url`.
"""

from __future__ import annotations

import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

COMMIT = "0123456789abcdef0123456789abcdef01234567"


class HubServer:
    def __init__(self, files: dict[str, bytes], *, corrupt: bool = False) -> None:
        self.files = files  # "owner/name/file" -> content
        self.corrupt = corrupt
        self.requests: list[str] = []
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _find(self) -> bytes | None:
                hub.requests.append(f"{self.command} {self.path}")
                parts = unquote(self.path.split("?")[0]).strip("/").split("/")
                if len(parts) < 5 or parts[2] != "resolve":
                    return None
                return hub.files.get("/".join([parts[0], parts[1], *parts[4:]]))

            def _head(self, body: bytes | None) -> bytes | None:
                if body is None:
                    self.send_response(404)
                    self.send_header("X-Error-Code", "EntryNotFound")
                    self.send_header("X-Error-Message", "Entry not found")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                digest = hashlib.sha256(body).hexdigest()
                sent = body[::-1] if hub.corrupt else body
                self.send_response(200)
                self.send_header("X-Repo-Commit", COMMIT)
                self.send_header("ETag", f'"{digest}"')
                self.send_header("X-Linked-Etag", f'"{digest}"')
                self.send_header("X-Linked-Size", str(len(body)))
                self.send_header("Content-Length", str(len(sent)))
                self.send_header("Accept-Ranges", "bytes")
                self.end_headers()
                return sent

            def do_HEAD(self) -> None:  # noqa: N802 - http.server's name
                self._head(self._find())

            def do_GET(self) -> None:  # noqa: N802
                sent = self._head(self._find())
                if sent is not None:
                    self.wfile.write(sent)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> HubServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
