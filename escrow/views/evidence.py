"""The evidence pack of a release or of the deal, as a zip (issue 11 item 5), for every role on the deal
(SPA 9), through the same permission check as the documents it holds. The middleware marks it no-store."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.utils.http import content_disposition_header

from escrow.contract.errors import DomainError
from escrow.queries import evidence
from escrow.views.common import deal_for, tranche_for

ACTION = "download_evidence_pack"


@login_required
def deal_pack(request, slug):
    deal = deal_for(request, slug, action=ACTION)
    return _zip(request, lambda: evidence.pack_for_deal(deal))


@login_required
def tranche_pack(request, slug, year):
    tranche = tranche_for(request, deal_for(request, slug, action=ACTION), year)
    return _zip(request, lambda: evidence.pack_for_tranche(tranche))


def _zip(request, build):
    try:
        pack = build()
    except DomainError as exc:  # a stored file no longer matches its hash: say so, never pack it
        return HttpResponse(exc.message, status=409, content_type="text/plain; charset=utf-8")
    response = HttpResponse(pack.data, content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, pack.filename)
    response["Cache-Control"] = "private, no-store"
    return response
