"""The dashboard's web application (starlette): one page, its assets, and a JSON API whose
every call goes through the MemoryAPI — curation included, with the same validation and
errors as the CLI and MCP (a MemdError becomes a 4xx with its message and hint).

Only the person who started it can read it: every API call must carry the token that was
in the printed URL (header ``X-Memd-Token``), and requests naming another host are refused
(a web page elsewhere cannot reach 127.0.0.1 through DNS rebinding).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from memd.api import MemoryAPI
from memd.daemon.protocol import to_jsonable
from memd.errors import InvalidInputError, MemdError, NotFoundError
from memd.ui import data

STATIC = Path(__file__).parent / "static"
ASSETS = {"app.js": "text/javascript", "app.css": "text/css", "index.html": "text/html"}
TOKEN_HEADER = "x-memd-token"


def build_app(api: MemoryAPI, token: str, status: Callable[[], dict[str, Any]]) -> Starlette:
    """``status``: the daemon's status when the daemon hosts the page, else the process's."""

    def allowed(request: Request) -> bool:
        host = (request.headers.get("host") or "").rsplit(":", 1)[0]
        return host in ("127.0.0.1", "localhost", "[::1]")

    async def page(request: Request) -> Response:
        if not allowed(request):
            return Response("wrong host", status_code=403)
        return FileResponse(STATIC / "index.html", media_type="text/html")

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in ASSETS or not allowed(request):
            return Response("not found", status_code=404)
        return FileResponse(STATIC / name, media_type=ASSETS[name])

    def endpoint(work: Callable[[Request, dict[str, Any]], Any]) -> Callable[[Request], Any]:
        async def run(request: Request) -> Response:
            given = request.headers.get(TOKEN_HEADER, "")
            if not allowed(request) or not hmac.compare_digest(given, token):
                return JSONResponse(
                    {"error": "not allowed", "hint": "Open the address `memd ui` printed, token included."},
                    status_code=403,
                )
            body: dict[str, Any] = {}
            if request.method == "POST":
                try:
                    body = await request.json()
                except ValueError:
                    body = {}
                if not isinstance(body, dict):
                    return JSONResponse({"error": "the body must be a JSON object"}, status_code=400)
            try:
                # The store's calls block: run them off the event loop.
                result = await run_in_threadpool(work, request, body)
            except NotFoundError as exc:
                return JSONResponse({"error": exc.message, "hint": exc.hint}, status_code=404)
            except MemdError as exc:
                return JSONResponse({"error": exc.message, "hint": exc.hint}, status_code=400)
            return JSONResponse(to_jsonable(result))

        return run

    def q(request: Request, name: str) -> str | None:
        value = request.query_params.get(name)
        return value or None

    def need(body: dict[str, Any], name: str) -> str:
        value = body.get(name)
        if not isinstance(value, str) or not value.strip():
            raise InvalidInputError(f"'{name}' is missing", hint=f"Send {name} in the request body.")
        return value

    def do_search(request: Request, _: dict[str, Any]) -> Any:
        k = int(request.query_params.get("k") or 10)
        return data.search(api, request.query_params.get("q") or "", project=q(request, "project"), k=k)

    def do_timeline(request: Request, _: dict[str, Any]) -> Any:
        offset = int(request.query_params.get("offset") or 0)
        return data.timeline(api, project=q(request, "project"), offset=offset)

    def do_memory(request: Request, _: dict[str, Any]) -> Any:
        mid = request.path_params["id"]
        record = api.get(mid)
        return {
            **data.card(record),
            "links": api.links(record.id),
            "history": [data.card(v) for v in api.history(record.id)],
        }

    def do_graph(request: Request, _: dict[str, Any]) -> Any:
        return data.graph(api, request.path_params["id"])

    def do_retention(request: Request, _: dict[str, Any]) -> Any:
        return data.retention_view(api, project=q(request, "project"))

    def do_conventions(request: Request, _: dict[str, Any]) -> Any:
        return data.conventions(api, project=q(request, "project"))

    def do_flagged(request: Request, _: dict[str, Any]) -> Any:
        return data.flagged(api, project=q(request, "project"))

    def do_status(request: Request, _: dict[str, Any]) -> Any:
        return {"status": status(), "stats": data.stats(api)}

    def do_curate(request: Request, body: dict[str, Any]) -> Any:
        """pin / unpin / edit / archive / restore / link / approve / quarantine."""
        action = request.path_params["action"]
        mid = need(body, "id")
        if action in ("pin", "unpin"):
            return data.card(api.pin(mid, action == "pin"))
        if action == "edit":
            old = api.get(mid)
            new = api.remember(
                need(body, "text"),
                project=old.project,
                kind=old.kind,
                tags=[t for t in old.tags if t not in ("distilled", "digest")],
                source="ui",
                supersedes=old.id,
                pinned=old.pinned,
                author=old.author,
            )
            return data.card(new)
        if action == "archive":
            return data.card(api.forget(mid))
        if action == "restore":
            return data.card(api.restore(mid))
        if action == "link":
            api.link(mid, need(body, "other"), str(body.get("relation") or "related"))
            return {"linked": True}
        if action in ("approve", "quarantine"):
            return [data.card(r) for r in api.audit(mid, action=action)]
        raise InvalidInputError(
            f"unknown action {action!r}",
            hint="Use pin, unpin, edit, archive, restore, link, approve or quarantine.",
        )

    routes = [
        Route("/", page),
        Route("/static/{name}", asset),
        Route("/api/search", endpoint(do_search)),
        Route("/api/timeline", endpoint(do_timeline)),
        Route("/api/memory/{id}", endpoint(do_memory)),
        Route("/api/graph/{id}", endpoint(do_graph)),
        Route("/api/retention", endpoint(do_retention)),
        Route("/api/conventions", endpoint(do_conventions)),
        Route("/api/flagged", endpoint(do_flagged)),
        Route("/api/status", endpoint(do_status)),
        Route("/api/curate/{action}", endpoint(do_curate), methods=["POST"]),
    ]
    return Starlette(routes=routes)
