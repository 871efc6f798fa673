"""A practice whose claims went round the cycle against the sandbox, for the screen and
API tests: one accepted (with the payer's claim number), one rejected by the 277CA (an
unknown member), one held by the scrubber (past timely filing) and one draft."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

from django.utils import timezone

from openrcm.accounts.testing import make_user
from openrcm.claims.acknowledgements import clearinghouse_poll
from openrcm.claims.scrubbing import claims_scrub
from openrcm.claims.submission import batch_submit, batches_build
from openrcm.claims.tests.conftest import make_claim
from openrcm.clearinghouse.sandbox import member_rejected
from openrcm.core.testing import TEST_ACTOR, make_client, make_payer, make_provider

SEED = 7


def cycled_practice(settings, *, name: str = "Cycle") -> SimpleNamespace:
    settings.OPENRCM_SANDBOX_REJECT_PERCENT = 50
    settings.OPENRCM_SANDBOX_SEED = SEED
    client = make_client(legal_name=f"{name} Family Practice")
    world = SimpleNamespace(
        client=client, provider=make_provider(client), payer=make_payer(name=f"{name} Health")
    )
    payer_id = world.payer.payer_id
    members = (f"M{name[:3].upper()}{n:05d}" for n in range(2000))
    good = bad = ""
    for member in members:
        rejected = member_rejected(SEED, payer_id, member, 50)
        if rejected and not bad:
            bad = member
        if not rejected and not good:
            good = member
        if good and bad:
            break
    world.accepted = make_claim(world, member_id=good)
    world.rejected = make_claim(world, member_id=bad)
    world.held = make_claim(world, day=timezone.localdate() - datetime.timedelta(days=400))
    claims_scrub(
        actor=TEST_ACTOR, claim_ids=[c.pk for c in (world.accepted, world.rejected, world.held)]
    )
    (world.batch,) = batches_build(actor=TEST_ACTOR).batches
    batch_submit(actor=TEST_ACTOR, batch=world.batch)
    clearinghouse_poll(actor=TEST_ACTOR)
    world.draft = make_claim(world)
    for claim in (world.accepted, world.rejected, world.held, world.draft, world.batch):
        claim.refresh_from_db()
    world.biller = make_user("biller", assigned_clients=[client])
    world.manager = make_user("client_manager", client=client)
    world.coder = make_user("coder", assigned_clients=[client])
    return world
