"""Personas and the Kaixin world, built through the real command and actions (DESIGN.md)."""

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pgtrigger
import pytest
from django.core.management import call_command
from django.db import connection
from reportlab.pdfgen import canvas

from escrow import actions
from escrow.models import Deal, Tranche
from tests.tsa import tsa, tsa_server  # noqa: F401 (the local RFC 3161 authority's fixtures)

PASSWORD = "escrow-demo-2026"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def make_pdf(text="Audited revenue report") -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, invariant=1)
    pdf.drawString(72, 720, text)
    pdf.save()
    return buffer.getvalue()


TRUNCATE_GUARDS = (
    "escrow.HistoryEntry:history_no_truncate",
    "escrow.HistoryChain:chain_no_truncate",
    "escrow.ShareMovement:ledger_no_truncate",
    "escrow.Checkpoint:checkpoint_no_truncate",
    "escrow.TransferEvidence:transfer_evidence_no_truncate",  # issue 11 item 4
)


@pytest.fixture(autouse=True, scope="session")
def _flush_past_the_truncate_guards():
    """Transactional tests end with Django's flush, one TRUNCATE of every table, which the history's and the
    ledger's triggers refuse (issue 10 item 4). Only that flush ignores them; every test still meets them."""
    from django.test import TransactionTestCase

    original = TransactionTestCase._fixture_teardown

    def teardown(self):
        with pgtrigger.ignore(*TRUNCATE_GUARDS):
            original(self)

    TransactionTestCase._fixture_teardown = teardown
    yield
    TransactionTestCase._fixture_teardown = original


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Re-authentication failure counts live in the cache: no test inherits another's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _english_after_each_test():
    """A Chinese request leaves Chinese active on the thread; no test inherits another's language."""
    from django.conf import settings
    from django.utils import translation

    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def pdf_bytes():
    return make_pdf()


@pytest.fixture
def kaixin(db):
    call_command("load_kaixin", stdout=io.StringIO())
    return Deal.objects.get(slug="kaixin-2025")


@pytest.fixture
def people(kaixin, django_user_model):
    return {u.username: u for u in django_user_model.objects.all()}


@pytest.fixture
def outsider(db, django_user_model):
    from parties.models import Organisation

    org = Organisation.objects.create(name="Unrelated Capital", jurisdiction="HK")
    return django_user_model.objects.create_user("outsider", password=PASSWORD, organisation=org)


@pytest.fixture
def deposited(kaixin, people):
    actions.confirm_deposit(people["agent1"], kaixin, reference="DRS-0001")
    kaixin.refresh_from_db(fields=["total_shares"])
    return Deal.objects.get(pk=kaixin.pk)


def tranche(deal, year) -> Tranche:
    return Tranche.objects.get(deal=deal, year=year)


def open_and_file(deal, people, year, revenue, today=None):
    """The year ends, the approved firm files its report: the tranche awaits the joint instruction."""
    t = tranche(deal, year)
    actions.open_year(t.pk, today=today or t.period_end + timedelta(days=1))
    actions.file_report(
        people["auditor"],
        t.pk,
        audited_revenue=revenue,
        pdf=make_pdf(f"Year {year}: {revenue}"),
        original_name=f"report-{year}.pdf",
    )
    return tranche(deal, year)


def sign_instruction(deal, people, year):
    t = tranche(deal, year)
    instruction = t.instruments.get(kind="joint_instruction", status="open")
    for who in ("issuer", "purchaser"):
        actions.sign_instrument(
            people[who],
            instruction.pk,
            expected_sha256=instruction.document.sha256,
            password=PASSWORD,
            ip="127.0.0.1",
            user_agent="pytest",
        )
    return tranche(deal, year), instruction


def release(deal, people, year, reference="TA-REF"):
    t, instruction = sign_instruction(deal, people, year)
    digest = instruction.document.sha256
    actions.prepare_release(people["agent1"], t.pk, expected_sha256=digest, password=PASSWORD)
    from tests.escrow.call_backs import confirm_call_back  # issue 10 item 2: the call-back before approval

    confirm_call_back(deal, people, t)
    actions.approve_release(
        people["agent2"], t.pk, expected_sha256=digest, transfer_reference=f"{reference}-{year}", password=PASSWORD
    )
    return tranche(deal, year)


@pytest.fixture
def require_postgres(db):
    if connection.vendor != "postgresql":
        pytest.fail(
            "This test needs PostgreSQL (row locks / triggers): run it through bin/test, which sets DATABASE_URL.",
            pytrace=False,
        )


def shanghai(y, m, d, hh=12):
    return datetime(y, m, d, hh, tzinfo=SHANGHAI)


def post_report(client, deal, year, data, name="file_report"):
    """Issue 12 item 8: the report page's two steps as a browser takes them. Step 1 posts the revenue (and a
    reason, for a correction) and gets the computed quantity, nothing stored; step 2 sends back what the
    preview handed it with the PDF and the tick. Returns the first refusal, or the confirm step's response."""
    from django.urls import reverse

    url = reverse(f"escrow:{name}", args=[deal.slug, year])
    first = {k: v for k, v in data.items() if k in ("audited_revenue", "reason")}
    preview = client.post(url, first)
    if preview.status_code != 200 or preview.context["preview"] is None:
        return preview
    shown = preview.context["form"].initial
    return client.post(url, {**data, **shown, "step": "confirm", "confirm": "on"})
