"""The seller's release statement (issue 12 item 8): a bilingual PDF, generated on request from the records; and
each party's statement for a period (issue 14 item 6): a page with CSV and PDF downloads in the reader's language."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render

from escrow.contract.errors import InvalidInput
from escrow.queries.statements import (
    parse_period,
    release_periods,
    release_statement,
    statement_csv,
    statement_filename,
    statement_for,
    statement_heading,
    statement_pdf,
    statement_sections,
)
from escrow.views.common import deal_for, now_for


@login_required
def release_statement_pdf(request, slug):
    deal = deal_for(request, slug, action="download_release_statement")
    statement = release_statement(deal)
    response = HttpResponse(statement.data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{statement.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- issue 14 item 6: a party's statement for a period (page, CSV, PDF) ---


def _statement(request, slug):
    """(deal, statement or None, refusal message, the deal's tranches or None) for the `start` and `end` of the
    request. The tranches, read with the statement, serve the page's release periods too."""
    deal = deal_for(request, slug, action="download_statement")
    role = now_for(request, deal).role
    try:
        start, end = parse_period(request.GET.get("start"), request.GET.get("end"))
    except InvalidInput as problem:
        return deal, None, str(problem), None
    statement = statement_for(deal, role, start, end)
    return deal, statement, "", list(statement.tranches)


@login_required
def deal_statement(request, slug):
    """The statement of the reader's role for a period (default the last full calendar month, Beijing)."""
    deal, statement, refused, tranches = _statement(request, slug)
    now = now_for(request, deal)
    context = {
        "deal": deal,
        "role": now.role,
        "can": now.can,
        "active": "statement",
        "refused": refused,
        "release_periods": release_periods(deal, tranches=tranches),
    }
    if statement is not None:
        context |= {
            "statement": statement,
            "heading": statement_heading(statement),
            "sections": statement_sections(statement),
            "query": f"start={statement.start.isoformat()}&end={statement.end.isoformat()}",
        }
    return render(request, "escrow/statement.html", context, status=400 if refused else 200)


def _download(request, slug, extension):
    _deal, statement, refused, _tranches = _statement(request, slug)
    if statement is None:
        return HttpResponseBadRequest(refused, content_type="text/plain; charset=utf-8")
    if extension == "csv":
        data, content_type = statement_csv(statement), "text/csv; charset=utf-8"
    else:
        data, content_type = statement_pdf(statement), "application/pdf"
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{statement_filename(statement, extension)}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def deal_statement_csv(request, slug):
    return _download(request, slug, "csv")


@login_required
def deal_statement_pdf(request, slug):
    return _download(request, slug, "pdf")
