"""escrow.queries.year_reads (issue 13 item 1): the year's instruments with their signatures, its reports, its
documents, /api/tranches/<id>/'s year and /api/instruments/<id>/'s instrument, read with hand-written SQL, are the
rows and related objects the ORM queries they replaced (kept below) read, and the tranche page and both API reads
show byte for byte what they showed with those queries. Runs on PostgreSQL and SQLite."""

import re

import pytest
from django.db.models import Prefetch
from django.test import Client
from django.urls import reverse

from bench.world import copies_of
from escrow import actions
from escrow.api import serializers as out
from escrow.api import year_data
from escrow.contract.errors import DomainError
from escrow.models import AuditReport, Deal, Instrument, Signature, Tranche
from escrow.queries import deals, year_reads
from escrow.queries.history import history_of
from escrow.queries.reports import reports_of
from escrow.queries.year_parts import PARTS_SQL, year_parts
from tests.conftest import make_pdf, open_and_file, release
from tests.escrow.api.helpers import client_for

pytestmark = pytest.mark.django_db

# The ORM reads replaced (escrow/api/views/reads.py and escrow/views/tranches.py before issue 13's fifth round).
SIGNATURES = Prefetch("signatures", queryset=Signature.objects.select_related("signer", "party__organisation"))
INSTRUMENTS = Instrument.objects.select_related("document__uploaded_by", "sealed_document__uploaded_by")
REPORTS = AuditReport.objects.select_related("firm__organisation", "document__uploaded_by", "filed_by")


def old_instruments_of(tranche):
    return list(
        tranche.instruments.select_related("document__uploaded_by", "sealed_document__uploaded_by")
        .prefetch_related(SIGNATURES)
        .order_by("created_at")
    )


def old_reports_read(tranche, documents=None):
    return list(reports_of(tranche, documents)) if documents is not None else list(REPORTS.filter(tranche=tranche))


def old_documents_read(tranche):
    return list(tranche.documents.select_related("uploaded_by").order_by("uploaded_at"))


def old_tranche_of_year(user, deal, year):
    return deals.tranche_for(user, deal=deal, year=year, annotate=year_parts())


def old_year_history(deal, tranche):
    entries = list(history_of(deal, tranche=tranche).select_related(None))
    for entry in entries:
        entry.tranche = tranche
    return entries


def old_tranche_by_id(user, pk):
    return deals.tranche_for(user, pk, related=["prepared_by"], annotate=year_parts())


@pytest.fixture
def years(deposited, people):
    """Year 1 released (signed, sealed, a call-back), year 2 awaiting its instruction with a decline and a
    corrected report, year 3 scheduled with nothing."""
    open_and_file(deposited, people, 1, "598500000")
    release(deposited, people, 1)
    open_and_file(deposited, people, 2, "865000000")
    year_2 = Tranche.objects.get(deal=deposited, year=2)
    actions.correct_report(
        people["auditor"], year_2.pk, audited_revenue="865000001", reason="Typo.", pdf=make_pdf("Year 2 corrected")
    )
    instruction = Instrument.objects.get(tranche=year_2, status="open")
    actions.decline_to_sign(people["purchaser"], instruction.pk, reason="Related-party sale.")
    return deposited


def fields(obj):
    return None if obj is None else tuple(getattr(obj, f.attname) for f in obj._meta.concrete_fields)


def instrument_facts(i):
    documents = [(fields(d), fields(d.uploaded_by)) if d else None for d in (i.document, i.sealed_document)]
    signatures = [
        (fields(s), fields(s.party), fields(s.party.organisation), fields(s.signer)) for s in i.signatures.all()
    ]
    return fields(i), i.tranche_id, documents, signatures


def report_facts(r):
    return fields(r), fields(r.firm), fields(r.firm.organisation), fields(r.filed_by), fields(r.document)


def test_the_first_column_of_each_model_is_its_id():  # a LEFT JOIN that found nothing is told by its id
    from escrow.models import DealParty, StoredDocument
    from parties.models import Organisation, User

    for model in (Instrument, Signature, AuditReport, StoredDocument, DealParty, Organisation, User, Tranche):
        assert model._meta.concrete_fields[0].attname == "id"


