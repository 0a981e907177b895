"""Fuzzing the surfaces people and agents reach memd through, with hypothesis.

- **socket**: request lines to a real daemon — garbage bytes, JSON that is not a request,
  requests with unknown methods, known methods with parameters of any shape. Every line
  gets one JSON answer, a result or an error with a message (no traceback, no
  "daemon error" from an unexpected exception); the daemon keeps answering; a rejected
  request leaves the store as it was.
- **cli**: argument lists for every command, from its own options and values of any
  shape. Exit 0 (accepted) or a usage / input error (exit 1 or 2) with a message; never a
  traceback.
- **mcp**: every tool of a real MCP server with arguments of any shape built from its own
  parameter names: a result or a tool error with a message, never an unexpected exception.

    python benchmarks/fuzz.py --cases 10000              # the issue's figure, per surface
    python benchmarks/fuzz.py --cases 300 --only socket    # or cli, mcp
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from memd.daemon import protocol  # noqa: E402

# Methods that change or stop the daemon in ways a fuzz run must not (its own watchers,
# shutdown, a full reindex per case); everything else is fair game.
SKIP = {"shutdown", "watch_add", "watch_remove", "reindex", "maintain", "import_lines", "distill", "move"}
METHODS = sorted((protocol.API_METHODS | protocol.DAEMON_METHODS) - SKIP)
WRITES = {"remember", "remember_many", "forget", "pin", "link", "audit", "code"}

json_scalar = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**40), 2**40), st.floats(allow_nan=False), st.text(max_size=40)
)
json_value = st.recursive(
    json_scalar,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=10), kids, max_size=4),
    max_leaves=12,
)
PARAM_NAMES = [
    "text",
    "project",
    "kind",
    "tags",
    "id",
    "ids",
    "k",
    "query",
    "items",
    "pinned",
    "supersedes",
    "since",
    "until",
    "limit",
    "purge",
    "a",
    "b",
    "relation",
    "max_tokens",
    "task",
    "action",
    "author",
    "source",
    "created_at",
    "importance",
    "kinds",
    "include_archived",
    "projects",
    "with_vectors",
]
params = st.dictionaries(st.sampled_from(PARAM_NAMES), json_value, max_size=5)
requests = st.one_of(
    st.binary(max_size=120).map(lambda b: b.replace(b"\n", b" ") + b"\n"),
    json_value.map(lambda v: (json.dumps(v) + "\n").encode()),
    st.builds(
        lambda m, p, v: (json.dumps({"v": v, "id": 1, "method": m, "params": p}) + "\n").encode(),
        st.one_of(st.sampled_from(METHODS), st.text(max_size=12)),
        st.one_of(params, json_value),
        st.one_of(st.just(protocol.VERSION), json_scalar),
    ),
)


def seeded(cases: int):
    """The same cases on every run (derandomized, no example database): a figure can be
    reproduced and a failure replayed."""
    return settings(
        max_examples=cases,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )


class Conn:
    def __init__(self, path: Path) -> None:
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.settimeout(60)
        self.sock.connect(str(path))
        self.file = self.sock.makefile("rb")

    def ask(self, line: bytes) -> dict:
        self.sock.sendall(line)
        answer = self.file.readline()
        if not answer:
            raise AssertionError(f"no answer to {line[:80]!r}")
        return json.loads(answer)

    def total(self) -> int:
        return self.ask(protocol.encode({"v": protocol.VERSION, "id": 0, "method": "stats", "params": {}}))[
            "result"
        ]["total"]


def fuzz_socket(cases: int, home: Path) -> dict:
    from memd.config import load_settings
    from memd.daemon import control, socket_path

    settings_ = load_settings(home)
    control.start(settings_)
    seen = {"cases": 0, "errors": 0, "results": 0}
    try:
        conn = Conn(socket_path(home))
        conn.ask(
            protocol.encode(
                {
                    "v": protocol.VERSION,
                    "id": 0,
                    "method": "remember",
                    "params": {"text": "the fuzz target's one memory", "project": "f"},
                }
            )
        )

        @seeded(cases)
        @given(requests)
        def one(line: bytes) -> None:
            before = conn.total()
            answer = conn.ask(line)
            seen["cases"] += 1
            assert set(answer) >= {"v", "id"} and ("result" in answer) != ("error" in answer), answer
            if "error" in answer:
                seen["errors"] += 1
                err = answer["error"]
                assert err.get("message") and "Traceback" not in err["message"], err
                assert not err["message"].startswith("daemon error"), (line[:200], err)
                assert conn.total() == before, ("a rejected request changed the store", line[:200])
            else:
                seen["results"] += 1
            assert conn.ask(
                protocol.encode({"v": protocol.VERSION, "id": 9, "method": "ping", "params": {}})
            )["result"]["pong"]

        one()
    finally:
        control.stop(settings_)
    return seen


def fuzz_cli(cases: int, home: Path) -> dict:
    import os

    from typer.testing import CliRunner

    from cli.main import app

    os.environ["MEMD_HOME"] = str(home)
    os.environ["MEMD_NO_DAEMON"] = "1"
    os.environ["MEMD_PROJECT"] = "fuzz"
    runner = CliRunner()
    commands = [
        "remember",
        "recall",
        "list",
        "show",
        "forget",
        "pin",
        "context",
        "stats",
        "audit",
        "export",
        "distill",
        "move",
        "link",
        "restore",
        "config",
    ]
    opts = [
        "--project",
        "-p",
        "--kind",
        "-k",
        "--json",
        "--limit",
        "-n",
        "--since",
        "--until",
        "--task",
        "--max-tokens",
        "--explain",
        "--all-projects",
        "-A",
        "--tags",
        "--author",
        "--supersedes",
        "--off",
        "--include-archived",
        "--history",
        "--with-vectors",
        "approve",
        "quarantine",
        "list",
    ]
    word = st.one_of(st.sampled_from(opts), st.text(max_size=20), st.integers(-5, 100000).map(str))
    argv = st.builds(lambda c, rest: [c, *rest], st.sampled_from(commands), st.lists(word, max_size=5))
    seen = {"cases": 0, "ok": 0, "rejected": 0}

    @seeded(cases)
    @given(argv)
    def one(args: list[str]) -> None:
        if "\x00" in "".join(args):
            return  # the OS cannot pass a NUL in an argument
        r = runner.invoke(app, args)
        seen["cases"] += 1
        out = (r.stdout or "") + (r.stderr or "")
        assert r.exception is None or isinstance(r.exception, SystemExit), (args, repr(r.exception))
        assert "Traceback" not in out, (args, out[-500:])
        assert r.exit_code in (0, 1, 2), (args, r.exit_code, out[-300:])
        seen["ok" if r.exit_code == 0 else "rejected"] += 1

    one()
    return seen


def fuzz_mcp(cases: int, home: Path) -> dict:
    """Every MCP tool of a real server (in process, the real store and model) called with
    arguments of any shape built from its own parameter names: a result, or a ToolError
    with a message (validation or memd's own error); never an unexpected exception."""
    import anyio
    from mcp.server.mcpserver.exceptions import ToolError

    import memd
    from mcp_server.server import build_server

    api = memd.open(home)
    server = build_server(api, "fuzz")
    tools = anyio.run(server.list_tools)
    names = {t.name: sorted((t.input_schema or {}).get("properties", {})) for t in tools}
    call = st.sampled_from(sorted(names)).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.dictionaries(st.sampled_from(names[n] or ["x"]) | st.text(max_size=8), json_value, max_size=4),
        )
    )
    seen = {"cases": 0, "results": 0, "tool_errors": 0}

    @seeded(cases)
    @given(call)
    def one(case: tuple[str, dict]) -> None:
        name, args = case
        seen["cases"] += 1
        try:
            anyio.run(server.call_tool, name, args)
            seen["results"] += 1
        except ToolError as exc:
            if type(exc) is not ToolError:  # UnexpectedToolError: the tool itself crashed
                raise AssertionError((name, args, repr(exc.__cause__))) from exc
            assert str(exc), (name, args)
            seen["tool_errors"] += 1

    try:
        one()
    finally:
        api.close()
    return seen


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--only", choices=("socket", "cli", "mcp"))
    ap.add_argument("--home", type=Path, help="keep the stores (and the daemon's log) here")
    args = ap.parse_args()
    report = {}
    with tempfile.TemporaryDirectory() as tmp:
        if args.home:
            tmp = str(args.home)
        for name, fn in (("socket", fuzz_socket), ("cli", fuzz_cli), ("mcp", fuzz_mcp)):
            if args.only and name != args.only:
                continue
            t0 = time.perf_counter()
            report[name] = fn(args.cases, Path(tmp) / name) | {"seconds": round(time.perf_counter() - t0, 1)}
            print(name, report[name], file=sys.stderr, flush=True)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
