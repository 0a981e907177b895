"""`memd`: the typer application. Composition root of the command-line entry point."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli import render
from memd.errors import MemdError

if TYPE_CHECKING:
    from memd.api import MemoryAPI
    from memd.config import Settings

app = typer.Typer(
    name="memd",
    help="memd: a local-first long-term memory for coding agents.\n\n"
    "Remember decisions, conventions, commands and fixes; recall them later by "
    "meaning or keywords. Everything stays on this machine.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
config_app = typer.Typer(help="Inspect memd's settings.", no_args_is_help=True)
app.add_typer(config_app, name="config")
mcp_app = typer.Typer(help="Serve memd to agents over MCP, and register it with them.", no_args_is_help=True)
app.add_typer(mcp_app, name="mcp")
daemon_app = typer.Typer(
    help="The background service that owns the store (fast, safe for many agents).",
    no_args_is_help=True,
)
app.add_typer(daemon_app, name="daemon")
watch_app = typer.Typer(
    help="Keep memory in step with project docs, git history and agent transcripts (needs the daemon).",
    no_args_is_help=True,
)
app.add_typer(watch_app, name="watch")
hooks_app = typer.Typer(
    help="Claude Code hooks: a briefing at session start, relevant memories with each prompt, "
    "a record at stop.",
    no_args_is_help=True,
)
app.add_typer(hooks_app, name="hooks")

EXIT_ERROR = 1


class State:
    home: Path | None = None


state = State()

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
ProjectOpt = Annotated[
    str | None,
    typer.Option(
        "--project",
        "-p",
        help="Project name (default: $MEMD_PROJECT, else this directory's git repository or folder).",
    ),
]
AllProjectsOpt = Annotated[
    bool, typer.Option("--all-projects", "-A", help="Every project, not just this directory's.")
]
KindsOpt = Annotated[
    list[str] | None,
    typer.Option("--kind", "-k", help="Only this kind; repeat for several."),
]


@app.callback()
def _root(
    home: Annotated[
        Path | None,
        typer.Option(
            "--home",
            envvar="MEMD_HOME",
            help="Data directory (default: the platform's user data dir).",
            show_envvar=True,
        ),
    ] = None,
) -> None:
    state.home = home


def _settings() -> Settings:
    from memd.config import load_settings

    return load_settings(state.home)


def _here(project: str | None) -> str:
    """The project a command means: the same rule as the MCP server and the hooks."""
    import os

    from memd.project import resolve_project

    try:
        cwd: str | None = os.getcwd()
    except OSError:  # the working directory was deleted
        cwd = None
    return resolve_project(project, cwd=cwd, fallback=_settings().default_project)


def _open() -> MemoryAPI:
    import memd

    return memd.connect(_settings())


@contextmanager
def _errors() -> Iterator[None]:
    """memd's errors become one line and a hint on stderr, and exit code 1."""
    try:
        yield
    except MemdError as exc:
        render.err.print(f"[bold red]Error:[/] {exc.message}")
        if exc.hint:
            render.err.print(f"[dim]{exc.hint}[/]")
        raise typer.Exit(EXIT_ERROR) from None


def _run(fn: Callable[[MemoryAPI], Any], *, wrote: Callable[[Any], str] | None = None) -> Any:
    """``fn`` on a fresh MemoryAPI. ``wrote`` names the project a write changed (from the
    result): its session-start snapshot is refreshed once the write is complete."""
    with _errors():
        mem = _open()
        try:
            result = fn(mem)
        finally:
            mem.close()
        if wrote is not None:
            from memd import briefcache

            briefcache.after_write(mem, _settings().home, wrote(result))
        return result