def test_the_reads_are_the_orm_reads(years, django_assert_num_queries, django_assert_max_num_queries):
    tranches = list(Tranche.objects.filter(deal=years).order_by("year"))
    seen = {"signatures": 0, "sealed": 0, "reports": 0}
    for tranche in tranches:
        with django_assert_max_num_queries(2):  # no signatures to read for a year without instruments
            new = year_reads.instruments_of(tranche)
        assert [instrument_facts(i) for i in new] == [instrument_facts(i) for i in old_instruments_of(tranche)]
        assert all(i.tranche is tranche for i in new)
        seen["signatures"] += sum(len(i.signatures.all()) for i in new)
        seen["sealed"] += sum(i.sealed_document is not None for i in new)
        documents = year_reads.documents_read(tranche)
        old_documents = old_documents_read(tranche)
        assert [(fields(d), fields(d.uploaded_by)) for d in documents] == [
            (fields(d), fields(d.uploaded_by)) for d in old_documents
        ]
        for given in (None, documents):
            with django_assert_num_queries(1):
                reports = year_reads.reports_read(tranche, given)
            assert [report_facts(r) for r in reports] == [
                report_facts(r) for r in old_reports_read(tranche, old_documents if given else None)
            ]
        seen["reports"] += len(reports)
    assert seen["signatures"] >= 2 and seen["sealed"] >= 1 and seen["reports"] >= 2  # each kind was met


def test_a_further_filter_on_the_signatures_still_asks_the_database(years, people):
    instrument = next(i for t in Tranche.objects.filter(deal=years) for i in year_reads.instruments_of(t))
    party = instrument.signatures.all()[0].party if instrument.signatures.all() else None
    assert party is not None
    assert instrument.signatures.filter(party=party).exists()
    assert list(instrument.signatures.filter(party=party)) == list(
        Signature.objects.filter(instrument=instrument, party=party)
    )
    assert not instrument.signatures.filter(party__role="escrow_agent").exists()


def found(lookup, user, pk):
    try:
        obj = lookup(user, pk)
    except DomainError as error:
        return type(error).__name__, str(error.message)
    deal = obj.deal if isinstance(obj, Tranche) else obj.tranche.deal
    return fields(obj), fields(deal), fields(deals.viewer_party(user, deal))


def test_the_lookups_find_what_the_orm_found(years, people, outsider):
    copies_of(years, 1)  # another deal's years and instruments
    ids = [*Tranche.objects.order_by("pk").values_list("pk", flat=True), 0, 10**9, 2**70]
    instrument_ids = [*Instrument.objects.order_by("pk").values_list("pk", flat=True), 0, 10**9, 2**70]
    for user in [*people.values(), outsider]:
        for pk in ids:
            new, old = found(year_reads.tranche_by_id, user, pk), found(old_tranche_by_id, user, pk)
            assert new == old, (user, pk)
            if len(new) == 4:
                tranche = year_reads.tranche_by_id(user, pk)
                reference = old_tranche_by_id(user, pk)
                assert fields(tranche.prepared_by) == fields(reference.prepared_by)
                assert [bool(getattr(tranche, n)) for n in PARTS_SQL] == [
                    bool(getattr(reference, n)) for n in PARTS_SQL
                ]
        for pk in instrument_ids:
            assert found(year_reads.instrument_for, user, pk) == found(deals.instrument_for, user, pk), (user, pk)


