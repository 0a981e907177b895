"""Finding one memory by its id or a unique prefix of it."""

from __future__ import annotations

from memd.errors import AmbiguousIdError, InvalidInputError, NotFoundError
from memd.records import MemoryRecord
from memd.store import Row, Store


class Lookup:
    """Resolves ids for every component that takes one from a caller."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def row(self, id: str) -> Row:
        if not isinstance(id, str) or not id.strip():
            raise InvalidInputError("the id is empty", hint="Pass a memory id from `memd list`.")
        id = id.strip()
        rows = self._store.get([id])
        if rows:
            return rows[0]
        if len(id) >= 4:
            matches = self._store.ids_with_prefix(id, limit=2)
            if len(matches) == 1:
                return self._store.get(matches)[0]
            if len(matches) > 1:
                raise AmbiguousIdError(f"the id prefix {id!r} matches several memories")
        raise NotFoundError(f"no memory has the id {id!r}")

    def resolve(self, id: str) -> str:
        return str(self.row(id)["id"])

    def get(self, id: str) -> MemoryRecord:
        return MemoryRecord.from_row(self.row(id))
