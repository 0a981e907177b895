"""The newer word first: among the hits of a recall, a memory that changed what an older hit
says is moved above it.

Fusion ranks by how well a text answers the question; an old turn ("max 3 attempts") can
answer it as well as the newer one that changed it ("bump the retry to 5 attempts now"), and
decay alone rarely separates two turns a week apart. When a newer hit retires a value an
older hit names or restates it with a word of change (memd.restated), it is moved to just
above the highest-ranked hit it outdates, and its explanation says so (channel ``newer``,
rank = the place it took). Nothing is dropped: an agent that asks sees both, newest first.
Only the first :data:`WINDOW` hits are compared (pairs: the cost stays a few regular
expressions a hit).
"""

from __future__ import annotations

from memd.records import ChannelScore, Hit, Kind
from memd.restated import Item, Sifter, makes_stale
from memd.told import event_sentences, is_user, told_sentences

WINDOW = 20


def _item(hit: Hit) -> Item:
    m = hit.memory
    user = is_user(m.author)
    if m.kind is Kind.EPISODIC:
        said = told_sentences(m.text) if user else event_sentences(m.text)
    else:  # a rule or fact: read as a sentence the newer word may restate
        said = [" ".join(m.text.split())]
    return Item(m.id, m.created_at, tuple(said), user=user, text=m.text)


def newer_first(hits: list[Hit]) -> list[Hit]:
    """``hits`` with each newer word above the older hits it outdates (see the module)."""
    head, rest = list(hits[:WINDOW]), list(hits[WINDOW:])
    if len(head) < 2:
        return hits
    items = {h.id: _item(h) for h in head}
    # What each hit says changed, read once; most hits say none and are passed over.
    says = {id: read for id, it in items.items() if (read := Sifter([it])).says_something()}
    if not says:
        return hits
    j = 1
    while j < len(head):
        newer = items[head[j].id]
        sifter = says.get(newer.id)
        above = (
            None
            if sifter is None
            else next((i for i in range(j) if makes_stale(sifter, newer.at, items[head[i].id])), None)
        )
        if above is not None:
            moved = head.pop(j)
            channels = dict(moved.channels)
            channels["newer"] = ChannelScore.model_construct(score=1.0, rank=above + 1)
            head.insert(above, moved.model_copy(update={"score": head[above].score, "channels": channels}))
        j += 1
    return head + rest
