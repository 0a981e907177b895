"""What memd takes in without being told: Markdown sections, git commits and Claude Code
requests (:mod:`~memd.ingest.sources`), kept in step by the daemon's watcher
(:mod:`~memd.ingest.watch`), and the spool where hooks queue records when no process may
wait for the store (:mod:`~memd.ingest.spool`).

Light on purpose: importing this package loads the standard library alone (hooks use it);
the watcher, which needs watchdog and the service, is imported by name.
"""

from memd.ingest.sources import (
    claude_transcript_entries,
    git_commits,
    git_head,
    git_ignored,
    looks_binary,
    markdown_sections,
    user_requests,
)

__all__ = [
    "claude_transcript_entries",
    "git_commits",
    "git_head",
    "git_ignored",
    "looks_binary",
    "markdown_sections",
    "user_requests",
]
