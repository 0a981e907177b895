"""Commands that teach memd from conversations: ingest, distill."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli import render
from cli.app import JsonOpt, ProjectOpt, app, current_settings, handled_errors, here, run_api

if TYPE_CHECKING:
    from memd.api import MemoryAPI


@app.command()
def ingest(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Transcripts (Claude Code .jsonl), chat exports (ChatGPT's conversations.json, "
            "JSON with role/content, 'Name: text' lines) or Markdown.",
        ),
    ],
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Store a conversation and learn the rules, decisions and facts said in it.

    Each turn is stored; the conventions, decisions, preferences, facts and open problems said
    in them become memories of their own, and a newer statement about the same subject
    replaces the older one. Running it again on the same file stores nothing twice.
    """
    from memd.ingest.conversations import read_file

    where = here(project)
    with handled_errors():
        readings = [(path, read_file(path.expanduser())) for path in paths]
    items = [{**turn, "project": where} for _, r in readings for turn in r.items]
    files = [
        {"path": str(path), "format": r.format, "lines": r.lines_in, "lines_kept": r.lines_kept}
        for path, r in readings
    ]

    def work(m: MemoryAPI) -> dict[str, Any]:
        before = _distilled_count(m, where)
        ids = m.remember_many(items)
        learned = _distilled_count(m, where) - before
        return {"project": where, "turns": len(ids), "learned": learned, "files": files}

    result = run_api(work, wrote=lambda r: r["project"])
    if as_json:
        render.print_json(result)
    else:
        for f in files:  # what was read, so a file read the wrong way shows at once
            kept = f"{f['lines_kept']} of {f['lines']} lines kept"
            render.out.print(f"{f['path']}: read as {f['format']}, {kept}")
        render.out.print(
            f"Stored {result['turns']} turns in project [bold]{where}[/]; "
            f"{result['learned']} new rule(s), decision(s) or fact(s) learned. "
            f"See them with: memd context -p {where}"
        )


def _distilled_count(m: MemoryAPI, project: str) -> int:
    return sum(1 for r in m.list(project=project, limit=None, include_archived=True) if r.source == "distill")


@app.command()
def distill(
    project: Annotated[
        str | None,
        typer.Option("--project", "-p", help="Only this project (default: every project)."),
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="Only turns from this date on (ISO date or time).")
    ] = None,
    llm: Annotated[
        bool,
        typer.Option(
            "--llm",
            help="Also ask the local model (distill_llm_model) about sentences the rules read "
            "nothing in; slow (about half a second a sentence on a CPU). Runs in this process.",
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Learn from the conversation turns already stored (safe to run again).

    Finds the conventions, decisions, preferences, facts and open problems in them and keeps
    each as a memory of its own. What is already known is not stored twice, and an older
    statement never replaces a newer one."""
    from rich.progress import Progress

    with Progress(console=render.err, transient=True) as bar:
        task = bar.add_task("distilling" + (" (with the local model: slow)" if llm else ""), total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        if llm:
            import memd

            # The model runs in this process: a daemon request would time out on a long run.
            with handled_errors():
                service = memd.open_with(current_settings())
                try:
                    result = service.distill(project=project, since=since, progress=progress, llm=True)
                finally:
                    service.close()
        else:
            result = run_api(
                lambda m: m.distill(project=project, since=since, progress=progress),
                wrote=(lambda _r: project) if project else None,
            )
    if as_json:
        render.print_json(result)
    else:
        render.out.print(
            f"Learned {result.stored} new memories ({result.replaced} replacing an older version); "
            f"{result.confirmed} statements confirmed what was already known."
        )
