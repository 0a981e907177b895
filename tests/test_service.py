"""The in-process service over a real LanceDB in a temp dir (fast fake embedder)."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime

import pytest
from fakes import HashEmbedder

import memd
from memd.errors import (
    AmbiguousIdError,
    EmptyTextError,
    ForeignStoreError,
    InvalidInputError,
    ModelMismatchError,
    NotFoundError,
    StoreUnreadableError,
    StoreVersionError,
    TextTooLongError,
)
from memd.records import Kind, Tier
from memd.store import SCHEMA_VERSION


def test_remember_then_get_round_trips_every_field(mem, clock):
    r = mem.remember(
        "Tests run with `pytest -n auto`",
        project="api",
        kind="procedural",
        tags=["Testing"],
        source_id="README.md#testing",
        created_at="2024-03-01T12:00:00Z",
        importance=0.9,
        pinned=True,
    )
    got = mem.get(r.id)
    assert got == r
    assert got.kind is Kind.PROCEDURAL and got.project == "api" and got.tags == ("testing",)
    assert got.source_id == "README.md#testing"
    assert got.created_at == datetime(2024, 3, 1, 12, tzinfo=UTC)
    assert got.updated_at == clock.now()
    assert got.importance == pytest.approx(0.9) and got.pinned and got.tier is Tier.ACTIVE
    assert "pytest -n auto" in got.entities
    assert got.stability > 0 and len(got.content_hash) == 32


def test_same_content_same_project_is_stored_once(mem):
    a = mem.remember("Use ruff for linting", project="p")
    b = mem.remember("use   RUFF for linting", project="p")
    c = mem.remember("Use ruff for linting", project="q")
    assert a.id == b.id != c.id
    assert mem.stats().total == 2


def test_remember_many_validates_everything_before_writing(mem):
    mem.remember("already here", project="p")
    with pytest.raises(EmptyTextError, match="item 2"):
        mem.remember_many([{"text": "one"}, {"text": "two"}, {"text": "  "}])
    with pytest.raises(InvalidInputError, match="item 0"):
        mem.remember_many([{"text": "x", "kind": "gossip"}])
    with pytest.raises(InvalidInputError, match="item 0"):
        mem.remember_many([{"txt": "typo in the field name"}])
    assert mem.stats().total == 1


def test_remember_many_keeps_order_and_dedupes(mem):
    seen = []
    ids = mem.remember_many(
        [
            {"text": "alpha", "project": "p"},
            {"text": "beta", "project": "p"},
            {"text": "ALPHA", "project": "p"},
        ],
        progress=lambda done, total: seen.append((done, total)),
    )
    assert ids[0] == ids[2] != ids[1]
    assert mem.get(ids[1]).text == "beta"
    assert seen[-1] == (2, 2)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"text": ""}, EmptyTextError),
        ({"text": "x" * 20_000}, TextTooLongError),
        ({"text": "ok", "kind": "gossip"}, InvalidInputError),
        ({"text": "ok", "importance": 2.0}, InvalidInputError),
        ({"text": "ok", "created_at": "not a date"}, InvalidInputError),
        ({"text": "ok", "project": "x" * 300}, InvalidInputError),
    ],
)
def test_bad_input_is_refused_and_nothing_changes(mem, kwargs, error):
    mem.remember("keep me", project="p")
    with pytest.raises(error) as info:
        mem.remember(**kwargs)
    assert info.value.hint  # every error tells the user what to do
    assert [r.text for r in mem.list()] == ["keep me"]


def test_unknown_and_ambiguous_ids(mem, monkeypatch):
    with pytest.raises(NotFoundError):
        mem.get("deadbeefdeadbeef")
    with pytest.raises(InvalidInputError):
        mem.get("  ")
    fixed = iter(["abcd000000000001", "abcd000000000002", "ffff000000000003"])
    monkeypatch.setattr("memd.service.writing.new_id", lambda: next(fixed))
    mem.remember_many([{"text": "one"}, {"text": "two"}, {"text": "three"}])
    assert mem.get("abcd000000000002").text == "two"
    assert mem.get("ffff").text == "three"
    with pytest.raises(AmbiguousIdError, match="abcd"):
        mem.get("abcd")
    with pytest.raises(NotFoundError):
        mem.get("abc")  # too short to be taken as a prefix
    with pytest.raises(NotFoundError):
        mem.get("ab%_")  # LIKE wildcards are not wildcards here


def test_keyword_search_sees_a_write_at_once(mem):
    mem.remember("The flaky test was caused by a shared FakeClock", project="p")
    hits = mem.recall("FakeClock")
    assert hits and "FakeClock" in hits[0].memory.text
    assert "keyword" in hits[0].channels


def test_recall_filters(mem):
    mem.remember("deploy with make deploy", project="web", kind="procedural", created_at="2024-01-05")
    mem.remember("deploy with helm upgrade", project="infra", kind="procedural", created_at="2024-06-05")
    mem.remember("deploy went wrong on friday", project="web", kind="episodic", created_at="2024-06-07")
    texts = lambda hits: {h.memory.text for h in hits}  # noqa: E731
    assert texts(mem.recall("deploy", project="web")) == {
        "deploy with make deploy",
        "deploy went wrong on friday",
    }
    assert texts(mem.recall("deploy", kinds=["procedural"])) == {
        "deploy with make deploy",
        "deploy with helm upgrade",
    }
    assert texts(mem.recall("deploy", since="2024-06-01")) == {
        "deploy with helm upgrade",
        "deploy went wrong on friday",
    }
    assert texts(mem.recall("deploy", until="2024-02-01")) == {"deploy with make deploy"}
    assert texts(mem.recall("deploy", project=["web", "infra"], k=1)) <= {
        "deploy with make deploy",
        "deploy with helm upgrade",
        "deploy went wrong on friday",
    }
    assert len(mem.recall("deploy", k=1)) == 1


def test_hits_explain_their_channels_and_are_sorted(mem):
    mem.remember_many(
        [{"text": t} for t in ["redis cache eviction policy", "cache warmup script", "unrelated cat photo"]]
    )
    hits = mem.recall("redis cache")
    assert hits[0].memory.text == "redis cache eviction policy"
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    for h in hits:
        assert h.channels and all(c.rank >= 1 for c in h.channels.values())


@pytest.mark.parametrize(
    "query",
    [
        "😀😀😀",
        "' OR 1=1; DROP TABLE memories; --",
        'AND OR NOT ( "unclosed',
        "title:foo^3 ~2 *",
        "запрос на русском",
        "数据库迁移",
        "x" * 100_000,
        "\\",
        "%_%",
        # times no datetime holds
        "deploys on 9999-12-31",
        "what broke two weeks after December 9999",
        "two weeks before 0001-01-02",
        "9999999999 years ago",
        "two weeks after the",
    ],
)
def test_bad_queries_never_crash(mem, query):
    mem.remember("ordinary memory about databases", project="p")
    hits = mem.recall(query)
    assert isinstance(hits, list)


def test_empty_query_and_bad_k_are_clear_errors(mem):
    with pytest.raises(InvalidInputError, match="empty"):
        mem.recall("   ")
    with pytest.raises(InvalidInputError, match="k=0"):
        mem.recall("x", k=0)


def test_project_names_cannot_inject_sql(mem):
    mem.remember("secret plans", project="alpha")
    evil = "x' OR '1'='1"
    mem.remember("evil project memory", project=evil)
    assert [h.memory.project for h in mem.recall("project memory", project=evil)] == [evil]
    assert {h.memory.project for h in mem.recall("plans", project="alpha")} == {"alpha"}


def test_forget_archives_and_purge_deletes(mem):
    r = mem.remember("old convention: tabs", project="p")
    archived = mem.forget(r.id)
    assert archived.tier is Tier.ARCHIVED
    assert mem.recall("tabs convention") == []
    assert [h.id for h in mem.recall("tabs convention", include_archived=True)] == [r.id]
    assert mem.list() == [] and len(mem.list(include_archived=True)) == 1
    mem.forget(r.id, purge=True)
    with pytest.raises(NotFoundError):
        mem.get(r.id)


def test_list_is_newest_first_and_limited(mem):
    for day in range(1, 6):
        mem.remember(f"event on day {day}", created_at=f"2024-01-0{day}")
    listed = mem.list(limit=3)
    assert [r.text for r in listed] == ["event on day 5", "event on day 4", "event on day 3"]


def test_stats(mem):
    mem.remember("a", project="p", kind="decision")
    mem.remember("b", project="q")
    s = mem.stats()
    assert s.total == 2 and s.by_project == {"p": 1, "q": 1}
    assert s.by_kind == {"decision": 1, "episodic": 1} and s.by_tier == {"active": 2}
    assert s.embed_model == "test-hash" and s.embed_dim == 64 and s.schema_version == SCHEMA_VERSION


def test_data_survives_reopen(home):
    m = memd.open(home, embedder=HashEmbedder())
    r = m.remember("persist me across processes")
    m.close()
    m2 = memd.open(home, embedder=HashEmbedder())
    assert m2.get(r.id).text == "persist me across processes"
    assert m2.recall("persist")[0].id == r.id


def test_other_model_is_a_clear_error_until_reindexed(home):
    m = memd.open(home, embedder=HashEmbedder(dim=64))
    r = m.remember("embedded with the old model")
    with pytest.raises(ModelMismatchError) as info:
        memd.open(home, embedder=HashEmbedder(dim=32, name="other"))
    assert "memd reindex" in info.value.hint
    m2 = memd.open(home, embedder=HashEmbedder(dim=32, name="other"), check_model=False)
    assert m2.reindex() == 1
    m3 = memd.open(home, embedder=HashEmbedder(dim=32, name="other"))
    assert m3.get(r.id).text == "embedded with the old model"
    assert m3.recall("old model")[0].id == r.id
    assert m3.stats().embed_dim == 32


def test_reindex_same_width_keeps_everything(home):
    m = memd.open(home, embedder=HashEmbedder(dim=64))
    ids = m.remember_many([{"text": f"note {i}"} for i in range(5)])
    m2 = memd.open(home, embedder=HashEmbedder(dim=64, name="renamed"), check_model=False)
    assert m2.reindex() == 5
    assert sorted(r.id for r in m2.list(limit=None)) == sorted(ids)
    assert m2.stats().embed_model == "renamed"


def test_empty_store_adopts_a_new_model(home):
    memd.open(home, embedder=HashEmbedder(dim=64)).close()
    m = memd.open(home, embedder=HashEmbedder(dim=16, name="small"))
    assert m.stats().embed_dim == 16
    m.remember("fits the new width")


def test_foreign_directory_is_refused_untouched(tmp_path):
    foreign = tmp_path / "photos"
    foreign.mkdir()
    (foreign / "cat.jpg").write_bytes(b"\xff\xd8")
    with pytest.raises(ForeignStoreError):
        memd.open(foreign, embedder=HashEmbedder())
    assert sorted(p.name for p in foreign.iterdir()) == ["cat.jpg"]


def test_home_that_is_a_file_is_refused(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(StoreUnreadableError):
        memd.open(f, embedder=HashEmbedder())


def test_store_from_a_newer_memd_is_refused(home):
    m = memd.open(home, embedder=HashEmbedder())
    m.store._set_meta({"schema_version": "99"})
    with pytest.raises(StoreVersionError, match="99"):
        memd.open(home, embedder=HashEmbedder())


def test_home_dir_is_private(home):
    memd.open(home, embedder=HashEmbedder()).close()
    assert (home.stat().st_mode & 0o777) == 0o700


def _at_once(home, work, **options) -> list:
    """Run ``work(home, tag, options)`` in two processes at once (spawned: a fork would copy
    LanceDB's threads), each with a service instance of its own; their results, in order."""
    memd.open(home, embedder=HashEmbedder()).close()  # created before either instance opens it
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        return pool.starmap(work, [(str(home), tag, options) for tag in ("alpha", "beta")])


def _remember_fifteen(home: str, tag: str, options: dict) -> None:
    m = memd.open(home, embedder=HashEmbedder(), **options)
    for i in range(15):
        m.remember(f"{tag} memory {i}")
    m.close()


def _supersede_eleven_times(home: str, tag: str, options: dict) -> str:
    m = memd.open(home, embedder=HashEmbedder(), **options)
    current = m.remember(f"{tag} port is 8000", project="p").id
    for i in range(1, 12):
        current = m.remember(f"{tag} port is {8000 + i}", supersedes=current).id
    m.close()
    return current


def test_concurrent_writers_lose_nothing(home):
    """Two processes write at once through the lock."""
    _at_once(home, _remember_fifteen)
    c = memd.open(home, embedder=HashEmbedder())
    assert c.stats().total == 30


def test_concurrent_supersessions_leave_one_current_version_each(home):
    """Two processes each replace their own note over and over while the other writes:
    every chain ends with exactly one current version."""
    last = _at_once(home, _supersede_eleven_times, compact_every=7)
    c = memd.open(home, embedder=HashEmbedder())
    current = c.list(project="p", limit=None)
    assert sorted(r.id for r in current) == sorted(last)
    for newest in last:
        chain = c.history(newest)
        assert len(chain) == 12 and chain[-1].id == newest
        assert all(r.superseded_by == chain[n + 1].id for n, r in enumerate(chain[:-1]))


def test_compaction_keeps_every_memory(home):
    m = memd.open(home, embedder=HashEmbedder(), compact_every=5)
    ids = [m.remember(f"compact me {i}").id for i in range(12)]
    assert sorted(r.id for r in m.list(limit=None)) == sorted(ids)
    assert m.recall("compact me 7")[0].memory.text == "compact me 7"


def test_supersede_keeps_history_and_recall_prefers_the_new(mem):
    old = mem.remember("tests run with pytest -x", project="p", kind="procedural", tags=["testing"])
    new = mem.remember("tests run with pytest -n auto", supersedes=old.id[:8])
    assert new.project == "p" and new.kind is Kind.PROCEDURAL and new.tags == ("testing",)
    assert mem.get(old.id).superseded_by == new.id
    assert [h.id for h in mem.recall("tests run with pytest")] == [new.id]
    assert old.id in {h.id for h in mem.recall("tests run with pytest", include_archived=True)}
    newer = mem.remember("tests run with make test", supersedes=new.id)
    assert [r.id for r in mem.history(new.id)] == [old.id, new.id, newer.id]
    with pytest.raises(InvalidInputError, match="same"):
        mem.remember("tests run with make test", supersedes=newer.id)


def test_pin_link_and_context(mem):
    rule = mem.remember("Never force-push to main", project="p", kind="preference")
    dec = mem.remember("Chose Postgres for transactions", project="p", kind="decision")
    bug = mem.remember("Login fails on Safari", project="p", tags=["bug"])
    mem.remember("Other project's note", project="q")
    assert mem.pin(rule.id).pinned
    mem.link(dec.id, bug.id, "causes")
    assert mem.links(bug.id) == [{"src": dec.id, "dst": bug.id, "relation": "causes"}]
    with pytest.raises(InvalidInputError):
        mem.link(dec.id, dec.id)
    with pytest.raises(InvalidInputError):
        mem.link(dec.id, bug.id, "drop table")
    brief = mem.context("p", max_tokens=500)
    assert brief.text.index("Never force-push") < brief.text.index("Chose Postgres")
    assert "## Open problems" in brief.text and "Other project" not in brief.text
    assert set(brief.memory_ids) == {rule.id, dec.id, bug.id} and not brief.truncated
    mem.remember_many(
        [{"text": f"fact number {i} about the build", "project": "p", "kind": "semantic"} for i in range(30)]
    )
    small = mem.context("p", max_tokens=50)
    assert small.truncated and len(small.text) <= 64 * 4


def test_purge_removes_links_too(mem):
    a = mem.remember("a memory", project="p")
    b = mem.remember("b memory", project="p")
    mem.link(a.id, b.id)
    mem.forget(a.id, purge=True)
    assert mem.links(b.id) == []


def test_v1_store_is_migrated(home):
    from memd.store import LINKS_TABLE

    m = memd.open(home, embedder=HashEmbedder())
    r = m.remember("written by schema 1")
    m.store._db.drop_table(LINKS_TABLE)
    m.store._set_meta({"schema_version": "1"})
    m2 = memd.open(home, embedder=HashEmbedder())
    assert m2.stats().schema_version == SCHEMA_VERSION
    assert m2.get(r.id).text == "written by schema 1"
    m2.link(r.id, m2.remember("another").id)


def test_v3_store_gains_compressed_vectors(home, clock):
    m = memd.open(home, embedder=HashEmbedder(), clock=clock)
    r = m.remember("written by schema 3", kind="episodic")
    m.store._table.drop_columns(["qvec"])
    m.store._set_meta({"schema_version": "3"})
    m.close()
    m2 = memd.open(home, embedder=HashEmbedder(), clock=clock)
    assert m2.stats().schema_version == SCHEMA_VERSION and "qvec" in m2.store._table.schema.names
    assert m2.get(r.id).text == "written by schema 3"
    clock.advance(days=3)
    m2.maintain()  # moves it to warm and compresses its vector in the new column
    assert m2.store.vector_columns([r.id]).column("qvec").to_pylist()[0] is not None
    assert m2.recall("written by schema", k=1)[0].id == r.id


def test_v5_store_gains_authors(home):
    m = memd.open(home, embedder=HashEmbedder())
    old = m.remember("written by schema 5")
    m.store._table.drop_columns(["author"])
    m.store._set_meta({"schema_version": "5"})
    m.close()
    m2 = memd.open(home, embedder=HashEmbedder())
    assert m2.stats().schema_version == SCHEMA_VERSION and "author" in m2.store._table.schema.names
    assert m2.get(old.id).author is None
    new = m2.remember("written by schema 6", author="Dana")
    assert m2.get(new.id).author == "Dana"
    assert [h.memory.author for h in m2.recall("written by schema", k=2)] in (["Dana", None], [None, "Dana"])


def test_author_is_one_line_of_text(mem):
    assert mem.remember("a", author=" Jane\n  Doe ").author == "Jane Doe"
    assert mem.remember("b", author="   ").author is None
    with pytest.raises(InvalidInputError, match="author"):
        mem.remember("c", author="x" * 201)
    with pytest.raises(InvalidInputError, match="author"):
        mem.remember_many([{"text": "d", "author": 42}])
    assert {m.text for m in mem.list()} == {"a", "b"}


def test_a_superseding_memory_keeps_the_author(mem):
    old = mem.remember("the venue is the mill", author="Dana")
    assert mem.remember("the venue is the barn", supersedes=old.id).author == "Dana"


def test_purge_leaves_no_copy_on_disk(home):
    m = memd.open(home, embedder=HashEmbedder())
    m.remember("keep this one")
    secret = m.remember("zebracorn-7731 is the launch codename")
    m.remember("and this one")
    m.forget(secret.id, purge=True)
    for path in (home / "store").rglob("*"):
        if path.is_file():
            assert b"zebracorn-7731" not in path.read_bytes(), path
    assert len(m.list()) == 2


def test_new_text_under_a_known_source_id_supersedes(mem):
    v1 = mem.remember("Deploy: run make deploy", project="p", source_id="docs/deploy.md#deploy")
    same = mem.remember("Deploy: run make deploy", project="p", source_id="docs/deploy.md#deploy")
    assert same.id == v1.id
    v2 = mem.remember("Deploy: run make release", project="p", source_id="docs/deploy.md#deploy")
    assert mem.get(v1.id).superseded_by == v2.id
    assert [h.id for h in mem.recall("deploy make")] == [v2.id]
    back = mem.remember("Deploy: run make deploy", project="p", source_id="docs/deploy.md#deploy")
    assert back.id not in (v1.id, v2.id) and mem.get(v2.id).superseded_by == back.id
    other = mem.remember("Deploy: run make deploy", project="q", source_id="docs/deploy.md#deploy")
    assert mem.get(other.id).superseded_by is None and mem.get(back.id).superseded_by is None


def _versions_seen(m, old_id: str, new_id: str, since: int) -> list[str]:
    """What a reader opening the table at each version written since ``since`` saw of
    an old memory and its successor: "old" (old current), "new", "both" or "neither"."""
    import lancedb

    table = lancedb.connect(m.store.location).open_table(m.store._table.name)
    seen = []
    for version in range(since, table.version + 1):
        table.checkout(version)
        rows = table.search().where(f"id IN ('{old_id}', '{new_id}')").select(["id", "superseded_by"])
        by_id = {r["id"]: r for r in rows.to_arrow().to_pylist()}
        old_current = old_id in by_id and by_id[old_id]["superseded_by"] is None
        seen.append(
            {(True, False): "old", (False, True): "new", (True, True): "both"}.get(
                (old_current, new_id in by_id), "neither"
            )
        )
    return seen


@pytest.mark.parametrize("how", ["asked", "source_id", "automatic"])
def test_a_new_version_and_the_old_one_change_in_one_commit(mem, how):
    """A reader never finds both versions current (two answers to one question) or neither."""
    text = {
        "asked": "tests run with pytest -x",
        "source_id": "Deploy: run make deploy",
        "automatic": "The payments service listens on port 8080",
    }[how]
    old = mem.remember(text, project="p", kind="semantic", source_id="docs/d.md#deploy")
    since = mem.store._table.version
    if how == "asked":
        new = mem.remember("tests run with pytest -n auto", supersedes=old.id)
    elif how == "source_id":
        new = mem.remember("Deploy: run make release", project="p", source_id="docs/d.md#deploy")
    else:
        new = mem.remember("The payments service listens on port 9090", project="p", kind="semantic")
    assert mem.get(old.id).superseded_by == new.id
    seen = _versions_seen(mem, old.id, new.id, since)
    assert seen[0] == "old" and seen[-1] == "new" and set(seen) == {"old", "new"}, seen


def test_the_retrieval_index_publishes_a_supersession_as_one_snapshot(mem):
    from memd.retrieval.index import MemoryIndex

    published: list = []

    class Recording(MemoryIndex):
        def __setattr__(self, name, value):
            if name == "_snap":
                published.append(value)
            super().__setattr__(name, value)

    index = Recording(mem.store)
    old = mem.remember("tests run with pytest -x", project="p")
    index.snapshot()  # loaded: later writes arrive as reported changes
    published.clear()
    new = mem.remember("tests run with pytest -n auto", supersedes=old.id)
    assert published, "the change was not applied in place"
    for snap in published:
        current = {snap.ids[i] for i in range(len(snap)) if not snap.cols["superseded"][i]} & {old.id, new.id}
        assert current in ({old.id}, {new.id}), current
    assert index.snapshot().cols["superseded"][index.snapshot().row(old.id)]


def test_rows_stored_before_their_vector_are_searchable_and_embedded_later(mem):
    rows = mem.prepare_many([{"text": "the vendored zstd library is patched for musl", "project": "p"}])
    [id_] = mem.write_prepared(rows, embed=False)
    assert mem.store.vector_columns([id_]).column("vector").to_pylist() == [None]
    assert [h.id for h in mem.recall("zstd musl", project="p")] == [id_]  # keyword at once
    assert mem.embed_pending() == 1
    assert mem.embed_pending() == 0
    [vector] = mem.store.vector_columns([id_]).column("vector").to_pylist()
    assert vector is not None and abs(sum(x * x for x in vector) - 1) < 1e-4
    hit = mem.recall("zstd musl patched library", project="p")[0]
    assert hit.id == id_ and "semantic" in hit.channels


def _keyword_ids(m, query: str, project: str) -> list[str]:
    from memd.store.filters import Filter

    return [i for i, _ in m.store.keyword(query, 10, Filter(projects=(project,)))]


def test_an_episode_is_found_by_the_words_of_the_one_before_it(mem, clock):
    """The full-text index reads an episode with the episode before it in its session:
    the answer is found by the question's words. Facts and episodes of another session
    stand alone, and records show only their own text."""
    q = mem.remember("Which database should the billing service use?", project="p")
    a = mem.remember("We picked Postgres 16 with logical replication.", project="p")
    assert _keyword_ids(mem, "billing database", "p")[:2] in ([q.id, a.id], [a.id, q.id])
    assert mem.get(a.id).text == "We picked Postgres 16 with logical replication."
    clock.advance(hours=2)  # a new session
    later = mem.remember("Deploys go out on Tuesdays.", project="p")
    fact = mem.remember("Staging lives in eu-west-1.", project="p", kind="semantic")
    assert later.id not in _keyword_ids(mem, "Postgres replication", "p")
    assert fact.id not in _keyword_ids(mem, "Tuesdays", "p")
    # One batch: each episode follows the one before it in time, not in the list.
    b = mem.remember_many(
        [
            {"text": "answer: bump the pool size to 40", "project": "r", "created_at": "2024-05-01T10:05:00"},
            {
                "text": "question: why do checkout workers stall?",
                "project": "r",
                "created_at": "2024-05-01T10:00:00",
            },
        ]
    )
    assert b[0] in _keyword_ids(mem, "checkout workers stall", "r")


def test_purging_an_episode_removes_it_from_the_next_ones_index_text(mem):
    secret = mem.remember("the launch codename is zebracorn-7731", project="p")
    after = mem.remember("ok, noted", project="p")
    assert after.id in _keyword_ids(mem, "zebracorn", "p")
    last = mem.remember("the launch codename is now quagga-12", project="p")
    mem.forget(last.id, purge=True)
    mem.forget(secret.id, purge=True)
    assert _keyword_ids(mem, "zebracorn", "p") == []
    assert after.id in _keyword_ids(mem, "noted", "p")
    # The next episode follows what is stored now, not the purged one.
    nxt = mem.remember("moving on", project="p")
    assert _keyword_ids(mem, "quagga", "p") == [] and nxt.id in _keyword_ids(mem, "noted", "p")


def test_v4_store_gains_session_context(home, clock):
    from lancedb.index import FTS

    m = memd.open(home, embedder=HashEmbedder(), clock=clock)
    q = m.remember("Which database should the billing service use?", project="p")
    a = m.remember("We picked Postgres 16.", project="p")
    table = m.store._table
    for index in table.list_indices():
        if list(index.columns) == ["search_text"]:
            table.drop_index(index.name)
    table.drop_columns(["search_text"])
    table.create_index("text", config=FTS(with_position=False, stem=True, remove_stop_words=True))
    m.store._set_meta({"schema_version": "4"})
    m.close()
    m2 = memd.open(home, embedder=HashEmbedder(), clock=clock)
    assert m2.stats().schema_version == SCHEMA_VERSION
    assert a.id in _keyword_ids(m2, "billing database", "p") and q.id in _keyword_ids(m2, "billing", "p")
    assert [list(i.columns) for i in m2.store._table.list_indices() if "text" in i.columns] == []
    assert m2.get(a.id).text == "We picked Postgres 16."


def test_store_reads_through_lancedb_async_api_match_the_sync_ones(mem, monkeypatch):
    """Recall's store reads go through LanceDB's async API in one trip to its event loop;
    they must give what the sync query builder gives (and be the path taken, so a LanceDB
    upgrade that moves its internals shows up here, not as a silent slowdown)."""
    from memd.store.filters import Filter

    store = mem.store
    assert store._async_table() is not None
    ids = mem.remember_many([{"text": f"redis cache note {i}", "project": f"p{i % 2}"} for i in range(12)])
    mem.forget(ids[0])
    flt = Filter(projects=("p1",))
    fast = (store.keyword("redis cache", 20, flt), store.keyword("redis", 5, Filter()), store.get(ids[3:7]))
    fast_cols = store.get(ids[:4], columns=["id", "text"])
    monkeypatch.setattr(type(store), "_async_table", lambda self: None)
    slow = (store.keyword("redis cache", 20, flt), store.keyword("redis", 5, Filter()), store.get(ids[3:7]))
    assert fast == slow
    assert fast_cols == store.get(ids[:4], columns=["id", "text"])
    assert len(fast[0]) == 6 and all(i in ids[1::2] for i, _ in fast[0])
    assert [r["id"] for r in fast[2]] == ids[3:7]


def test_warm_measures_the_relevance_level_before_the_first_recall(mem, monkeypatch):
    mem.remember("the deploy script lives in ops", project="p")
    batches: list[int] = []
    embed = mem.embedder.embed
    monkeypatch.setattr(mem.embedder, "embed", lambda texts: batches.append(len(texts)) or embed(texts))
    mem.warm()
    assert batches  # the unrelated sentences were embedded
    batches.clear()
    mem.recall("zebra quantum violin", project="p")  # no shared word: the level is needed
    assert batches == []  # ... and was not measured again