def test_the_year_and_its_history_are_the_orm_reads(years, people, outsider):
    copies_of(years, 1)  # another deal with its own years and chain
    for user in [*people.values(), outsider]:
        for deal in Deal.objects.order_by("pk"):
            try:
                deal = deals.deal_for(user, deal.slug)
            except DomainError:
                deal = Deal.objects.get(pk=deal.pk)  # not found for this person: checked by tranche_for
            for year in (0, 1, 2, 3, 5, 6, 40000, 2**70):
                new = found(lambda u, y, d=deal: year_reads.tranche_of_year(u, d, y), user, year)
                assert new == found(lambda u, y, d=deal: old_tranche_of_year(u, d, y), user, year), (user, deal, year)
                if len(new) == 3:
                    tranche, reference = (
                        year_reads.tranche_of_year(user, deal, year),
                        old_tranche_of_year(user, deal, year),
                    )
                    parts = [bool(getattr(tranche, n)) for n in PARTS_SQL]
                    assert parts == [bool(getattr(reference, n)) for n in PARTS_SQL]
                    history = year_reads.year_history(deal, tranche)
                    assert [fields(e) for e in history] == [fields(e) for e in old_year_history(deal, reference)]
                    assert all(e.tranche is tranche for e in history)
    assert any(year_reads.year_history(years, t) for t in Tranche.objects.filter(deal=years))


def _shown(deal, people, outsider):
    """The tranche pages (English and Chinese) and /api/tranches/<id>/ and /api/instruments/<id>/ for each role."""
    shown = {}
    tranches = list(Tranche.objects.filter(deal=deal).order_by("year"))
    instruments = list(Instrument.objects.filter(tranche__deal=deal).order_by("pk"))
    for who in ("issuer", "purchaser", "seller", "auditor", "agent1", "compliance", "outsider"):
        user = outsider if who == "outsider" else people[who]
        page, api = Client(), client_for(user)
        page.force_login(user)
        for tranche in tranches:
            for language in ("en", "zh-hans"):
                response = page.get(
                    reverse("escrow:tranche", args=[deal.slug, tranche.year]), HTTP_ACCEPT_LANGUAGE=language
                )
                shown[who, tranche.year, language] = (
                    response.status_code,
                    re.sub(r'value="[^"]{64}"', "csrf", response.content.decode()),
                )
            response = api.get(reverse("api:tranche-detail", args=[tranche.pk]))
            shown[who, tranche.year, "api"] = response.status_code, response.content
        for instrument in instruments:
            response = api.get(reverse("api:instrument-detail", args=[instrument.pk]))
            shown[who, "instrument", instrument.pk] = response.status_code, response.content
    return shown


def test_the_pages_and_the_api_show_what_the_orm_reads_showed(years, people, outsider, monkeypatch):
    fast = _shown(years, people, outsider)
    bodies = b"".join(body for status, body in fast.values() if isinstance(body, bytes))
    for part in (b'"signatures":[{', b'"sealed_document":{', b'"reports":[{'):  # each list shows somewhere
        assert part in bodies, part
    assert b'"ip_address"' in bodies and b'"declines":[{' in bodies  # the escrow agent sees where signers signed from
    pages = "".join(body for status, body in fast.values() if isinstance(body, str))
    assert 'data-testid="signature-row"' in pages and 'data-testid="report-row"' in pages
    monkeypatch.setattr(year_reads, "instruments_of", old_instruments_of)
    monkeypatch.setattr(year_reads, "reports_read", old_reports_read)
    monkeypatch.setattr(year_reads, "documents_read", old_documents_read)
    monkeypatch.setattr(year_reads, "tranche_by_id", old_tranche_by_id)
    monkeypatch.setattr(year_reads, "instrument_for", deals.instrument_for)
    monkeypatch.setattr(out, "origin_context", lambda request, deal: {"request": request})  # read by party_for
    monkeypatch.setattr(year_data, "tranche_data", lambda t, context: out.TrancheSerializer(t, context=context).data)
    monkeypatch.setattr(
        year_data, "instrument_data", lambda i, context: out.InstrumentSerializer(i, context=context).data
    )
    import escrow.views.tranches as page

    monkeypatch.setattr(page, "instruments_of", old_instruments_of)
    monkeypatch.setattr(page, "reports_read", old_reports_read)
    monkeypatch.setattr(page, "documents_read", old_documents_read)
    monkeypatch.setattr(page, "tranche_of_year", old_tranche_of_year)
    monkeypatch.setattr(page, "year_history", old_year_history)
    slow = _shown(years, people, outsider)
    assert slow.keys() == fast.keys()
    for key in fast:
        assert fast[key] == slow[key], key
