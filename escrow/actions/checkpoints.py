"""The daily signed checkpoint of every history chain's head (issue 10 item 4).

Witnesses the history outside the database: the platform signs every chain's (key, length, head hash), an
RFC 3161 authority timestamps it when TSA_URL is set, and each deal's contracting parties receive their deal's
head as a signed statement in their portal inbox (and by email). An insider who later rewrites a chain, even
with the HMAC key, or cuts its tail, no longer matches what the parties hold (verify_history).

Run by the platform (beat ticks hourly, `escrow.tasks.checkpoint`), not by a person: one per contract day
(Asia/Shanghai), so a repeated tick or two beats make it once. The authority is asked before the transaction
opens: nothing holds a lock while waiting on the network, and an unreachable authority makes no checkpoint
(the next tick tries again) rather than an unwitnessed one.
"""

import json

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from escrow.documents import platform_key, timestamp
from escrow.models import Checkpoint, Deal, HistoryChain
from escrow.models.deal import CONTRACT_PARTIES
from escrow.notifications.notify import Note, notify_many
from escrow.notifications.texts import Text
from escrow.queries.checkpoints import STATEMENT, canonical, deal_statement, digest
from escrow.queries.clock import contract_today

SUBJECT = _("%(deal)s: history checkpoint of %(day)s")
BODY = _(
    "On %(day)s (Beijing time) the platform witnessed this deal's history: %(length)s entries, the last one "
    "with hash %(head)s. Keep this signed statement. If the deal's history later shown to you does not have "
    "entry #%(length)s with this hash, the history was rewritten. Signed statement (JSON): %(statement)s"
)


def make_checkpoint(*, day=None) -> Checkpoint:
    """The checkpoint of contract day `day` (default today), made once; a repeat returns the one made."""
    day = day or contract_today()
    made = Checkpoint.objects.filter(day=day).first()
    if made:
        return made
    key = platform_key.platform_key()
    made_at = timezone.now()
    # One SELECT: a snapshot of committed heads (an append moves its head and writes its entry together).
    heads = list(HistoryChain.objects.order_by("key").values_list("key", "length", "head_hash"))
    payload = canonical(
        {
            "statement": STATEMENT,
            "day": day.isoformat(),
            "made_at": made_at.isoformat(),
            "chains": [{"chain": k, "length": n, "head_hash": h} for k, n, h in heads],
        }
    )
    token = timestamp.stamp(payload)  # None without TSA_URL; raises TimestampUnavailable when it fails
    checkpoint = Checkpoint(
        day=day,
        made_at=made_at,
        payload=payload.decode(),
        digest=digest(payload),
        signature=key.sign(payload),
        certificate=key.cert_pem,
        timestamp_token=token,
        tsa_url=settings.TSA_URL if token else "",
    )
    return _store(checkpoint, key, heads)


@transaction.atomic
def _store(checkpoint, key, heads):
    try:
        with transaction.atomic():
            checkpoint.save()
    except IntegrityError:  # a concurrent tick stored the day's checkpoint first; its notices went with it
        return Checkpoint.objects.get(day=checkpoint.day)
    notify_many(_notes(checkpoint, key, heads))
    return checkpoint


def _notes(checkpoint, key, heads):
    """Each deal's head, signed, to its contracting parties' people (no deal sees another deal's head)."""
    by_key = {f"deal:{deal.pk}": deal for deal in Deal.objects.all()}
    day = checkpoint.day.isoformat()
    for chain_key, length, head in heads:
        deal = by_key.get(chain_key)
        if deal is None or not length:
            continue
        fields = {"day": day, "deal": deal.slug, "chain": chain_key, "length": length, "head_hash": head}
        statement = deal_statement(key, {**fields, "checkpoint_digest": checkpoint.digest})
        text = json.dumps(statement, sort_keys=True, ensure_ascii=False)
        yield Note(
            deal=deal,
            roles=tuple(CONTRACT_PARTIES),
            subject=Text(SUBJECT, deal=deal.name, day=day),
            body=Text(BODY, day=day, length=length, head=head, statement=text),
            key=f"checkpoint:{day}:{chain_key}",
        )
