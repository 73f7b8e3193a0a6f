"""Read endpoints: deals, tranches, instruments, documents, history, and what is due (queries only)."""

import io

from django.db.models import Prefetch, prefetch_related_objects
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework.response import Response

from escrow.api import access, plain, year_data
from escrow.api import serializers as out
from escrow.api.pagination import paginated, window
from escrow.api.snapshots import AS_OF, DealAsOfSerializer, TrancheAsOfSerializer
from escrow.api.views.base import ERRORS, EscrowAPIView
from escrow.documents.storage import document_bytes
from escrow.models import Decline, Hold, Instrument
from escrow.queries import steps as queries
from escrow.queries import year_reads
from escrow.queries.as_of import deal_as_of, parse_as_of
from escrow.queries.deals import DealList as VisibleDeals
from escrow.queries.due import actions_due_for
from escrow.queries.history import history_rows
from escrow.queries.year_parts import DECLINES, has
from escrow.queries.year_parts import HOLDS as HOLDS_PART

PAGE_PARAMETERS = [
    OpenApiParameter("page", OpenApiTypes.INT, description="Page number, from 1 (X-Total-Count, Link headers)"),
    OpenApiParameter("page_size", OpenApiTypes.INT, description="Items per page, 1-500 (default 100)"),
]
HOLDS = Prefetch("holds", queryset=Hold.objects.order_by("started_at").prefetch_related("raised_by"))


class DealList(EscrowAPIView):
    """SPA 9: the deals on which the person's organisation plays a role; nothing else exists for them.
    Paged (escrow.api.pagination): the body is the page, X-Total-Count and Link give the rest."""

    @extend_schema(parameters=PAGE_PARAMETERS, responses={200: out.DealSummarySerializer(many=True), **ERRORS})
    def get(self, request):
        win = window(request)
        # visible_with_roles(...).order_by("slug") in SQL: the page and the total in one query
        deals, total = VisibleDeals(request.user).window(win.offset, win.size)
        rows = [out.deal_summary_data(deal, request) for deal in deals]  # DealSummarySerializer's shape
        return paginated(Response(rows), request, win, total)


class DealDetail(EscrowAPIView):
    """A deal with its parties, policies (P1-P8), ledger balances, tranches and next steps. With `as_of`
    (issue 14 item 1): the deal at the end of that Beijing day, replayed from the ledger and the history
    (balances, each tranche's state, instruments and signatures, holds, penalty to date; no next steps)."""

    @extend_schema(
        parameters=[AS_OF],
        responses={
            200: PolymorphicProxySerializer(
                component_name="DealOrDealAsOf",
                serializers=[out.DealSerializer, DealAsOfSerializer],
                resource_type_field_name=None,
            ),
            **ERRORS,
        },
    )
    def get(self, request, ref):
        deal = access.deal_for(request.user, ref)
        day = parse_as_of(deal, request.query_params.get("as_of"))
        if day is not None:
            return Response(self.present(DealAsOfSerializer, deal_as_of(deal, day)))
        return Response(out.deal_data(deal, request))  # DealSerializer's shape


class TrancheList(EscrowAPIView):
    """The deal's tranches with state, quantities, deadlines and who must act next. With `as_of` (issue 14
    item 1): each tranche at the end of that Beijing day (state, figures, instruments, holds, penalty)."""

    @extend_schema(
        parameters=[AS_OF],
        responses={
            200: PolymorphicProxySerializer(
                component_name="TrancheOrTrancheAsOf",
                serializers=[out.TrancheSummarySerializer, TrancheAsOfSerializer],
                resource_type_field_name=None,
                many=True,
            ),
            **ERRORS,
        },
    )
    def get(self, request, ref):
        deal = access.deal_for(request.user, ref)
        day = parse_as_of(deal, request.query_params.get("as_of"))
        if day is not None:
            snapshot = deal_as_of(deal, day)
            data = TrancheAsOfSerializer(snapshot.tranches, many=True, context={"request": request, "as_of": day}).data
            return Response(data)
        # TrancheSummarySerializer's shape, the years read with hand-written SQL (issue 13 item 1)
        return Response([out.tranche_summary_data(t) for t in queries.tranches_of(deal)])


class TrancheDetail(EscrowAPIView):
    """One tranche with its calculation (SPA 5.2), instruments and signatures (EA 3.1), holds (EA 3.3, SPA 8.1)."""

    @extend_schema(responses={200: out.TrancheSerializer, **ERRORS})
    def get(self, request, pk):
        tranche = tranche_with_context(request.user, pk)
        # TrancheSerializer's shape as a plain dict (escrow.api.year_data; the serializer stays the schema)
        return Response(year_data.tranche_data(tranche, out.origin_context(request, tranche.deal)))


