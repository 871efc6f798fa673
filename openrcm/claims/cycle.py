"""One turn of the claim cycle, for the demo and for a scheduled job:
scrub every draft, build and submit the 837P batches, then poll the clearinghouse(s)
and import their 999s and 277CAs."""

from __future__ import annotations

from typing import Any, Protocol

from openrcm.claims.acknowledgements import clearinghouse_poll
from openrcm.claims.scrubbing import claims_scrub
from openrcm.claims.submission import batches_build, batches_submit
from openrcm.core.actor import Actor


class Progress(Protocol):
    def start(self, name: str, total: int) -> None: ...
    def advance(self, amount: int = 1) -> None: ...
    def finish(self) -> None: ...


def claims_cycle_run(*, actor: Actor, progress: Progress | None = None) -> dict[str, Any]:
    """Scrub, build, submit, poll, import; returns counts for a summary line.

    Each step commits on its own, so a crash part way leaves a consistent state and the
    next run carries on (every step is idempotent)."""
    scrub = claims_scrub(actor=actor, progress=progress)
    if progress is not None:
        progress.finish()
    built = batches_build(actor=actor, progress=progress)
    if progress is not None:
        progress.finish()
    submitted = batches_submit(actor=actor)
    polled = clearinghouse_poll(actor=actor)
    new = [i for i in polled.imported if not i.duplicate]
    return {
        "scrubbed": scrub.scrubbed,
        "ready": scrub.ready,
        "held": scrub.held,
        "batches": len(built.batches),
        "batched_claims": built.claims,
        "held_by_writer": len(built.held),
        "submitted_batches": sum(1 for s in submitted if s.sent),
        "acknowledgements": len(new),
        "accepted": sum(i.accepted for i in new),
        "rejected": sum(i.rejected for i in new),
        "problems": [*built.held, *polled.problems],
    }
