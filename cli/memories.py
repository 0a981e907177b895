"""Commands on memories: remember, recall, show, list, forget, pin, move, restore, maintain,
context, stats."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli import render
from cli.app import (
    EXIT_ERROR,
    AllProjectsOpt,
    JsonOpt,
    KindsOpt,
    ProjectOpt,
    app,
    current_settings,
    handled_errors,
    here,
    run_api,
)

if TYPE_CHECKING:
    from memd.api import MemoryAPI


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
    anchor: Annotated[
        list[str] | None,
        typer.Option(
            "--anchor",
            "-a",
            help="Code it describes: path, path:10-20 or path::Symbol (repeatable). "
            "Files the text names are anchored too, unless --no-auto-anchor.",
        ),
    ] = None,
    auto_anchor: Annotated[
        bool, typer.Option("--auto-anchor/--no-auto-anchor", help="Anchor files and symbols the text names.")
    ] = True,
    shared: Annotated[
        bool,
        typer.Option("--shared", help="Store it in the team's shared store (team_uri), not your own."),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Store a memory. Identical text in the same project is stored once.

    A memory about code can name it (--anchor): memd then notices when that code moves
    (and follows it), changes (recall and the briefing say "may be outdated") or is deleted
    (the memory is archived). `memd stale` lists those whose code moved on.
    """
    if text is None or text == "-":
        if sys.stdin is None or sys.stdin.isatty():
            render.err.print("[bold red]Error:[/] no text given")
            render.err.print("[dim]Pass the text as an argument, or pipe it in: echo note | memd remember[/]")
            raise typer.Exit(EXIT_ERROR)
        text = sys.stdin.read()
    # A new version belongs where the old one is unless --project says otherwise: the
    # directory this runs in is no evidence about a memory named by its id.
    where = here(project) if project or not supersedes else None
    anchors = _anchors(text, anchor or [], auto_anchor)
    options = {
        "project": where,
        "kind": kind,
        "tags": tag or (),
        "source": "cli",
        "source_id": source_id,
        "created_at": at,
        "importance": importance,
        "pinned": pin,
        "supersedes": supersedes,
        "author": author,
        "anchors": anchors,
    }
    if shared:
        from memd.team.view import remember_shared

        record = run_api(lambda m: remember_shared(m, text, **options))
    else:
        record = run_api(lambda m: m.remember(text, **options), wrote=lambda r: r.project)
    if as_json:
        render.print_json(record)
    else:
        if "queued" in record.tags:  # the team store was unreachable (memd.team.view)
            render.out.print(
                "The team store is unreachable: queued, secrets redacted; it goes out with the next "
                "command that reaches it."
            )
            return
        where_to = "the team's shared store" if shared else "project"
        render.out.print(f"Remembered [cyan]{record.id}[/] in {where_to} [bold]{record.project}[/].")


def _anchors(text: str, specs: list[str], auto: bool) -> list[Any]:
    """Anchors resolved here, in the directory the command runs in (the daemon's own
    directory is elsewhere): the --anchor specs, then code files the text names."""
    import os

    from memd.anchors.resolve import anchors_for

    try:
        cwd = os.getcwd()
    except OSError:  # the working directory was deleted: nothing to anchor to
        return []
    with handled_errors():
        return anchors_for(text, specs, cwd, auto=auto)


