"""Shared view helpers: the one lookup of escrow.queries.deals as pages need it (404 for outsiders,
SPA 9), and running one action from a form."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render

from escrow.contract.errors import DomainError, NotAllowed, NotFound
from escrow.queries import deals as lookup
from escrow.queries.available import Now
from escrow.queries.steps import next_step, next_step_for_deal, signed_roles_of
from parties.client import client_ip, user_agent  # noqa: F401  (used by the signing pages)


def _found(find, *args, **kwargs):
    """The page's answer to the shared lookup: 404 without a role (never 403, so a deal's existence
    stays confidential, SPA 9); 403 with the refusal when the role may see the deal but not do this."""
    try:
        return find(*args, **kwargs)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from exc


def deal_for(request, slug_or_pk, action="view_deal"):
    """The deal if the person has a role on it; 404 otherwise (SPA 9: its existence is confidential)."""
    return _found(lookup.deal_for, request.user, slug_or_pk, action)


def tranche_for(request, deal, year, annotate=None):
    """The deal's tranche of that year (`deal` as deal_for returned it); 404 if there is none."""
    return _found(lookup.tranche_for, request.user, deal=deal, year=year, annotate=annotate)


def instrument_for(request, pk):
    return _found(lookup.instrument_for, request.user, pk)


def document_for(request, pk, action="view_deal"):
    return _found(lookup.document_for, request.user, pk, action)


def viewer(request, deal):
    """The viewer's contract role on the deal and a `can(action)` helper for templates (the role table and the
    register only; what the state allows now is `now_for(...).may`)."""
    now = now_for(request, deal)
    return now.role, now.can


def now_for(request, deal) -> Now:
    """What the viewer can do on the deal now (escrow.queries.available), read once per request."""
    cached = getattr(request, "_escrow_now", None)
    if cached is None or cached.deal.pk != deal.pk:
        cached = request._escrow_now = Now(request.user, deal)
    return cached


def stale(request, template, context, reason, *, back_url, tranche=None):
    """Issue 12 item 3: the person cannot take this action now (already signed, already released, four eyes,
    the state moved on): the page says why, in the reader's words, and links to where things stand. A form
    posted anyway changed nothing: 409 Conflict, never a 500 or a generic error."""
    context = {**context, "form": None, "stale_reason": reason, "stale_url": back_url}
    if tranche is not None:  # where the year stands now: what happened and when, or the step now due
        context["stale_step"] = next_step(tranche, signed_roles=signed_roles_of(tranche))
    elif context.get("deal") is not None:  # the deal's own step: the deposit due, or the escrow's end
        context["stale_step"] = next_step_for_deal(context["deal"])
    return render(request, template, context, status=409 if request.method == "POST" else 200)


def attempt(request, form, action, *args, **kwargs):
    """Run one action; a DomainError becomes a form error and changes nothing (the action rolled back)."""
    try:
        return action(*args, **kwargs), True
    except DomainError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from exc
        form.add_error(None, exc.message)
        return None, False


def done(request, text):
    messages.success(request, text)
