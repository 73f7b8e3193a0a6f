"""Shared view helpers: deal look-up that 404s for outsiders, and running one action from a form."""
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404

from parties.client import client_ip, user_agent  # noqa: F401  (used by the signing pages)

from escrow.contract.errors import DomainError, NotFound
from escrow.models import Tranche
from escrow.queries.deals import get_deal_for
from escrow.usecases.permissions import ROLE_ACTIONS, may
from escrow.queries.steps import role_on


def deal_for(request, slug_or_pk):
    """The deal if the person has a role on it; 404 otherwise (SPA 9: its existence is confidential)."""
    try:
        return get_deal_for(request.user, slug_or_pk)
    except NotFound:
        raise Http404("No such deal.")


def tranche_for(deal, year):
    tranche = get_object_or_404(Tranche.objects.select_related("deal"), deal=deal, year=year)
    tranche.deal = deal
    return tranche


def viewer(request, deal):
    """The viewer's contract role on the deal and a `can(action)` helper for templates."""
    role = role_on(request.user, deal)
    return role, {action: True for action in ROLE_ACTIONS if role and may(role, action)}


def attempt(request, form, action, *args, **kwargs):
    """Run one action; a DomainError becomes a form error and changes nothing (the action rolled back)."""
    try:
        return action(*args, **kwargs), True
    except DomainError as exc:
        if exc.status == 404:
            raise Http404(exc.message)
        form.add_error(None, exc.message)
        return None, False


def done(request, text):
    messages.success(request, text)

