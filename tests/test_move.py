"""Moving memories between projects: ids, histories and duplicates, on a real LanceDB store."""

from __future__ import annotations

import pytest

from memd.errors import InvalidInputError, NotFoundError


def test_move_by_id_brings_the_history_and_keeps_the_id(mem):
    v1 = mem.remember("Deploys go out on Tuesdays", project="default", kind="procedural")
    v2 = mem.remember("Deploys go out on Thursdays", project="default", supersedes=v1.id)
    other = mem.remember("Unrelated note", project="default")
    result = mem.move([v2.id[:8]], project="acme/api")
    assert set(result.moved) == {v1.id, v2.id} and result.archived_as_duplicates == []
    assert mem.get(v2.id).project == "acme/api" and mem.get(v1.id).project == "acme/api"
    assert [r.id for r in mem.history(v2.id)] == [v1.id, v2.id]
    assert mem.get(other.id).project == "default"
    # The in-RAM index follows: the memory is found in its new project, not its old one.
    assert [h.memory.id for h in mem.recall("deploys Thursdays", project="acme/api")][:1] == [v2.id]
    assert v2.id not in [h.memory.id for h in mem.recall("deploys Thursdays", project="default")]


def test_move_a_whole_project_archives_what_the_target_already_holds(mem):
    mem.remember("Use ruff for linting", project="acme/api", kind="preference")
    dup = mem.remember("Use ruff for linting", project="default", kind="preference")
    new = mem.remember("Tests run with make test", project="default", kind="procedural")
    result = mem.move(project="acme/api", from_project="default")
    assert set(result.moved) == {dup.id, new.id} and result.archived_as_duplicates == [dup.id]
    assert mem.get(dup.id).tier.value == "archived"  # kept, out of recall
    assert mem.list(project="default") == []
    texts = [r.text for r in mem.list(project="acme/api")]
    assert sorted(texts) == ["Tests run with make test", "Use ruff for linting"]
    assert mem.move(project="acme/api", from_project="default").moved == []


def test_bad_moves_are_clear_errors_and_change_nothing(mem):
    rec = mem.remember("A note", project="default")
    with pytest.raises(InvalidInputError, match="nothing to move"):
        mem.move(project="acme/api")
    with pytest.raises(InvalidInputError, match="1-200 characters"):
        mem.move([rec.id], project="  ")
    with pytest.raises(NotFoundError):
        mem.move(["ffffffffffffffff"], project="acme/api")
    assert mem.get(rec.id).project == "default"
