"""The team store through the daemon: when the daemon serving a home holds the same team
store, edges ask it instead of opening the bucket themselves — one embedding model in
memory, one follower of the teammates' writes, one outbox sent as soon as the bucket is back.

The daemon merges and marks exactly as :class:`memd.team.view.TeamView` does (it runs one);
its answers to team calls carry the warnings of that call, which land in ``warnings`` here.
"""

from __future__ import annotations

from typing import Any

from memd.briefing import Briefing
from memd.daemon.client import DaemonClient
from memd.records import Hit, MemoryRecord


class DaemonTeamView:
    """The daemon's client, with the shared store's calls going to the daemon's team view."""

    def __init__(self, client: DaemonClient, uri: str) -> None:
        self.local = client
        self.uri = uri
        self.warnings: list[str] = []

    def _team_call(self, method: str, **params: Any) -> Any:
        answer = self.local.call(method, **params)
        for warning in answer.get("warnings") or ():
            if warning not in self.warnings:
                self.warnings.append(warning)
        return answer["result"]

    def remember(self, text: str, *, shared: bool = False, **kw: Any) -> MemoryRecord:
        if not shared:
            return self.local.remember(text, **kw)
        kw["tags"] = list(kw.get("tags") or ())
        return MemoryRecord.model_validate(self._team_call("team_remember", text=text, **kw))

    def recall(self, query: str, *, k: int = 10, **kw: Any) -> list[Hit]:
        if kw.get("kinds"):
            kw["kinds"] = list(kw["kinds"])
        hits = self._team_call("team_recall", query=query, k=k, **kw)
        return [Hit.model_validate(h) for h in hits]

    def context(
        self, project: str | None = None, *, max_tokens: int = 1500, task: str | None = None
    ) -> Briefing:
        found = self._team_call("team_context", project=project, max_tokens=max_tokens, task=task)
        return Briefing.model_validate(found)

    def shared(self, *, project: str | None = None, limit: int | None = 20) -> list[MemoryRecord]:
        rows = self._team_call("team_list", project=project, limit=limit)
        return [MemoryRecord.model_validate(r) for r in rows]

    def maintain_shared(self, holder: str | None = None) -> dict[str, Any]:
        report: dict[str, Any] = self._team_call("team_maintain", holder=holder)
        return report

    def close(self) -> None:
        self.local.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.local, name)
