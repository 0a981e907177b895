"""Code-anchored memories on a small generated git history: symbols found by a real parser,
anchors from specs and from text, and each way code moves on — changed, moved by rename,
moved to another file, deleted — seen on recall, in the briefing and by `memd stale`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fakes import HashEmbedder

import memd
from memd.anchors.check import Checker
from memd.anchors.resolve import anchors_for, parse_spec
from memd.anchors.symbols import Parsers, SymbolCache, parse_symbols
from memd.errors import InvalidInputError
from memd.records import Tier
from memd.service.codewatch import DELETED_TAG, STALE_TAG

CLIENT = """import time


class Client:
    def charge(self, amount):
        for attempt in range(3):
            try:
                return self._post(amount)
            except IOError:
                time.sleep(2 ** attempt)

    def refund(self, charge_id):
        return self._post({"refund": charge_id})
"""
API = """from payments.client import Client


def checkout(cart):
    return Client().charge(cart.total)
"""


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def _commit(repo: Path, message: str) -> None:
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", message)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    r = tmp_path / "shop"
    (r / "payments").mkdir(parents=True)
    (r / "payments" / "client.py").write_text(CLIENT)
    (r / "api.py").write_text(API)
    _git(r, "init", "-q")
    _commit(r, "first")
    return r


@pytest.fixture
def shop(home: Path, clock, repo: Path):
    m = memd.open(home, embedder=HashEmbedder(), clock=clock)
    yield m, repo
    m.close()


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


# -- parsing and resolving ----------------------------------------------------------------


def test_symbols_come_from_a_parser_for_each_language():
    parsers = Parsers()
    py = parse_symbols(parsers.get("python"), CLIENT.encode())
    assert [(s.qualname, s.kind, s.start, s.end) for s in py] == [
        ("Client", "class", 4, 13),
        ("Client.charge", "method", 5, 10),
        ("Client.refund", "method", 12, 13),
    ]
    # A def inside a string is not a definition.
    assert parse_symbols(parsers.get("python"), b'DOC = """\ndef fake():\n"""\n') == []
    ts = parse_symbols(
        parsers.get("typescript"),
        b"export class Cart { total(): number { return 1 } }\nexport const pay = () => 1;\ninterface I {}\n",
    )
    assert [s.qualname for s in ts] == ["Cart", "Cart.total", "pay", "I"]
    go = parse_symbols(
        parsers.get("go"), b"package p\nfunc (c *C) Charge() error { return nil }\nfunc F() {}\n"
    )
    assert [s.name for s in go] == ["Charge", "F"]
    assert set(parsers.available()) >= {"python", "javascript", "typescript", "go", "rust"}


def _hash(source: str, name: str) -> str:
    (found,) = [s for s in parse_symbols(Parsers().get("python"), source.encode()) if s.name == name]
    return found.body_hash


def test_a_definition_hashes_by_what_it_means_not_how_it_is_written():
    """What a formatter changes (quotes, wrapping, trailing commas, grouping parentheses,
    re-split strings, comments, indentation) keeps the hash; a change of meaning does not."""
    before = """@retry(3)
def fetch(url, timeout=5):
    ok = (url and timeout > 0)  # guard
    log('fetching ' 'now', url)
    return get(url, timeout=timeout, headers={'a': 1})
"""
    black = """@retry(3)
def fetch(url, timeout=5):
    ok = url and timeout > 0
    log("fetching " "now", url)
    return get(
        url,
        timeout=timeout,
        headers={"a": 1},
    )
