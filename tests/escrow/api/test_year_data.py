"""escrow.api.year_data (issue 13 item 1): /api/tranches/<id>/ and /api/instruments/<id>/ written as plain dicts are,
byte for byte once rendered, what TrancheSerializer and InstrumentSerializer write, for every person and year: signed
and sealed instruments, a decline, a hold, a corrected report, a release with its transfer record, and signers'
addresses shown to the escrow agent and compliance only."""

import pytest
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIRequestFactory

from escrow import actions
from escrow.api import serializers as out
from escrow.api import year_data
from escrow.api.views.reads import tranche_with_context
from escrow.contract.errors import DomainError
from escrow.models import Instrument, Tranche
from escrow.queries import year_reads
from tests.escrow.queries.test_year_reads import years  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(years, people):  # noqa: F811 (the fixture imported above)
    year_2 = Tranche.objects.get(deal=years, year=2)
    actions.raise_dispute(people["seller"], year_2.pk, reason="Related-party <sale> & more.")
    return years


def rendered(data):
    return JSONRenderer().render(data)


def test_the_dicts_are_what_the_serializers_write(held, people):
    seen = set()
    for who, user in people.items():
        request = APIRequestFactory().get("/api/")
        request.user = user
        for tranche in Tranche.objects.filter(deal=held).order_by("year"):
            try:
                read = tranche_with_context(user, tranche.pk)
            except DomainError:  # a person without a role on the deal: nothing to compare
                read = None
            if read is None:
                continue
            fast = rendered(year_data.tranche_data(read, out.origin_context(request, read.deal)))
            assert fast == rendered(out.TrancheSerializer(read, context={"request": request}).data), (who, tranche.year)
            for key in (b'"transfer":{', b'"holds":[{', b'"declines":[{', b'"sealed_document":{', b'"ip_address"'):
                if key in fast:
                    seen.add((key, who))
        for instrument in Instrument.objects.filter(tranche__deal=held).order_by("pk"):
            read = year_reads.instrument_for(user, instrument.pk)
            for context in (out.origin_context(request, read.tranche.deal), {"request": request}):
                fast = rendered(year_data.instrument_data(read, dict(context)))
                assert fast == rendered(out.InstrumentSerializer(read, context={"request": request}).data), who
    assert {key for key, _ in seen} == {
        b'"transfer":{',
        b'"holds":[{',
        b'"declines":[{',
        b'"sealed_document":{',
        b'"ip_address"',
    }
    assert (b'"ip_address"', "compliance") in seen  # the escrow agent and compliance read where signers signed
    assert (b'"ip_address"', "issuer") not in seen and (b'"ip_address"', "seller") not in seen


@pytest.mark.parametrize("host", ["testserver", "escrow.example.com:8443", "987654321.example"])
def test_the_download_link_is_what_reverse_writes(host, settings):
    """download_url reverses once per response and puts each pk in place: the same link as DRF's reverse for
    every pk, whatever the host (even one holding the placeholder's digits) or script prefix."""
    from django.urls import set_script_prefix
    from rest_framework.reverse import reverse

    settings.ALLOWED_HOSTS = [host.split(":")[0]]
    for prefix in ("/", "/portal/"):
        set_script_prefix(prefix)
        try:
            request = APIRequestFactory().get("/", HTTP_HOST=host, secure=prefix != "/")
            context = {"request": request}
            for pk in (1, 2, 10, 987654321, 123456789012):
                expected = reverse("api:document-download", args=[pk], request=request)
                assert year_data.download_url(pk, context) == expected
        finally:
            set_script_prefix("/")