def tranche_with_context(user, pk):
    # Hand-written SQL built once (escrow.queries.year_reads): the year with who prepared it and which optional
    # lists it has, its deal with the person's party, its instruments (documents, signatures) and reports.
    tranche = year_reads.tranche_by_id(user, pk)
    year_reads.prefetched(tranche, "instruments", year_reads.instruments_of(tranche))
    year_reads.prefetched(tranche, "reports", year_reads.reports_read(tranche))
    if has(tranche, HOLDS_PART):  # escrow.queries.year_parts: most years have none, read without a query
        prefetch_related_objects([tranche], HOLDS)
    else:
        _none_read(tranche, "holds", Hold)
    documents = [r.document for r in tranche.reports.all()]
    for instrument in tranche.instruments.all():
        documents += [instrument.document, instrument.sealed_document]
    for document in documents:
        if document is not None and document.tranche_id == tranche.pk:
            document.tranche = tranche  # the tranche just read: no join, no query
    # what queries.tranches_with_context prefetches for next_step, taken from the instruments just read
    tranche.open_instruments = [i for i in tranche.instruments.all() if i.status == Instrument.Status.OPEN]
    tranche.loaded_instruments = list(tranche.instruments.all())
    # Each instrument's declines (issue 12 item 8) with who declined for which party, for all of them at once; none
    # to read when the year has none (escrow.queries.year_parts: the usual case), so no query is even built.
    if has(tranche, DECLINES):
        declines = Decline.objects.select_related("party__organisation", "person")
        prefetch_related_objects(tranche.loaded_instruments, Prefetch("declines", queryset=declines))
    else:
        for instrument in tranche.loaded_instruments:
            _none_read(instrument, "declines", Decline)
    return tranche


def _none_read(obj, relation, model):
    """`obj.<relation>.all()` known to be empty without a query: what prefetch_related leaves in an object's
    prefetch cache when it finds no rows (django.db.models.query.prefetch_one_level), without building the query."""
    empty = model.objects.none()
    empty._result_cache, empty._prefetch_done = [], True
    obj.__dict__.setdefault("_prefetched_objects_cache", {})[relation] = empty


class InstrumentDetail(EscrowAPIView):
    """An instrument, its document's SHA-256 and who signed it for which party, when and how."""

    @extend_schema(responses={200: out.InstrumentSerializer, **ERRORS})
    def get(self, request, pk):
        instrument = year_reads.instrument_for(request.user, pk)  # hand-written SQL, its signatures with it
        context = out.origin_context(request, instrument.tranche.deal)
        return Response(year_data.instrument_data(instrument, context))  # InstrumentSerializer's shape


class DocumentList(EscrowAPIView):
    """Metadata of the deal's stored documents; bytes only through each document's download link."""

    @extend_schema(responses={200: out.DocumentSerializer(many=True), **ERRORS})
    def get(self, request, ref):
        deal = access.deal_for(request.user, ref)
        documents = deal.documents.select_related("tranche", "uploaded_by").order_by("uploaded_at", "pk")
        return Response(self.present(out.DocumentSerializer, documents, many=True))


class DocumentDetail(EscrowAPIView):
    @extend_schema(responses={200: out.DocumentSerializer, **ERRORS})
    def get(self, request, pk):
        return Response(self.present(out.DocumentSerializer, access.document_for(request.user, pk)))


class DocumentDownload(EscrowAPIView):
    """SPA 9: the PDF's bytes, only after the permission check and only if they still match their SHA-256."""

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)  # PDF clients still get JSON errors

    @extend_schema(responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY), **ERRORS})
    def get(self, request, pk):
        document = access.document_for(request.user, pk, action="download_document")
        response = FileResponse(
            io.BytesIO(document_bytes(document)),
            content_type="application/pdf",
            as_attachment=True,
            filename=f"{document.kind}-{document.sha256[:12]}.pdf",
        )
        response["X-Document-SHA256"] = document.sha256
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response


class History(EscrowAPIView):
    """The deal's hash-chained history (each entry's hash and its predecessor's), oldest first."""

    @extend_schema(responses={200: out.HistoryEntrySerializer(many=True), **ERRORS})
    def get(self, request, ref):
        deal = access.deal_for(request.user, ref, action="export_history")
        # HistoryEntrySerializer's shape, the entries read with hand-written SQL (issue 13 item 1)
        return Response([plain.history_entry_data(entry, year) for entry, year in history_rows(deal)])


class DueActions(EscrowAPIView):
    """What waits for the person across their deals, soonest deadline first (paged like the deal list)."""

    @extend_schema(parameters=PAGE_PARAMETERS, responses={200: out.DueActionSerializer(many=True), **ERRORS})
    def get(self, request):
        win = window(request)
        due = actions_due_for(request.user, limit=win.size, offset=win.offset)
        rows = out.due_actions_data(due.items)  # DueActionSerializer's shape
        return paginated(Response(rows), request, win, due.total)