@app.command()
def remember(
    text: Annotated[
        str | None, typer.Argument(help="What to remember. Omit it (or pass -) to read stdin.")
    ] = None,
    project: ProjectOpt = None,
    kind: Annotated[
        str | None,
        typer.Option("--kind", "-k", help="episodic, semantic, procedural, preference or decision."),
    ] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", "-t", help="A tag; repeatable.")] = None,
    source_id: Annotated[
        str | None, typer.Option(help="Your own id for it: a file anchor, a commit, a URL.")
    ] = None,
    at: Annotated[
        str | None, typer.Option("--at", help="When it happened (ISO date/time); default now.")
    ] = None,
    importance: Annotated[float | None, typer.Option(min=0.0, max=1.0, help="0 to 1; default 0.5.")] = None,
    pin: Annotated[bool, typer.Option("--pin", help="Never let it fade.")] = False,
    supersedes: Annotated[
        str | None,
        typer.Option(help="Id of an older memory this one replaces (the old one is kept as history)."),
    ] = None,
    author: Annotated[
        str | None,
        typer.Option(help="Who said or wrote it; a recall that names them ranks their words first."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Store a memory. Identical text in the same project is stored once."""
    if text is None or text == "-":
        if sys.stdin is None or sys.stdin.isatty():
            render.err.print("[bold red]Error:[/] no text given")
            render.err.print("[dim]Pass the text as an argument, or pipe it in: echo note | memd remember[/]")
            raise typer.Exit(EXIT_ERROR)
        text = sys.stdin.read()
    where = _here(project)
    record = _run(
        lambda m: m.remember(
            text,
            project=where,
            kind=kind,
            tags=tag or (),
            source="cli",
            source_id=source_id,
            created_at=at,
            importance=importance,
            pinned=pin,
            supersedes=supersedes,
            author=author,
        ),
        wrote=lambda r: r.project,
    )
    if as_json:
        render.print_json(record)
    else:
        render.out.print(f"Remembered [cyan]{record.id}[/] in project [bold]{record.project}[/].")


@app.command()
def recall(
    query: Annotated[str, typer.Argument(help="A question or a few keywords.")],
    k: Annotated[int, typer.Option("--k", "-n", min=1, max=1000, help="How many hits.")] = 10,
    project: ProjectOpt = None,
    all_projects: AllProjectsOpt = False,
    kind: KindsOpt = None,
    since: Annotated[str | None, typer.Option(help="Only memories from this time on (ISO).")] = None,
    until: Annotated[str | None, typer.Option(help="Only memories before this time (ISO).")] = None,
    include_archived: Annotated[
        bool, typer.Option("--include-archived", help="Search forgotten memories too.")
    ] = False,
    explain: Annotated[bool, typer.Option("--explain", help="Show which channels found each hit.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Find the memories that best answer QUERY, best first, in this directory's project
    (--project names another, --all-projects searches every one).

    Times in the question narrow it: "last week", "in May 2023", "before the migration".
    Naming who said something favours their own words. Memories unrelated to the
    question are left out, even when that leaves none (MEMD_RELEVANCE_GATE=false
    always lists the closest).
    """
    where = None if all_projects else _here(project)
    hits = _run(
        lambda m: m.recall(
            query,
            k=k,
            project=where,
            kinds=kind,
            since=since,
            until=until,
            include_archived=include_archived,
        )
    )
    from cli import plain

    data = [h.model_dump(mode="json") for h in hits]
    # Plain text, not a rich table: the fast path (cli.fast) prints exactly the same.
    text = plain.hits_json(data) if as_json else plain.hits_text(data, explain=explain, project=where)
    sys.stdout.write(text + "\n")


@app.command()
def show(
    id: Annotated[str, typer.Argument(help="A memory id, or its first few characters.")],
    history: Annotated[bool, typer.Option("--history", help="Show every version, oldest first.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Show one memory with all its fields."""
    if history:
        chain = _run(lambda m: m.history(id))
        if as_json:
            render.print_json(chain)
        else:
            render.out.print(render.memories_table(chain, title="versions, oldest first"))
        return
    record = _run(lambda m: m.get(id))
    if as_json:
        render.print_json(record)
    else:
        render.out.print(render.record_panel(record))


@app.command("list")
def list_(
    project: ProjectOpt = None,
    all_projects: AllProjectsOpt = False,
    kind: KindsOpt = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="At most this many.")] = 20,
    include_archived: Annotated[
        bool, typer.Option("--include-archived", help="Include forgotten memories.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """List this directory's project's memories, newest first (--all-projects: every project).

    Memories that an older memd stored under the project 'default' are pointed out, with
    the command that moves them here.
    """
    where = None if all_projects else _here(project)

    def work(m: MemoryAPI) -> tuple[list[Any], int]:
        records = m.list(project=where, kinds=kind, limit=limit, include_archived=include_archived)
        fallback = _settings().default_project
        strays = 0
        if where is not None and where != fallback:
            strays = m.stats().by_project.get(fallback, 0)
        return records, strays

    records, strays = _run(work)
    if as_json:
        render.print_json(records)
    else:
        if not records:
            scope = f" in project {where}" if where else ""
            render.out.print(f'No memories{scope} yet. Add one with: memd remember "..."', markup=False)
        else:
            render.out.print(render.memories_table(records))
        if strays:
            sys.stderr.write(
                f"Note: {strays} {'memory sits' if strays == 1 else 'memories sit'} in the project "
                "'default' (stored without a project by an older memd), where no briefing looks. "
                "See them with `memd list -p default`; move them to this project with "
                "`memd move --from-project default`.\n"
            )


@app.command()
def forget(
    id: Annotated[str, typer.Argument(help="A memory id, or its first few characters.")],
    purge: Annotated[
        bool, typer.Option("--purge", help="Delete it for good instead of archiving it.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask before purging.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Archive a memory: it leaves recall but can be found with --include-archived.

    With --purge the memory is deleted physically, which cannot be undone.
    """
    if purge and not yes:
        if sys.stdin is None or not sys.stdin.isatty():
            render.err.print("[bold red]Error:[/] --purge deletes for good; add --yes to confirm.")
            raise typer.Exit(EXIT_ERROR)
        typer.confirm(f"Delete memory {id} for good?", abort=True)
    record = _run(lambda m: m.forget(id, purge=purge), wrote=lambda r: r.project)
    if as_json:
        render.print_json(record)
    else:
        verb = "Purged" if purge else "Archived"
        render.out.print(f"{verb} [cyan]{record.id}[/]: {record.text[:80]}")


@app.command()
def pin(
    id: Annotated[str, typer.Argument(help="A memory id, or its first few characters.")],
    off: Annotated[bool, typer.Option("--off", help="Unpin instead.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Pin a memory: it never fades and leads every project briefing."""
    record = _run(lambda m: m.pin(id, not off), wrote=lambda r: r.project)
    if as_json:
        render.print_json(record)
    else:
        render.out.print(f"{'Unpinned' if off else 'Pinned'} [cyan]{record.id}[/]: {record.text[:80]}")


@app.command()
def move(
    ids: Annotated[
        list[str] | None, typer.Argument(help="Memory ids (or their first few characters) to move.")
    ] = None,
    project: Annotated[
        str | None,
        typer.Option("--project", "-p", help="Where to move them (default: this directory's project)."),
    ] = None,
    from_project: Annotated[
        str | None,
        typer.Option("--from-project", help="Move every memory of this project, e.g. 'default'."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Move memories to another project; they keep their ids, history and strength.

    Older versions of memd stored memories written without --project under 'default',
    where this directory's briefing never looks. Bring them here with:

        memd move --from-project default
    """
    target = _here(project)
    result = _run(
        lambda m: m.move(ids or (), project=target, from_project=from_project), wrote=lambda r: r.project
    )
    if as_json:
        render.print_json(result)
        return
    render.out.print(f"Moved {len(result.moved)} memories to project {result.project}.", markup=False)
    if result.archived_as_duplicates:
        render.out.print(
            f"{len(result.archived_as_duplicates)} of them repeat a memory already there and were "
            "archived (memd list --include-archived shows them).",
            markup=False,
        )


@app.command()
def restore(
    id: Annotated[str, typer.Argument(help="A memory id, or its first few characters.")],
    as_json: JsonOpt = False,
) -> None:
    """Bring a forgotten (archived) memory back into recall."""
    record = _run(lambda m: m.restore(id), wrote=lambda r: r.project)
    if as_json:
        render.print_json(record)
    else:
        render.out.print(f"Restored [cyan]{record.id}[/]: {record.text[:80]}")


@app.command()
def maintain(as_json: JsonOpt = False) -> None:
    """Apply forgetting now: move faded memories down the tiers, compact the store.

    The daemon does this on its own every hour. Safe to interrupt and run again.
    """
    moves = _run(lambda m: m.maintain())
    if as_json:
        render.print_json(moves)
    elif not moves:
        render.out.print("Maintenance done: no memory changed tier.")
    else:
        render.out.print("Maintenance done: " + ", ".join(f"{k} {v}" for k, v in sorted(moves.items())))


@app.command()
def context(
    project: Annotated[
        str | None, typer.Option("--project", "-p", help="Project (default: this directory's).")
    ] = None,
    max_tokens: Annotated[int, typer.Option(min=50, max=100_000, help="Size budget.")] = 1500,
    as_json: JsonOpt = False,
) -> None:
    """Print the briefing an agent gets for a project: pins, conventions, decisions, problems."""
    name = _here(project)
    brief = _run(lambda m: m.context(name, max_tokens=max_tokens))
    if as_json:
        render.print_json(brief)
    else:
        render.out.print(brief.text, markup=False)


@app.command()
def stats(as_json: JsonOpt = False) -> None:
    """Count memories by project, kind and tier, and show the model in use."""
    result = _run(lambda m: m.stats())
    if as_json:
        render.print_json(result)
        return
    render.out.print(f"[bold]{result.total}[/] memories in {result.store}")
    render.out.print(f"model {result.embed_model} ({result.embed_dim} dims) on {result.device}")
    for title, counts in (
        ("project", result.by_project),
        ("kind", result.by_kind),
        ("tier", result.by_tier),
    ):
        if counts:
            render.out.print(f"by {title}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


@app.command()
def reindex() -> None:
    """Re-embed every memory with the configured model (after changing models)."""
    from rich.progress import Progress

    import memd

    with _errors():
        mem = memd.open_with(_settings(), check_model=False)
        with Progress(console=render.err, transient=True) as bar:
            task = bar.add_task("re-embedding", total=None)
            n = mem.reindex(progress=lambda done, total: bar.update(task, completed=done, total=total))
        mem.close()
    render.out.print(f"Re-embedded {n} memories.")


@app.command()
def demo(as_json: JsonOpt = False) -> None:
    """Store a few example memories in the 'memd-demo' project and recall from them."""
    from memd.demo import DEMO_PROJECT, run_demo

    result = _run(run_demo)
    if as_json:
        render.print_json(
            {
                "project": DEMO_PROJECT,
                "stored": result.stored,
                "answers": [{"question": q, "hits": h} for q, h in result.answers],
            }
        )
        return
    render.out.print(
        f"Stored {result.stored} example memories in project [bold]{DEMO_PROJECT}[/] "
        "(your other projects are untouched).\n"
    )
    for question, hits in result.answers:
        render.out.print(render.hits_table(hits, explain=True, title=f"recall: {question}"))
    render.out.print(f'\nTry: memd recall "where do secrets come from?" -p {DEMO_PROJECT} --explain')


@config_app.command("show")
def config_show(as_json: JsonOpt = False) -> None:
    """Print every setting in force and where the data lives."""
    with _errors():
        settings = _settings()
    data = settings.model_dump(mode="json") | {
        "store_location": settings.store_location,
        "config_file": str(settings.config_path),
    }
    if as_json:
        render.print_json(data)
        return
    for key, value in data.items():
        render.out.print(f"[bold]{key}[/] = {value}")
    render.out.print("\n[dim]Override with MEMD_<NAME> (e.g. MEMD_HOME) or in the config file above.[/]")


@app.command()
def version(as_json: JsonOpt = False) -> None:
    """Print memd's version."""
    import memd

    if as_json:
        render.print_json({"memd": memd.__version__, "python": sys.version.split()[0]})
    else:
        render.out.print(f"memd {memd.__version__}")


@mcp_app.command("serve")
def mcp_serve(
    http: Annotated[
        bool, typer.Option("--http", help="Streamable HTTP on localhost instead of stdio.")
    ] = False,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port for --http.")] = 8765,
    project: Annotated[
        str | None,
        typer.Option("--project", "-p", help="Default project (default: from the working directory)."),
    ] = None,
) -> None:
    """Run the MCP server (agents start this; you rarely run it by hand)."""
    from mcp_server.server import serve

    with _errors():
        serve(
            transport="http" if http else "stdio",
            port=port,
            project=project,
            home=str(state.home) if state.home else None,
        )


ClientArg = Annotated[
    str, typer.Option("--client", "-c", help="claude-code, cursor, codex or claude-desktop.")
]


def _print_change(change: Any) -> None:
    render.out.print(change.summary, markup=False)
    if change.backup is not None:
        render.out.print(f"  backup: {change.backup}", markup=False)


@mcp_app.command("install")
def mcp_install(client: ClientArg) -> None:
    """Add memd to an agent's MCP configuration (backs the file up; safe to repeat)."""
    from memd.integrations import install_client

    env = {"MEMD_HOME": str(state.home)} if state.home else None
    with _errors():
        _print_change(install_client(client, env=env))
    render.out.print("Restart the client to load memd.")


@mcp_app.command("uninstall")
def mcp_uninstall(client: ClientArg) -> None:
    """Remove memd from an agent's MCP configuration."""
    from memd.integrations import uninstall_client

    with _errors():
        _print_change(uninstall_client(client))


@hooks_app.command("install")
def hooks_install() -> None:
    """Add memd's hooks to ~/.claude/settings.json (backs it up; safe to repeat)."""
    from memd.integrations import install_hooks

    with _errors():
        _print_change(install_hooks())


@hooks_app.command("uninstall")
def hooks_uninstall() -> None:
    """Remove memd's hooks from ~/.claude/settings.json."""
    from memd.integrations import uninstall_hooks

    with _errors():
        _print_change(uninstall_hooks())


@hooks_app.command("run", hidden=True)
def hooks_run(
    event: Annotated[str, typer.Argument(help="session-start, user-prompt-submit, pre-compact or stop.")],
    timeout: Annotated[float, typer.Option(help="Hard deadline in seconds.")] = 1.8,
) -> None:
    """Run one hook with Claude Code's payload on stdin. Always exits 0: a hook must never block."""
    from memd.hooks import run_safely

    stdin = sys.stdin.read() if sys.stdin is not None and not sys.stdin.isatty() else ""
    output = run_safely(event, stdin, home=state.home, timeout=timeout)
    if output:
        sys.stdout.write(output + "\n")
    raise typer.Exit(0)


@watch_app.command("add")
def watch_add(
    path: Annotated[Path, typer.Argument(help="A repository, a docs folder, or ~/.claude/projects.")],
    project: Annotated[
        str | None, typer.Option("--project", "-p", help="Project (default: from git root + remote).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Watch PATH: Markdown sections, new git commits and Claude Code requests become memories."""
    from memd.daemon import control

    with _errors():
        client = control.require(_settings())
        import os

        from memd.project import PROJECT_ENV

        named = project or os.environ.get(PROJECT_ENV, "").strip() or None
        entry = client.call("watch_add", path=str(path), project=named)
    if as_json:
        render.print_json(entry)
    else:
        render.out.print(
            f"Watching {entry['path']} as project {entry['project']} ({entry['kind']}).", markup=False
        )


@watch_app.command("list")
def watch_list(as_json: JsonOpt = False) -> None:
    """List watched paths."""
    from memd.daemon import control

    with _errors():
        entries = control.require(_settings()).call("watch_list")
    if as_json:
        render.print_json(entries)
    elif not entries:
        render.out.print("Nothing is watched. Add a path with: memd watch add PATH")
    else:
        for e in entries:
            render.out.print(f"{e['path']}  project={e['project']}  ({e['kind']})", markup=False)


@watch_app.command("remove")
def watch_remove(path: Annotated[Path, typer.Argument(help="A watched path.")]) -> None:
    """Stop watching PATH (its memories stay)."""
    from memd.daemon import control

    with _errors():
        control.require(_settings()).call("watch_remove", path=str(path))
    render.out.print(f"No longer watching {path}.", markup=False)


def _print_status(status: dict[str, Any], as_json: bool) -> None:
    if as_json:
        render.print_json(status)
        return
    for key, value in status.items():
        render.out.print(f"[bold]{key}[/] {value}")


@daemon_app.command("start")
def daemon_start(as_json: JsonOpt = False) -> None:
    """Start the daemon in the background (it keeps the model warm)."""
    from memd.daemon import control

    with _errors():
        _print_status(control.start(_settings()), as_json)


@daemon_app.command("stop")
def daemon_stop(as_json: JsonOpt = False) -> None:
    """Stop the daemon; queued writes are finished first."""
    from memd.daemon import control

    with _errors():
        _print_status(control.stop(_settings()), as_json)


@daemon_app.command("restart")
def daemon_restart(as_json: JsonOpt = False) -> None:
    """Stop the daemon if it runs, then start it."""
    from memd.daemon import control

    with _errors():
        control.stop(_settings())
        _print_status(control.start(_settings()), as_json)


@daemon_app.command("status")
def daemon_status(as_json: JsonOpt = False) -> None:
    """Uptime, memory count, queue depth, watched paths, last error, RSS, model, device."""
    from memd.daemon import control

    with _errors():
        status = control.status(_settings())
    _print_status(status, as_json)
    if not status.get("running"):
        raise typer.Exit(EXIT_ERROR)


@daemon_app.command("logs")
def daemon_logs(
    lines: Annotated[int, typer.Option("--lines", "-n", min=1, help="How many lines.")] = 50,
) -> None:
    """Print the end of the daemon's log."""
    from memd.daemon import control

    render.out.print(control.tail(_settings().home, lines), markup=False, highlight=False)


@daemon_app.command("run")
def daemon_run() -> None:
    """Run the daemon in the foreground (for systemd, launchd or a terminal)."""
    from memd.daemon.server import run

    with _errors():
        run(_settings())


@daemon_app.command("install")
def daemon_install() -> None:
    """Write a systemd user unit (Linux) or launchd agent (macOS) that runs the daemon."""
    from memd.daemon import control
    from memd.integrations import memd_command

    with _errors():
        path = control.install_service(_settings(), memd_exe=memd_command())
    render.out.print(f"Wrote {path}", markup=False)
    if sys.platform == "darwin":
        render.out.print(f"Load it with: launchctl load {path}", markup=False)
    else:
        render.out.print(
            "Enable it with: systemctl --user daemon-reload && systemctl --user enable --now memd",
            markup=False,
        )


def main() -> None:
    app()


if __name__ == "__main__":
    main()