@app.command()
def recall(
    query: Annotated[str | None, typer.Argument(help="A question or a few keywords.")] = None,
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
    file: Annotated[
        str | None, typer.Option("--file", help="What is remembered about this file (instead of a query).")
    ] = None,
    symbol: Annotated[
        str | None,
        typer.Option(
            "--symbol", help="What is remembered about this function or class, and code calling it."
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Find the memories that best answer QUERY in this directory's project, best first.

    --project names another project, --all-projects searches every one.

    Times in the question narrow it: "last week", "in May 2023", "before the migration".
    Naming who said something favours their own words. Memories unrelated to the
    question are left out, even when that leaves none (MEMD_RELEVANCE_GATE=false
    always lists the closest).
    """
    where = None if all_projects else here(project)
    if file or symbol:
        from cli.code import show_matches

        show_matches(file=file, symbol=symbol, project=where, as_json=as_json, limit=k)
        return
    if not query:
        render.err.print("[bold red]Error:[/] no query given")
        render.err.print("[dim]Ask a question: memd recall 'how do we deploy?', or use --file / --symbol.[/]")
        raise typer.Exit(2)  # a usage error, as typer's own for a missing argument
    hits, warnings = run_api(
        lambda m: (
            m.recall(
                query,
                k=k,
                project=where,
                kinds=kind,
                since=since,
                until=until,
                include_archived=include_archived,
            ),
            list(getattr(m, "warnings", ())),  # a team store not reached (memd.team.view)
        )
    )
    for warning in warnings:
        render.err.print(f"[yellow]Warning:[/] {warning}", markup=True)
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
        chain = run_api(lambda m: m.history(id))
        if as_json:
            render.print_json(chain)
        else:
            render.out.print(render.memories_table(chain, title="versions, oldest first"))
        return
    record, links = run_api(lambda m: (r := m.get(id), m.links(r.id)))
    if as_json:
        render.print_json({**record.model_dump(mode="json"), "links": links})
    else:
        render.out.print(render.record_panel(record))
        for line in render.link_lines(record.id, links):
            render.out.print(line, markup=False)


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
    """List this directory's project's memories, newest first.

    --project names another project, --all-projects lists every one.

    Memories that an older memd stored under the project 'default' are pointed out, with
    the command that moves them here.
    """
    where = None if all_projects else here(project)

    def work(m: MemoryAPI) -> tuple[list[Any], int]:
        records = m.list(project=where, kinds=kind, limit=limit, include_archived=include_archived)
        return records, _strays(m, where)

    records, strays = run_api(work)
    if as_json:
        render.print_json(records)
    else:
        if not records:
            scope = f" in project {where}" if where else ""
            render.out.print(f'No memories{scope} yet. Add one with: memd remember "..."', markup=False)
        else:
            render.out.print(render.memories_table(records))
        _note_strays(strays)


def _strays(m: MemoryAPI, where: str | None) -> int:
    """How many memories sit in the fallback project while the command looks at another:
    what an older memd stored without --project, out of every briefing's sight."""
    fallback = current_settings().default_project
    if where is None or where == fallback:
        return 0
    return m.stats().by_project.get(fallback, 0)


def _note_strays(strays: int) -> None:
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
    record = run_api(lambda m: m.forget(id, purge=purge), wrote=lambda r: r.project)
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
    record = run_api(lambda m: m.pin(id, not off), wrote=lambda r: r.project)
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
    target = here(project)
    result = run_api(
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
    record = run_api(lambda m: m.restore(id), wrote=lambda r: r.project)
    if as_json:
        render.print_json(record)
    else:
        render.out.print(f"Restored [cyan]{record.id}[/]: {record.text[:80]}")


@app.command()
def maintain(
    shared: Annotated[
        bool,
        typer.Option("--shared", help="Maintain the team store instead, if no other machine is doing it."),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Apply forgetting now: move faded memories down the tiers, compact the store.

    The daemon does this on its own every hour. Safe to interrupt and run again. With
    --shared, the team store is maintained under a lease kept in the store: one machine at a
    time, taken over when its holder has not renewed it for 10 minutes.
    """
    if shared:
        from memd.team.view import maintain_shared

        report = run_api(maintain_shared)
        if as_json:
            render.print_json(report)
        elif report["ran"]:
            render.out.print(
                f"Team store maintained: {report.get('moves') or 'no tier changes'}.", markup=False
            )
        else:
            render.out.print(f"Skipped: {report['holder']} is maintaining the team store.", markup=False)
        return
    moves = run_api(lambda m: m.maintain())
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
    task: Annotated[
        str | None,
        typer.Option("--task", "-t", help="What you are about to do; what concerns it comes first."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Print the briefing an agent gets for a project (the rules in force first).

    Sections: pinned, conventions and rules, decisions, facts, open problems, recent events;
    never a replaced version. With --task, what concerns the task comes first."""
    name = here(project)

    def work(m: MemoryAPI) -> tuple[Any, int]:
        brief = m.context(name, max_tokens=max_tokens, task=task)
        return brief, (0 if brief.memory_ids else _strays(m, name))

    brief, strays = run_api(work)
    if as_json:
        render.print_json(brief)
    else:
        render.out.print(brief.text, markup=False)
        _note_strays(strays)


@app.command()
def stats(
    llm: Annotated[
        bool, typer.Option("--llm", help="What the local LLM cost instead: calls, tokens, seconds.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Count memories by project, kind and tier, and show the model in use
    (--llm: the local LLM's ledger by use, all time and the last hour)."""
    if llm:
        from cli.llm import print_ledger

        return print_ledger(as_json)
    result = run_api(lambda m: m.stats())
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
