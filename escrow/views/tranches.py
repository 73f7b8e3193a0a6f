"""The tranche page: documents, signatures, state history, the calculation and its why, penalties,
and only the actions the viewer may take now."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from escrow.contract.errors import InvalidInput
from escrow.models import Instrument
from escrow.queries.as_of import deal_as_of, parse_as_of
from escrow.queries.clock import transfer_provisional
from escrow.queries.history_words import HistoryWords
from escrow.queries.reports import declines_of
from escrow.queries.steps import next_step, signed_roles_of
from escrow.queries.transfers import release_record
from escrow.queries.year_parts import DECLINES, HOLDS, RELEASE, has
from escrow.queries.year_reads import documents_read, instruments_of, reports_read, tranche_of_year, year_history
from escrow.views.common import _found, deal_for, now_for
from escrow.views.forms import AsOfForm
from escrow.views.history import in_words
from escrow.views.links import step_url
from escrow.views.penalty import penalty_rows
from escrow.views.releases import call_back_context, call_back_form


def tranche_as_of_page(request, deal, tranche, *, role, can):
    """The year at the end of the `as_of` day (Beijing time), replayed; figures only, no action. A refused day
    shows the picker with the refusal (400)."""
    raw = request.GET.get("as_of", "")
    picker, refused, snapshot, status = AsOfForm(initial={"as_of": raw.strip()}), "", None, 200
    try:
        day = parse_as_of(deal, raw)
    except InvalidInput as error:
        day, refused, status = None, error.message, 400
    if day is not None:
        snapshot = deal_as_of(deal, day, tranches=[tranche])
    year = snapshot.tranches[0] if snapshot else None
    context = {"deal": deal, "role": role, "can": can, "snapshot": snapshot, "year": year, "tranche": tranche}
    context.update(as_of_form=picker, as_of_refused=refused, years=[year] if year else [])
    return render(request, "escrow/tranche_as_of.html", context, status=status)


@login_required
def tranche_page(request, slug, year):
    deal = deal_for(request, slug)
    tranche = _found(tranche_of_year, request.user, deal, year)  # with which optional lists to read
    now = now_for(request, deal)
    role, can = now.role, now.can
    if "as_of" in request.GET:  # issue 14 item 1: the year as it stood at the end of a past day
        return tranche_as_of_page(request, deal, tranche, role=role, can=can)
    instruments = instruments_of(tranche)  # hand-written SQL: the ORM's select_related and prefetch, built once
    tranche.open_instruments = [i for i in instruments if i.status == Instrument.Status.OPEN]
    tranche.loaded_instruments = instruments  # the call-back's effective instruction is among them
    step = next_step(tranche, signed_roles=signed_roles_of(tranche))
    call_back = call_back_context(tranche)
    offered = offers(deal, tranche, now, step, call_back)
    to_sign = now.to_sign(tranche)
    documents = documents_read(tranche)
    return render(
        request,
        "escrow/tranche.html",
        {
            "deal": deal,
            "tranche": tranche,
            "role": role,
            "can": can,
            "step": step,
            "my_turn": bool(role in step.roles and (offered or to_sign)),
            "offers": offered,
            "to_sign": to_sign,
            "instruments": instruments,
            "documents": documents,
            "history": in_words(_history(deal, tranche), HistoryWords(deal)),
            # the model's order within one tranche, without joining the tranche and deal to sort by "tranche"
            "holds": _holds(tranche),
            "explanations": (tranche.calculation or {}).get("explanations", []),
            "penalties": penalty_rows(tranche),
            "transfer_provisional": transfer_provisional(tranche),
            # issue 11 item 4: the transfer agent's evidence
            "transfer": release_record(tranche) if has(tranche, RELEASE) else None,
            "reports": reports_read(tranche, documents),  # issue 12 item 8: corrected reports kept, with the reason
            "declines": declines_of(tranche) if has(tranche, DECLINES) else [],
            **call_back,
            "call_back_form": call_back_form(tranche) if now.may("record_call_back", tranche) else None,
        },
    )


def _history(deal, tranche):
    """The year's entries of the deal's chain. Each names its actor by the recorded `actor_name` and is about this
    tranche: neither the person, the chain nor the tranche is joined (the tranche is the one read)."""
    return year_history(deal, tranche)  # history_of's rows, hand-written SQL


def _holds(tranche):
    if not has(tranche, HOLDS):
        return []
    # the model's order within one tranche, without joining the tranche and deal to sort by "tranche"
    return tranche.holds.select_related("raised_by", "raised_for__organisation", "ended_by").order_by("started_at")


def offers(deal, tranche, now, step, call_back):
    """(action, url) the viewer can take now (escrow.queries.available: the role table, the register and the
    actions' own preconditions), the next step first. Signing is offered as "Review and sign" (`to_sign`). The
    call-back is a button only until one clears the approval; its form stays on the page ("Record another")."""
    actions = now.tranche_actions(tranche)
    if call_back["call_back"].clears_approval:
        actions = [a for a in actions if a != "record_call_back"]
    actions.sort(key=lambda a: a != step.action)  # stable: the rest keep the declaration's order
    return [(a, url) for a in actions if (url := step_url(deal, tranche, a))]