"""
    assert _hash(black, "fetch") == _hash(before, "fetch")
    assert _hash(before.replace("    ", "  "), "fetch") == _hash(before, "fetch")
    assert _hash(before.replace("'fetching ' 'now'", "'fetching now'"), "fetch") == _hash(before, "fetch")
    for edit in (
        ("retry(3)", "retry(5)"),  # decorators count
        ("timeout > 0", "timeout >= 0"),
        ("(url and timeout > 0)", "url and (timeout > 0)"),  # the same grouping: equal...
        ("'a': 1", "'a': 2"),
        ("'fetching '", "'Fetching '"),
        ("url, timeout=timeout", "url, (timeout,)"),  # a one-element tuple is not a group
    ):
        changed = _hash(before.replace(*edit), "fetch") != _hash(before, "fetch")
        assert changed == (edit[1] != "url and (timeout > 0)"), edit
    assert _hash("def f():\n    return (a + b) * c\n", "f") != _hash("def f():\n    return a + b * c\n", "f")
    assert _hash(CLIENT.replace('"refund"', '"refund_id"'), "refund") != _hash(CLIENT, "refund")


def test_specs_and_their_errors(repo: Path):
    assert parse_spec("a/b.py") == ("a/b.py", None, None, None)
    assert parse_spec("a/b.py:3-9") == ("a/b.py", 3, 9, None)
    assert parse_spec("a/b.py:7") == ("a/b.py", 7, 7, None)
    assert parse_spec("a/b.py::Client.charge") == ("a/b.py", None, None, "Client.charge")
    assert parse_spec("a/b.py:charge") == ("a/b.py", None, None, "charge")
    (a,) = anchors_for("", ["payments/client.py::charge"], repo)
    assert (a.path, a.symbol, a.start, a.end, a.state) == (
        "payments/client.py",
        "Client.charge",
        5,
        10,
        "current",
    )
    assert a.root == str(repo.resolve()) and a.commit and len(a.commit) == 40
    (lines,) = anchors_for("", ["api.py:4-5"], repo / "payments")  # from a subdirectory
    assert (lines.path, lines.start, lines.end, lines.symbol) == ("api.py", 4, 5, None)
    with pytest.raises(InvalidInputError, match="no symbol 'pay'") as info:
        anchors_for("", ["payments/client.py::pay"], repo)
    assert "Client.charge" in info.value.hint
    with pytest.raises(InvalidInputError, match="no file"):
        anchors_for("", ["payments/nope.py"], repo)
    with pytest.raises(InvalidInputError, match="outside"):
        anchors_for("", ["api.py:4-99"], repo)
    with pytest.raises(InvalidInputError, match="outside the repository"):
        anchors_for("", ["../elsewhere.py"], repo)


def test_code_a_text_names_is_anchored_and_names_alone_are_not_guessed(repo: Path):
    found = anchors_for("The retry logic lives in payments/client.py::Client.charge, 3 attempts", [], repo)
    assert [(a.path, a.symbol, a.auto) for a in found] == [("payments/client.py", "Client.charge", True)]
    found = anchors_for("`refund()` in payments/client.py posts the charge id", [], repo)
    assert [a.symbol for a in found] == ["Client.refund"]
    whole = anchors_for("api.py is the only entry point", [], repo)
    assert [(a.path, a.symbol, a.start) for a in whole] == [("api.py", None, 1)]
    assert anchors_for("charge() retries three times", [], repo) == []  # which charge? not guessed
    assert anchors_for("see docs/missing.py", [], repo) == []
    assert anchors_for("payments/client.py::charge", [], repo, auto=False) == []


# -- how code moves on ----------------------------------------------------------------------


def test_unchanged_code_writes_nothing_and_shifted_lines_are_followed(shop):
    m, repo = shop
    r = m.remember(
        "charge retries 3 times", project="p", anchors=anchors_for("", ["payments/client.py::charge"], repo)
    )
    span = m.remember("the import block", project="p", anchors=anchors_for("", ["api.py:1-1"], repo))
    before = m.store.versions()
    assert {h.id for h in m.recall("charge retries", k=5)} >= {r.id}
    assert m.store.versions() == before, "a recall over unchanged code wrote to the store"
    (repo / "api.py").write_text("# a comment pushed everything down\n\n" + API)
    (match,) = [x for x in m.code("stale", project="p") if x.memory.id == span.id] or [None]
    assert match is None, "lines that only shifted are not stale"
    (a,) = m.get(span.id).anchors
    assert (a.start, a.end, a.state) == (3, 3, "current")


def test_changed_code_is_marked_on_recall_in_the_briefing_and_fades_faster(shop):
    m, repo = shop
    r = m.remember(
        "The retry logic lives in Client.charge: 3 attempts",
        project="p",
        kind="semantic",
        anchors=anchors_for("", ["payments/client.py::Client.charge"], repo),
    )
    stability = r.stability
    _edit(repo / "payments" / "client.py", "range(3)", "range(5)")
    (hit,) = [h for h in m.recall("retry logic attempts", k=3) if h.id == r.id]
    (a,) = hit.memory.anchors
    assert a.state == "changed" and a.stale
    assert "was `for attempt in range(3):`" in a.note and "now `for attempt in range(5):`" in a.note
    assert STALE_TAG in hit.memory.tags
    assert m.get(r.id).stability == pytest.approx(stability * 0.5)
    m.recall("retry logic attempts", k=3)
    assert m.get(r.id).stability >= stability * 0.5 - 1e-6  # halved once, not on every recall
    brief = m.context("p").text
    assert "may be outdated" in brief and "range(5)" in brief
    (line,) = [x for x in brief.splitlines() if "3 attempts" in x]
    assert line.startswith("- The retry logic lives in Client.charge: 3 attempts (may be outdated: ")
    [stale] = m.code("stale", project="p")
    assert stale.memory.id == r.id and "changed" in stale.why
    # Confirming re-anchors it to the code as it is now.
    (confirmed,) = m.code("confirm", id=r.id)
    assert confirmed.memory.anchors[0].state == "current" and STALE_TAG not in confirmed.memory.tags
    assert m.code("stale", project="p") == []
    assert "may be outdated" not in m.context("p").text


def test_a_renamed_file_is_followed_by_git_rename_detection(shop):
    m, repo = shop
    r = m.remember(
        "charge retries", project="p", anchors=anchors_for("", ["payments/client.py::charge"], repo)
    )
    _git(repo, "mv", "payments/client.py", "payments/stripe_client.py")
    _commit(repo, "rename")
    (match,) = m.code("stale", project="p")
    assert "moved" in match.why and "payments/stripe_client.py" in match.why
    (a,) = m.get(r.id).anchors
    assert (a.path, a.symbol, a.state) == ("payments/stripe_client.py", "Client.charge", "moved")
    assert not a.stale and m.get(r.id).tier is not Tier.ARCHIVED
    assert "may be outdated" not in m.context("p").text


def test_a_symbol_moved_to_another_file_is_found_by_name_and_body(shop):
    m, repo = shop
    r = m.remember(
        "refunds post the id", project="p", anchors=anchors_for("", ["payments/client.py::refund"], repo)
    )
    client = repo / "payments" / "client.py"
    body = CLIENT[CLIENT.index("    def refund") :]
    client.write_text(CLIENT.replace(body, "").rstrip() + "\n")
    (repo / "payments" / "refunds.py").write_text("class Refunds:\n" + body)
    _commit(repo, "split refunds out")
    (match,) = m.code("stale", project="p")
    (a,) = m.get(r.id).anchors
    assert (a.path, a.symbol, a.state) == ("payments/refunds.py", "Refunds.refund", "moved")


def test_deleted_code_archives_the_memory_with_the_reason(shop):
    m, repo = shop
    r = m.remember("checkout charges once", project="p", anchors=anchors_for("", ["api.py::checkout"], repo))
    (repo / "api.py").unlink()
    _commit(repo, "drop the api module")
    (match,) = m.code("stale", project="p")
    record = m.get(r.id)
    assert record.tier is Tier.ARCHIVED and DELETED_TAG in record.tags
    assert "api.py was deleted" in match.why
    assert "checkout charges once" not in m.context("p").text
    assert m.restore(r.id).tier is not Tier.ARCHIVED  # archived, never deleted


def test_recall_by_file_and_symbol_includes_code_that_calls_it(shop):
    m, repo = shop
    on_charge = m.remember(
        "charge retries 3 times", project="p", anchors=anchors_for("", ["payments/client.py::charge"], repo)
    )
    on_checkout = m.remember(
        "checkout charges once per cart", project="p", anchors=anchors_for("", ["api.py::checkout"], repo)
    )
    m.remember("unrelated note", project="p")
    by_symbol = m.code("about", symbol="charge", project="p")
    assert [x.memory.id for x in by_symbol] == [on_charge.id, on_checkout.id]
    assert "which uses charge" in by_symbol[1].why
    by_file = m.code("about", path="payments/client.py", project="p")
    assert [x.memory.id for x in by_file] == [on_charge.id]
    with pytest.raises(InvalidInputError):
        m.code("about", project="p")
    with pytest.raises(InvalidInputError, match="unknown action"):
        m.code("nonsense")


def test_a_new_version_keeps_the_anchors_and_export_carries_them(shop):
    m, repo = shop
    old = m.remember(
        "charge retries 3 times", project="p", anchors=anchors_for("", ["payments/client.py::charge"], repo)
    )
    new = m.remember("charge retries 5 times", supersedes=old.id)
    assert new.anchors == old.anchors
    line = next(x for x in m.export(projects=["p"]) if new.id in x)
    assert json.loads(json.loads(line)["memory"]["anchors"])[0]["symbol"] == "Client.charge"


def test_a_changed_line_range_without_git_is_still_seen(tmp_path: Path, home: Path, clock):
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "settings.py").write_text("TIMEOUT = 30\nRETRIES = 3\n")
    m = memd.open(home, embedder=HashEmbedder(), clock=clock)
    r = m.remember("timeout is 30 s", project="p", anchors=anchors_for("", ["settings.py:1"], plain))
    assert r.anchors[0].commit is None
    (plain / "settings.py").write_text("TIMEOUT = 60\nRETRIES = 3\n")
    (match,) = m.code("stale", project="p")
    assert "changed since it was remembered" in match.why
    m.close()


def test_checks_are_cached_by_modification_time(repo: Path):
    cache = SymbolCache()
    checker = Checker(cache)
    (a,) = anchors_for("", ["payments/client.py::charge"], repo)
    for _ in range(5):
        assert checker.check(a).anchor.state == "current"
    assert cache.parses == 1
    _edit(repo / "payments" / "client.py", "range(3)", "range(4)")
    os.utime(repo / "payments" / "client.py", ns=(1, 2_000_000_000_000_000_000))
    assert checker.check(a).anchor.state == "changed" and cache.parses == 2


# -- the edges: CLI and daemon ----------------------------------------------------------------


@pytest.mark.slow
def test_cli_anchors_lists_stale_and_recalls_by_symbol(repo: Path, home: Path):
    exe = str(Path(sys.executable).parent / "memd")
    env = {**os.environ, "MEMD_HOME": str(home), "MEMD_PROJECT": "shop"}

    def memd_(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([exe, *args], cwd=repo, env=env, capture_output=True, text=True, timeout=120)

    done = memd_("remember", "--json", "--anchor", "payments/client.py::charge", "charge retries 3 times")
    assert done.returncode == 0, done.stderr
    rid = json.loads(done.stdout)["id"]
    assert json.loads(done.stdout)["anchors"][0]["symbol"] == "Client.charge"
    bad = memd_("remember", "--anchor", "payments/client.py::nope", "x")
    assert bad.returncode == 1 and "no symbol 'nope'" in bad.stderr and "Traceback" not in bad.stderr
    _edit(repo / "payments" / "client.py", "range(3)", "range(5)")
    listed = memd_("stale")
    assert listed.returncode == 0 and rid[:8] in listed.stdout and "range(5)" in listed.stdout
    shown = memd_("recall", "retries")
    assert "MAY BE OUTDATED" in shown.stdout
    by_symbol = memd_("recall", "--symbol", "charge", "--json")
    assert [x["memory"]["id"] for x in json.loads(by_symbol.stdout)] == [rid]
    by_file = memd_("recall", "--file", "client.py")
    assert rid[:8] in by_file.stdout
    assert memd_("stale", "--confirm", rid).returncode == 0
    assert "No memory describes code that changed" in memd_("stale").stdout


@pytest.mark.slow
def test_mcp_remember_takes_code_and_recall_warns_when_it_changed(repo: Path, home: Path):
    import anyio
    from mcp import Client
    from test_mcp import recall, server_params

    async def scenario() -> None:
        async with Client(server_params(home, repo), read_timeout_seconds=60) as c:
            r = await c.call_tool(
                "remember",
                {"text": "charge retries 3 times with backoff", "code": ["payments/client.py::charge"]},
            )
            assert not r.is_error, r.content
            assert r.structured_content["code"] == ["payments/client.py::Client.charge"]
            bad = await c.call_tool("remember", {"text": "x", "code": ["payments/client.py::nope"]})
            assert bad.is_error and "no symbol 'nope'" in bad.content[0].text
            _edit(repo / "payments" / "client.py", "range(3)", "range(5)")
            (hit,) = await recall(c, {"query": "charge retries backoff", "k": 1})
            assert "may be outdated" in hit.get("warning", str(hit)) and "range(5)" in hit["warning"]
            about = await c.call_tool("recall_code", {"symbol": "charge"})
            rows = json.loads(about.content[0].text)  # the note, and the rule distilled from it
            assert rows and {r["why"] for r in rows} == {"anchored to payments/client.py::Client.charge"}
            assert all("range(5)" in r["outdated"] for r in rows)

    anyio.run(scenario)


def test_the_daemon_notices_a_commit_between_recalls(shop, home: Path, monkeypatch):
    """Without any recall, the daemon's maintenance loop archives a memory whose code a
    commit deleted and re-points one whose file was renamed."""
    from memd.config import load_settings
    from memd.daemon import server

    m, repo = shop
    gone = m.remember(
        "checkout charges once", project="p", anchors=anchors_for("", ["api.py::checkout"], repo)
    )
    kept = m.remember(
        "charge retries", project="p", anchors=anchors_for("", ["payments/client.py::charge"], repo)
    )
    monkeypatch.setattr(server, "CHECKPOINT_EVERY_S", 0.05)
    monkeypatch.setattr(server, "CODE_CHECK_EVERY_S", 0.1)
    daemon = server.Daemon(load_settings(home), m)
    (repo / "api.py").unlink()
    _git(repo, "mv", "payments/client.py", "payments/stripe_client.py")
    _commit(repo, "drop api, rename client")
    loop = server.threading.Thread(target=daemon._maintain, daemon=True)
    loop.start()
    try:
        deadline = time.monotonic() + 10
        while m.get(gone.id).tier is not Tier.ARCHIVED and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        daemon._stop.set()
        loop.join(timeout=5)
    assert m.get(gone.id).tier is Tier.ARCHIVED and DELETED_TAG in m.get(gone.id).tags
    assert m.get(kept.id).anchors[0].path == "payments/stripe_client.py"


def test_the_briefing_checks_the_code_itself_without_a_recall_first(shop):
    m, repo = shop
    m.remember(
        "The retry logic lives in Client.charge: 3 attempts",
        project="p",
        kind="semantic",
        anchors=anchors_for("", ["payments/client.py::Client.charge"], repo),
    )
    m.remember(
        "checkout charges once",
        project="p",
        kind="semantic",
        anchors=anchors_for("", ["api.py::checkout"], repo),
    )
    _edit(repo / "payments" / "client.py", "range(3)", "range(5)")
    (repo / "api.py").unlink()
    brief = m.context("p").text  # a cold hook briefs like this: no recall has looked yet
    assert "may be outdated" in brief and "range(5)" in brief
    assert "checkout charges once" not in brief


def test_memd_stale_lists_what_may_be_wrong_and_counts_what_only_moved(
    home: Path, repo: Path, monkeypatch: pytest.MonkeyPatch
):
    from typer.testing import CliRunner

    from cli.main import app

    runner = CliRunner()
    monkeypatch.chdir(repo)
    for text, spec in (
        ("checkout charges the cart once", "api.py::checkout"),
        ("charge retries", "payments/client.py::charge"),
    ):
        assert runner.invoke(app, ["remember", text, "-p", "p", "--anchor", spec]).exit_code == 0
    _git(repo, "mv", "api.py", "shop_api.py")  # moved: followed, still right
    _edit(repo / "payments" / "client.py", "range(3)", "range(5)")  # changed: may be wrong
    _commit(repo, "rename and change")
    out = runner.invoke(app, ["stale", "-p", "p"]).stdout
    assert "[stale] charge retries" in out and "checkout" not in out
    assert "1 more followed their code" in out and "memd stale --all" in out
    out = runner.invoke(app, ["stale", "-p", "p", "--all"]).stdout
    assert "[moved] checkout charges the cart once" in out and "[stale] charge retries" in out
