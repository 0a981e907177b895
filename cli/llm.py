"""`memd ask`, and what the local LLM has cost (`memd stats --llm`)."""

from __future__ import annotations

from typing import Annotated

import typer

from cli import render
from cli.app import AllProjectsOpt, JsonOpt, ProjectOpt, app, current_settings, handled_errors, here


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help='A question, e.g. "when did we move to Postgres?"')],
    project: ProjectOpt = None,
    all_projects: AllProjectsOpt = False,
    k: Annotated[int, typer.Option("--k", "-k", min=1, max=50, help="Memories to recall for it.")] = 8,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            help="'bundled' (SmolLM2-135M), 'gemma3' (Gemma 3 270M) or a GGUF file (default: ask_model).",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Answer a question from your memories with the local LLM, citing the memories used.

    memd recalls what it knows about the question and lets a local model answer from those
    memories only. The answer is checked against them: one that names things they do not
    hold becomes "I don't know". The bundled model is tiny (answers are rough); point
    ask_model at a larger GGUF file of your own for better ones. Runs in the daemon when it
    is running (the model stays loaded), else here (a few seconds to load).
    """
    from memd.ask import ask_here_or_in_daemon

    where = None if all_projects else here(project)
    with handled_errors():
        answer = ask_here_or_in_daemon(current_settings(), question, project=where, k=k, model=model)
    if as_json:
        render.print_json(answer)
        return
    render.out.print(answer.answer, markup=False, soft_wrap=True)
    if answer.cited:
        render.out.print("from: " + ", ".join(i[:8] for i in answer.cited), style="dim", markup=False)
    elif answer.why:
        render.out.print(f"({answer.why}; model {answer.model})", style="dim", markup=False)


def print_ledger(as_json: bool) -> None:
    """The ledger's totals: all time and the last hour, by use."""
    import time

    from memd.inference.ledger import Ledger

    ledger = Ledger(current_settings().home)
    report = {"all_time": ledger.summary(), "last_hour": ledger.summary(time.time() - 3600)}
    if as_json:
        render.print_json(report)
        return
    if not report["all_time"]:
        render.out.print("The local LLM has not been used (memd ask, distill_llm, query_expansion use it).")
        return
    for title, rows in (("all time", report["all_time"]), ("last hour", report["last_hour"])):
        render.out.print(f"[bold]{title}[/]")
        for use, r in sorted(rows.items()):
            render.out.print(
                f"  {use:<12} {r['calls']:>6} calls  {r['tokens_in']:>8} tokens in  {r['tokens_out']:>7} out"
                f"  {r['seconds']:>8.1f} s  skipped {r['skipped']}  failed {r['failed']}",
                markup=False,
            )
