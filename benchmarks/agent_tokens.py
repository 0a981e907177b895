"""What an agent reads from memd over MCP: the tool list, and one 10-hit recall.

Runs the real server (`memd mcp serve`) over stdio with a real MCP client, on a fresh
store holding the demo's memories and 30 more coding notes, and counts what reaches the
model: characters, and tokens by the bundled MiniLM tokenizer (WordPiece; Claude's own
tokenizer is not available offline, so the figures compare, they do not bill).

    python benchmarks/agent_tokens.py            # prints one JSON line
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import anyio
from mcp import Client
from mcp.client.stdio import StdioServerParameters

QUERY = "how do we test, deploy and review changes in this project?"
NOTES = [
    f"{area}: {detail}"
    for area, detail in [
        ("testing", "unit tests live next to the code as test_*.py and run in under a minute"),
        ("testing", "integration tests need the db container; `make itest` starts it"),
        ("testing", "snapshot tests are updated with `pytest --snapshot-update` and reviewed in the PR"),
        ("deploy", "staging deploys on every merge to main through the GitHub Actions workflow deploy.yml"),
        ("deploy", "production deploys are manual: run `make release` and approve in the Actions tab"),
        ("deploy", "rollbacks use `make rollback VERSION=...`; never revert migrations by hand"),
        ("review", "every PR needs one approving review and green CI before merge"),
        ("review", "reviewers check migrations for locking statements on big tables"),
        ("review", "squash merge is the default; keep the PR title imperative"),
        ("ci", "CI runs ruff, mypy and pytest; mypy runs in strict mode on services/"),
        ("ci", "the nightly job runs the slow tests and the load test against staging"),
        ("style", "type hints everywhere; no bare except; logging through structlog"),
        ("style", "private helpers start with an underscore and live at the bottom of the module"),
        ("db", "migrations are written with alembic and must be reversible"),
        ("db", "the orders table is partitioned by month since March"),
        ("api", "errors are returned as RFC 7807 problem documents"),
        ("api", "pagination uses opaque cursors, never offsets"),
        ("infra", "secrets come from Vault via the sidecar; never from .env files in production"),
        ("infra", "the staging cluster scales to zero at night"),
        ("release", "the changelog is generated from PR titles by release-please"),
        ("testing", "flaky tests are quarantined with @pytest.mark.flaky and a ticket link"),
        ("testing", "property tests use hypothesis with the ci profile (200 examples)"),
        ("deploy", "feature flags live in LaunchDarkly; remove a flag within two sprints"),
        ("review", "a PR over 400 lines is split before review"),
        ("ci", "the Docker image is built once per commit and promoted, never rebuilt"),
        ("style", "docstrings follow the Google style"),
        ("db", "read replicas serve reports; writes always go to the primary"),
        ("api", "the public API is versioned in the path: /v1, /v2"),
        ("infra", "logs ship to Loki; traces to Tempo"),
        ("release", "release branches are cut on Thursdays"),
    ]
]


def tokens(text: str) -> int:
    from tokenizers import Tokenizer

    from memd.embedding import BUNDLED

    tok = Tokenizer.from_file(str(BUNDLED["minilm-l6-int8"].tokenizer))
    tok.no_truncation()
    return len(tok.encode(text, add_special_tokens=False).ids)


async def measure(home: str, repo: Path) -> dict:
    exe = Path(sys.executable).parent / "memd"
    params = StdioServerParameters(
        command=str(exe), args=["mcp", "serve"], env={**os.environ, "MEMD_HOME": home}, cwd=str(repo)
    )
    async with Client(params, read_timeout_seconds=120) as c:
        listed = await c.list_tools()
        tool_list = json.dumps(
            [
                {
                    "name": t.name,
                    "description": t.description,
                    "input_schema": t.input_schema,
                    **({"output_schema": t.output_schema} if t.output_schema else {}),
                }
                for t in listed.tools
            ]
        )
        result = await c.call_tool("recall", {"query": QUERY, "k": 10})
        content = "".join(block.text for block in result.content if getattr(block, "text", None))
        structured = json.dumps(result.structured_content) if result.structured_content else ""
    return {
        "tools": len(listed.tools),
        "tool_list_chars": len(tool_list),
        "tool_list_tokens": tokens(tool_list),
        "recall_hits": content.count('"text"'),
        "recall_content_chars": len(content),
        "recall_content_tokens": tokens(content),
        "recall_structured_chars": len(structured),
        "recall_structured_tokens": tokens(structured) if structured else 0,
        "descriptions_with_runs_of_spaces": sum("  " in (t.description or "") for t in listed.tools),
    }


def main() -> None:
    import memd
    from memd.demo import MEMORIES

    with tempfile.TemporaryDirectory() as tmp:
        home, repo = os.path.join(tmp, "home"), Path(tmp, "repo")
        repo.mkdir()
        from memd.project import project_for

        mem = memd.open(home)
        project = project_for(repo)
        for kind, text, tags in MEMORIES:
            mem.remember(text, project=project, kind=kind, tags=tags)
        for note in NOTES:
            mem.remember(note, project=project, kind="semantic")
        mem.close()
        print(json.dumps(anyio.run(measure, home, repo)))


if __name__ == "__main__":
    main()
