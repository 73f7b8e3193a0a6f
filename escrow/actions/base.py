"""The recipe every writer follows (DESIGN.md "An action, step by step")."""

from django.db import transaction
from django.utils.translation import gettext as _

from escrow.contract.errors import NotFound
from escrow.history import chain as history
from escrow.models import Deal, Tranche
from escrow.queries.preconditions import expect_state  # noqa: F401  (the actions' state check, one place)
from escrow.usecases.permissions import require


def lock_deal(deal_id) -> Deal:
    try:
        return Deal.objects.select_for_update().get(pk=deal_id)
    except Deal.DoesNotExist:
        raise NotFound(_("No such deal.")) from None


def lock_deal_for(actor, deal, use_case):
    """Steps 1 and 2 of the recipe for an action on the deal: lock the deal row, then check the actor's role for
    `use_case` on it (the ROLE_ACTIONS table). Returns the locked deal and the actor's party."""
    deal = lock_deal(deal.pk)
    return deal, require(actor, deal, use_case)


def lock_row_of(model, deal, pk, missing):
    """Lock one row of `model` that belongs to the (locked) deal, or raise NotFound(`missing`): an id from a
    form or the API that is not a number, or is another deal's, is not found either."""
    try:
        return model.objects.select_for_update().get(pk=pk, deal=deal)
    except (model.DoesNotExist, ValueError, TypeError):
        raise NotFound(missing) from None


def lock_tranches(deal) -> list:
    """The deal's tranches, locked in year order (after the deal: one order everywhere), for an action that
    rewrites all of them (a rebase)."""
    return list(deal.tranches.select_for_update().order_by("year"))


def lock_tranche(tranche_id) -> Tranche:
    """Lock the deal first, then the tranche: one order everywhere, so no deadlocks, and the ledger
    of a deal is written by one action at a time."""
    try:
        deal_id = Tranche.objects.values_list("deal_id", flat=True).get(pk=tranche_id)
    except Tranche.DoesNotExist:
        raise NotFound(_("No such tranche.")) from None
    deal = lock_deal(deal_id)
    tranche = Tranche.objects.select_for_update().get(pk=tranche_id)
    tranche.deal = deal
    return tranche


def run_transition(
    obj, method_name, *args, actor, party=None, action, clause, summary, details=None, deal=None, tranche=None
):
    """Call one django-fsm transition, save, and write its history entry in the same transaction."""
    assert transaction.get_connection().in_atomic_block, "actions run inside transaction.atomic"
    before = obj.state
    getattr(obj, method_name)(*args)
    obj.save()
    history.record(
        deal or getattr(obj, "deal", obj),
        action=action,
        actor=actor,
        acting_for=_acting_for(party),
        tranche=tranche if tranche is not None else _tranche_of(obj),
        from_state=before,
        to_state=obj.state,
        clause=clause,
        summary=summary,
        details=details,
    )
    return obj


def record(deal, *, action, actor, party=None, clause, summary, details=None, tranche=None):
    """History for an event that is not a state change (signature, upload, role change)."""
    return history.record(
        deal,
        action=action,
        actor=actor,
        acting_for=_acting_for(party),
        tranche=tranche,
        clause=clause,
        summary=summary,
        details=details,
    )


def _acting_for(party):
    return f"{party.organisation.name} ({party.role})" if party else ""


def _tranche_of(obj):
    return obj if isinstance(obj, Tranche) else None
