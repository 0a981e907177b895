"""Commit conflicts between writers that share no lock: several machines writing one team
store on object storage. LanceDB detects a conflicting commit and says it can be retried;
memd retries with backoff after moving to the latest version, so no write is lost or made
twice (the operation is re-planned on the new version, not replayed blindly)."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")
ATTEMPTS = 8
BASE_DELAY_S = 0.05
retried = 0  # conflicts retried in this process (the team benchmark reads it)


# LanceDB's words for a commit that lost a race ("too many concurrent writers": its own
# retries ran out; memd's backoff gives the others time to finish).
CONFLICTS = ("commit conflict", "incompatible transaction", "too many concurrent writers")


def is_conflict(exc: BaseException) -> bool:
    """A commit another writer's commit got ahead of: retryable, or "incompatible" (an
    append planned before a concurrent overwrite — two machines creating a new team store
    at once — is planned again on the version that won)."""
    text = str(exc).lower()
    return isinstance(exc, RuntimeError | OSError) and any(s in text for s in CONFLICTS)


def retrying(write: Callable[[], T], catch_up: Callable[[], None]) -> T:
    """``write()``, again after ``catch_up()`` and a jittered exponential pause while it
    meets a commit conflict; the last conflict is raised as it is."""
    global retried
    for attempt in range(ATTEMPTS):
        try:
            return write()
        except (RuntimeError, OSError) as exc:
            if not is_conflict(exc) or attempt == ATTEMPTS - 1:
                raise
            retried += 1
            log.info("commit conflict, retrying (%d): %s", attempt + 1, str(exc)[:120])
            catch_up()
            time.sleep(BASE_DELAY_S * (2**attempt) * (1 + random.random()))
    raise AssertionError("unreachable")


# A store in a bucket is written to only once it is this old. Creating a Lance dataset is not
# atomic across machines (lance-format/lance#4451: concurrent creations can all succeed, the
# last overwriting the others); when machines create one team store at the same moment, a
# later creation landed on top of the first writes made in between (the team benchmark lost
# agents' first writes that way). Every machine's creation is over within
# moments of the first, so writers wait until the store is SETTLE_S old, once per open.
SETTLE_S = 5.0


def settle(created_at: str | None) -> None:
    from datetime import UTC, datetime

    if not created_at:
        return
    try:
        age = (datetime.now(UTC) - datetime.fromisoformat(created_at)).total_seconds()
    except ValueError:
        return
    wait = min(SETTLE_S, SETTLE_S - age)  # a clock ahead of ours waits no longer than SETTLE_S
    if wait > 0:
        log.info("team store created %.1f s ago: waiting %.1f s for other creators", age, wait)
        time.sleep(wait)
