"""The permission matrix over the HTML pages: every page and form in escrow/urls.py x every persona
(plus an outsider and a superuser with no organisation) x their own deal and a stranger's deal, by
GET and by POST, with the expected outcome read from ROLE_ACTIONS (escrow/permissions.py):

  no role on the deal (outsider, admin, anyone on the other deal)  404, never 403 (SPA 9)
  a role the table refuses                                        403 on the form, GET and POST
  a role the table allows                                         the page (200); the form only when the
                                                                  state allows it now, and the POST is
                                                                  done (302) or, when the state, four eyes
                                                                  or "already done" refuse it, explained
                                                                  (409, why, "Nothing was changed.", a link
                                                                  to where things stand: issue 12 item 3)

Review pages (signing, prepare and approve release) show the document itself to every role on the
deal, but their form only to the roles the table allows; a refused role's POST is 403.
Anything refused (403/404/400) changes nothing in the database.

The world is tests/escrow/api/world.py: built once per module through the real actions, each test in
a savepoint that is rolled back.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import Resolver404, URLResolver, get_resolver, resolve, reverse
from django.utils import translation

from escrow import actions
from escrow.models import (
    Deal,
    FeeInvoice,
    HistoryEntry,
    Hold,
    Instrument,
    Notification,
    ShareMovement,
    Signature,
    StoredDocument,
    Tranche,
)
from escrow.queries.clock import contract_today
from escrow.urls import urlpatterns
from escrow.usecases.permissions import ROLE_ACTIONS
from escrow.views import action_pages as forms
from escrow.views.links import DEAL_PAGES, INSTRUMENT_PAGES, SIGN_KINDS, TRANCHE_PAGES, step_url
from tests.conftest import PASSWORD, make_pdf
from tests.escrow.api.world import PERSONAS, expected, world  # noqa: F401  (module-scoped fixture)
from tests.escrow.holdings_matrix import PAGES as HOLDINGS_PAGES

EVERYBODY = [*PERSONAS, "admin", "outsider"]
NOTHING_CHANGED = "Nothing was changed."
# Table entries with no page; adding a page means adding it to FORMS below (and shrinking this set).
# The signatory register's changes are forms of one page, the register (a read page here), tried persona by
# persona in tests/escrow/views/test_register_page.py (issue 10 item 1).
PAGELESS = {"propose_signatory", "propose_signatory_removal", "confirm_register_change", "object_to_register_change"}


@dataclass(frozen=True)
class Page:
    """One URL of escrow/urls.py on a deal: who may see or use it is ROLE_ACTIONS[action]."""

    name: str  # the URL name in escrow/urls.py
    action: str  # the ROLE_ACTIONS entry the page is governed by
    url: Callable  # DealWorld -> path
    data: Callable | None = None  # DealWorld -> POST body that performs the action; None: a read page
    form_marker: str = ""  # present in the HTML exactly when the form is offered
    review: bool = False  # GET shows the document to every role; the form only to allowed ones
    setup: Callable | None = None  # DealWorld -> None, run before the requests


def _slug(name, *args):
    return lambda w: reverse(f"escrow:{name}", args=[w.deal.slug, *args])


def _year(name, year):
    return lambda w: reverse(f"escrow:{name}", args=[w.deal.slug, year])


def _pdf(name):
    return SimpleUploadedFile(name, make_pdf(name), content_type="application/pdf")


def _signature(w):
    return Signature.objects.filter(instrument__tranche=w.tranche(2)).order_by("pk").first()


def _suspend(w):
    actions.suspend_release(w.people["issuer"], w.tranche(2).pk, reason="Seller breached SPA 8.1")


def _sign_page(kind):
    return Page(
        "sign",
        f"sign_{kind}",
        lambda w: reverse("escrow:sign", args=[w.instruments[kind].pk]),
        data=lambda w: {"intent": "on", "password": PASSWORD, "expected_sha256": w.sha(kind)},
        form_marker='data-testid="sign-form"',
        review=True,
    )


def _tranche_form(action, year, data):
    return Page(action, action, _year(action, year), data=data, form_marker='data-testid="action-form"')


def _fee_invoices(w):
    """Issue 14 item 5: year 1's escrow fee invoice, payable by both (P9 split) so every reader of fees reads it."""
    Deal.objects.filter(pk=w.deal.pk).update(escrow_fee_payer="split")
    w.deal.escrow_fee_payer = "split"
    actions.issue_fee_invoices(w.people["agent1"], w.deal)


def _first_invoice(w):
    return FeeInvoice.objects.filter(deal=w.deal).order_by("year").first()


# Pages that show the deal (or one of its files) to every role on it.
READS = [
    Page("deal", "view_deal", _slug("deal")),
    Page("whatif", "view_deal", _slug("whatif")),
    Page("register", "view_register", _slug("register")),
    Page("corporate_actions", "view_corporate_actions", _slug("corporate_actions")),  # issue 14 item 4
    Page("history", "view_deal", _slug("history")),
    Page("history_csv", "export_history", _slug("history_csv")),
    Page("history_pdf", "export_history", _slug("history_pdf")),
    Page("tranche", "view_deal", _year("tranche", 1)),
    Page("signature_receipt", "view_deal", lambda w: reverse("escrow:signature_receipt", args=[_signature(w).pk])),
    Page("document", "download_document", lambda w: reverse("escrow:document", args=[w.report.pk])),
    Page("evidence_pack", "download_evidence_pack", _slug("evidence_pack")),  # issue 11 item 5
    Page("tranche_evidence_pack", "download_evidence_pack", _year("tranche_evidence_pack", 1)),
    Page("release_statement", "download_release_statement", _slug("release_statement")),  # issue 12 item 8
    Page("deal_fees", "view_fees", _slug("deal_fees")),  # issue 14 item 5 (EA 4.4)
    Page("deal_statement", "download_statement", _slug("deal_statement")),  # issue 14 item 6
    Page("deal_statement_csv", "download_statement", _slug("deal_statement_csv")),
    Page("deal_statement_pdf", "download_statement", _slug("deal_statement_pdf")),
    Page(
        "fee_invoice_pdf",
        "view_fees",
        lambda w: reverse("escrow:fee_invoice_pdf", args=[w.deal.slug, _first_invoice(w).number]),
        setup=_fee_invoices,
    ),
    Page("holdings", "view_deal", _slug("holdings")),  # issue 14 items 2, 3: dividends and votes
]


def _previewed(revenue):
    """What the preview step hands the confirm step: the revenue and the quantity shown (on target here)."""
    return {"audited_revenue": revenue, "expected_quantity": 3_000_000}


def transfer_facts(day, date_field="issue_date"):
    """Issue 11 item 4: the transfer agent's facts the deposit and approval pages ask for."""
    return {date_field: day.isoformat(), "transfer_agent": "CST", "recipient_account": "DTC 0352 / 88-1"}


# One page per table entry that has a form, on the tranche the world readied for it.
FORMS = {
    "confirm_deposit": Page(
        "confirm_deposit",
        "confirm_deposit",
        _slug("confirm_deposit"),
        data=lambda w: {"reference": "DRS-2", "confirm": "on", **transfer_facts(w.deal.effective_date)},
        form_marker='data-testid="deposit-form"',
    ),
    "approve_auditor": Page(
        "approve_auditor",
        "approve_auditor",
        _slug("approve_auditor"),
        data=lambda w: {"organisation": w.new_firm.pk},
        form_marker='data-testid="auditor-form"',
    ),
    "return_for_cancellation": Page(
        "return_for_cancellation",
        "return_for_cancellation",
        _slug("return_for_cancellation"),
        data=lambda w: {"reference": "RET-1", "confirm": "on"},
        form_marker='data-testid="return-form"',
    ),
    "enter_share_prices": Page(
        "deal_prices",
        "enter_share_prices",
        _slug("deal_prices"),
        data=lambda w: {
            "form": "enter",
            "enter-day": str(contract_today() - timedelta(days=1)),
            "enter-close": "2.51",
            "enter-currency": "USD",
        },
        form_marker='data-testid="price-form"',
    ),
    # Issue 12 item 8: the confirm step of the preview-confirm report pages (the preview is step 1).
    "file_report": Page(
        "file_report",
        "file_report",
        _year("file_report", 5),
        data=lambda w: {"step": "confirm", "confirm": "on", "report": _pdf("y5.pdf"), **_previewed("974000000")},
        form_marker='data-testid="report-form"',
    ),
    "correct_report": Page(
        "correct_report",
        "correct_report",
        _year("correct_report", 1),
        data=lambda w: {
            "step": "confirm",
            "confirm": "on",
            "report": _pdf("y1.pdf"),
            "reason": "Typing error",
            **_previewed("665000000"),
        },
        form_marker='data-testid="report-form"',
    ),
    "decline_to_sign": Page(
        "decline",
        "decline_to_sign",
        lambda w: reverse("escrow:decline", args=[w.instruments["settlement"].pk]),
        data=lambda w: {"reason": "The settlement figure is not what we agreed."},
        form_marker='data-testid="decline-form"',
    ),
    "sign_joint_instruction": _sign_page("joint_instruction"),
    "sign_settlement": _sign_page("settlement"),
    "sign_adjustment": _sign_page("adjustment"),
    "prepare_release": Page(
        "prepare_release",
        "prepare_release",
        _year("prepare_release", 2),
        data=lambda w: {"confirm": "on", "password": PASSWORD, "expected_sha256": w.instruction_sha(2)},
        form_marker='data-testid="prepare-form"',
        review=True,
    ),
    "approve_release": Page(
        "approve_release",
        "approve_release",
        _year("approve_release", 3),
        data=lambda w: {
            "confirm": "on",
            "password": PASSWORD,
            "transfer_reference": "TA-3",
            "expected_sha256": w.instruction_sha(3),
            **transfer_facts(contract_today(), date_field="transfer_date"),
        },
        form_marker='data-testid="approve-form"',
        review=True,
    ),
    "withdraw_preparation": _tranche_form("withdraw_preparation", 3, lambda w: {"reason": "Wrong account"}),
    "record_call_back": Page(
        "record_call_back",
        "record_call_back",
        _year("record_call_back", 2),
        data=lambda w: {"signatory": w.call_back_signatory().pk, "outcome": "confirmed", "note": "Confirmed"},
        form_marker='data-testid="call-back-form"',
    ),
    "raise_dispute": _tranche_form("raise_dispute", 1, lambda w: {"reason": "Quantity disputed"}),
    "propose_settlement": _tranche_form(
        "propose_settlement", 4, lambda w: {"quantity": 2_950_000, "reason": "Agreed 2,950,000"}
    ),
    "file_award": _tranche_form(
        "file_award", 4, lambda w: {"quantity": 2_800_000, "reference": "CIETAC-2027-01", "award": _pdf("award.pdf")}
    ),
    "suspend_release": _tranche_form("suspend_release", 2, lambda w: {"reason": "Seller breached SPA 8.1"}),
    "lift_suspension": Page(
        "lift_suspension",
        "lift_suspension",
        _year("lift_suspension", 2),
        data=lambda w: {"reason": "Breach cured"},
        form_marker='data-testid="action-form"',
        setup=_suspend,
    ),
    "propose_adjustment": _tranche_form(
        "propose_adjustment", 1, lambda w: {"quantity": 2_000_000, "reason": "Exceptional circumstances"}
    ),
    # Issue 14 item 5 (EA 4.4, EA 2): the deposit is in, so escrow year 1 has started and is not invoiced.
    "issue_fee_invoices": Page(
        "issue_fee_invoices",
        "issue_fee_invoices",
        _slug("issue_fee_invoices"),
        data=lambda w: {"confirm": "on"},
        form_marker='data-testid="fee-issue-form"',
    ),
    "record_fee_payment": Page(
        "record_fee_payment",
        "record_fee_payment",
        _slug("record_fee_payment"),
        data=lambda w: {
            "invoice": _first_invoice(w).pk,
            "paid_on": contract_today().isoformat(),
            "reference": "SWIFT-FEE-1",
        },
        form_marker='data-testid="fee-pay-form"',
        setup=_fee_invoices,
    ),
    # Issue 14 item 4: both are forms of the corporate actions page, which every role reads (review=True:
    # the page for all, the form only for the role that may use it now). Nothing is proposed in this world.
    "propose_corporate_action": Page(
        "corporate_actions",
        "propose_corporate_action",
        _slug("corporate_actions"),
        data=lambda w: {
            "op": "propose",
            "ratio_new": 1,
            "ratio_old": 30,
            "effective_date": str(contract_today()),
            "fraction_policy": "round-up",
        },
        form_marker='data-testid="propose-corporate-action"',
        review=True,
    ),
    "confirm_corporate_action": Page(
        "corporate_actions",
        "confirm_corporate_action",
        _slug("corporate_actions"),
        data=lambda w: {"op": "confirm", "reference": "TA-1"},
        form_marker='data-testid="confirm-corporate-action"',
        review=True,
    ),
}
# Issue 14 items 2, 3: dividends and votes, one form page each (tests/escrow/holdings_matrix.py).
FORMS.update({action: Page(**page) for action, page in HOLDINGS_PAGES.items()})
PAGES = {f"{p.name}:{p.action}": p for p in [*READS, *FORMS.values()]}
# URL names that are not about one deal: each person's own dashboard and notifications.
PERSONAL = {"dashboard", "notifications", "notifications_read_all", "notification_read"}
# Platform administration: staff with a Django permission, no contract role (tests/escrow/actions/test_create_deal.py).
PLATFORM = {"create_deal", "prices"}
# Issue 12 item 8: the overview lists every deal the person oversees, so it is about no one deal; who sees it
# (the table's oversee_deals) is tried persona by persona in tests/escrow/test_overview.py.
ACROSS_DEALS = {"overview": "oversee_deals"}
# The demo clock (issue 12 item 9): DEMO_CLOCK settings only, tested in tests/escrow/views/test_demo_clock.py.
DEMO = {"demo_clock"}


def _snapshot_sql():
    def table(model):
        return connection.ops.quote_name(model._meta.db_table)

    def rows(model, *columns):
        cells = " || ':' || ".join(f"coalesce({c}::text, '')" for c in ("id", *columns))
        return f"(SELECT string_agg({cells}, ',' ORDER BY id) FROM {table(model)})"

    parts = [
        f"(SELECT count(*) FROM {table(m)})" for m in (HistoryEntry, Signature, StoredDocument, Hold, ShareMovement)
    ]
    parts += [
        rows(Instrument, "status"),
        rows(Tranche, "state", "release_quantity", "prepared_by_id"),
        rows(Deal, "state", "total_shares"),
        f"(SELECT count(*) FROM {table(Notification)} WHERE read_at IS NULL)",
    ]
    return "SELECT " + ", ".join(parts)


def snapshot():
    """What any action would change: history, signatures, files, holds, ledger, states, notifications
    (one query: it runs three times in each of several hundred tests)."""
    with connection.cursor() as cursor:
        cursor.execute(_snapshot_sql())
        return cursor.fetchone()


@pytest.fixture(scope="module")
def sessions(world, django_db_blocker):  # noqa: F811
    """A signed-in session per person, made once in the world's transaction (a login per test is slow)."""
    with django_db_blocker.unblock():
        cookies = {}
        for persona in EVERYBODY:
            client = Client()
            client.force_login(world.person(persona))
            cookies[persona] = client.cookies
        return cookies


@pytest.fixture
def client_of(sessions):
    """persona -> a fresh Client signed in as that person."""

    def make(persona):
        client = Client()
        client.cookies.load({name: morsel.value for name, morsel in sessions[persona].items()})
        return client

    return make


def gist(response):
    """The page's error (or heading) for an assertion message, not the whole page."""
    html = response.content.decode(errors="replace")
    found = re.search(r'data-testid="form-error">(.*?)</div>', html, re.S) or re.search(r"<h1>(.*?)</h1>", html, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1) if found else html[:300]).split())


def expectation(page, persona, which):
    """(GET status, POST status) the table says this person gets on this page of this deal."""
    outcome, clause = expected(page.action, persona, which)
    if outcome == "NotFound":
        return 404, 404
    if outcome == "NotAllowed" and clause:  # refused by the role table (not by EA 3.2 four eyes)
        return (200 if page.review else 403), 403
    if page.data is None:
        return 200, 200  # a read page: POST is read as GET
    return 200, (302 if outcome == "ok" else 409)


# --- the table and the URLs are covered -----------------------------------------------------------------


def test_every_table_entry_has_a_page_or_is_known_pageless():
    read_actions = {p.action for p in READS}
    assert set(ROLE_ACTIONS) - read_actions - set(FORMS) == PAGELESS | set(ACROSS_DEALS.values())
    assert set(FORMS) <= set(ROLE_ACTIONS) and read_actions <= set(ROLE_ACTIONS)
    assert all(page.action == action for action, page in FORMS.items())


def test_every_url_is_in_the_matrix():
    names = {pattern.name for pattern in urlpatterns}
    assert names == {p.name for p in PAGES.values()} | PERSONAL | PLATFORM | set(ACROSS_DEALS) | DEMO


def test_every_action_the_views_offer_is_in_the_matrix():
    """The views' own lists of pages (form pages, links from the dashboard and tranche page)."""
    offered = set(forms.PAGES) | set(TRANCHE_PAGES) | set(SIGN_KINDS) | set(DEAL_PAGES) | set(INSTRUMENT_PAGES)
    assert offered == set(FORMS)


def test_the_portal_links_each_action_to_the_page_tested_here(world, db):  # noqa: F811
    w = world.own
    for action, page in FORMS.items():
        if action in INSTRUMENT_PAGES:
            continue  # declining is linked from the signing page (tests/escrow/views/test_role_pages.py)
        url = page.url(w)
        kwargs = resolve(url).kwargs
        if "pk" in kwargs:
            tranche = Instrument.objects.get(pk=kwargs["pk"]).tranche
        else:
            tranche = w.tranche(kwargs["year"]) if "year" in kwargs else None
        assert step_url(w.deal, tranche, action) == url, action


# --- the matrix ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["own", "other"])
@pytest.mark.parametrize("persona", EVERYBODY)
@pytest.mark.parametrize("key", sorted(PAGES))
def test_page(world, db, client_of, key, persona, which):  # noqa: F811
    page, w = PAGES[key], world.target(which)
    if page.setup:
        page.setup(w)
    client = client_of(persona)
    url = page.url(w)
    want_get, want_post = expectation(page, persona, which)

    before = snapshot()
    got = client.get(url)
    assert got.status_code == want_get, f"GET {url} as {persona}"
    if page.form_marker and want_get == 200:
        offered = page.form_marker in got.content.decode()
        assert offered == (want_post == 302), f"form offered={offered} on GET {url} as {persona}"
    assert snapshot() == before, f"GET {url} as {persona} changed the database"

    data = page.data(w) if page.data else {}
    posted = client.post(url, data)
    assert posted.status_code == want_post, f"POST {url} as {persona}: {gist(posted)}"
    if want_post == 302:
        assert snapshot() != before, f"POST {url} as {persona} redirected but did nothing"
    else:
        assert snapshot() == before, f"POST {url} as {persona} ({want_post}) changed the database"
    if want_post == 409:
        html = posted.content.decode()
        with translation.override(posted.get("Content-Language") or settings.LANGUAGE_CODE):
            nothing_changed = translation.gettext(NOTHING_CHANGED)
        assert 'data-testid="stale-reason"' in html and nothing_changed in html, f"POST {url} as {persona}"
        assert 'data-testid="stale-link"' in html, f"POST {url} as {persona}"


def test_the_states_behind_the_matrix(world, db):  # noqa: F811
    """The allowed POSTs that the world's state refuses (409) are exactly these; all others succeed."""
    refused = {
        (p.action, persona) for p in FORMS.values() for persona in PERSONAS if expectation(p, persona, "own")[1] == 409
    }
    assert refused == {
        ("confirm_deposit", "agent1"),
        ("confirm_deposit", "agent2"),
        ("approve_release", "agent1"),
        ("return_for_cancellation", "agent1"),
        ("return_for_cancellation", "agent2"),
        ("correct_report", "auditor"),  # issue 12 item 8: years 2-4 are reported, they read year 1 (SPA 5.2(2))
        ("confirm_corporate_action", "agent1"),  # issue 14 item 4: nothing is proposed in this world
        ("confirm_corporate_action", "agent2"),
    }


# --- pages about the person, not a deal ------------------------------------------------------------------


@pytest.mark.parametrize("persona", EVERYBODY)
def test_dashboard_and_notifications_show_only_own_deals(world, db, client_of, persona):  # noqa: F811
    client = client_of(persona)
    for name in ("dashboard", "notifications"):
        response = client.get(reverse(f"escrow:{name}"))
        assert response.status_code == 200, name
        html = response.content.decode()
        assert world.other.deal.slug not in html and world.other.deal.name not in html, name
    dashboard = client.get(reverse("escrow:dashboard")).content.decode()
    assert (reverse("escrow:deal", args=[world.own.deal.slug]) in dashboard) == (persona in PERSONAS)


@pytest.mark.parametrize("persona", EVERYBODY)
def test_nobody_reads_another_persons_notification(world, db, client_of, persona):  # noqa: F811
    note = Notification.objects.filter(user=world.other.people["issuer"], read_at__isnull=True).first()
    assert note is not None
    client = client_of(persona)
    url = reverse("escrow:notification_read", args=[note.pk])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 404
    assert client.post(reverse("escrow:notifications_read_all")).status_code == 302
    note.refresh_from_db()
    assert note.read_at is None


def test_marking_ones_own_notification_read(world, db, client_of):  # noqa: F811
    issuer = world.own.people["issuer"]
    note = Notification.objects.filter(user=issuer, read_at__isnull=True).first()
    response = client_of("issuer").post(reverse("escrow:notification_read", args=[note.pk]))
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.read_at is not None


@pytest.mark.parametrize(
    "name", ["dashboard", "notifications", "deal", "tranche", "confirm_deposit", "sign", "document", "history_csv"]
)
def test_anonymous_is_sent_to_sign_in(world, db, name):  # noqa: F811
    page = next((p for p in PAGES.values() if p.name == name), None)
    url = page.url(world.own) if page else reverse(f"escrow:{name}")
    for response in (Client().get(url), Client().post(url, {})):
        assert response.status_code == 302 and response["Location"].startswith(resolve_url(settings.LOGIN_URL))


# --- documents leave only through the permission-checked view -------------------------------------------


def test_documents_have_no_public_url(world, db, client_of):  # noqa: F811
    """No MEDIA_URL route: the storage path of every document resolves to no view, even for the issuer."""
    assert not settings.MEDIA_URL or settings.MEDIA_URL == "/"
    client = client_of("issuer")
    documents = StoredDocument.objects.filter(deal__in=[world.own.deal, world.other.deal])
    assert documents.count() > 10
    for doc in documents:
        name = doc.file.name
        for path in {f"/{name}", f"/media/{name}", f"/documents/{name}", f"/{settings.MEDIA_URL.strip('/')}/{name}"}:
            path = path.replace("//", "/")
            with pytest.raises(Resolver404):
                resolve(path)
            assert client.get(path).status_code == 404, path


def test_no_url_serves_files_from_disk():
    """Neither django.views.static.serve nor any other file-serving view is routed (MEDIA or otherwise)."""

    def callbacks(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from callbacks(pattern.url_patterns)
            else:
                yield pattern.callback

    served = {f"{c.__module__}.{c.__name__}" for c in callbacks(get_resolver().url_patterns)}
    assert not {name for name in served if name.startswith("django.views.static")}, served


def test_each_document_is_served_only_to_its_own_deal(world, db, client_of):  # noqa: F811
    """A document of each kind in each deal: 200 for each role on that deal, 404 for everyone else."""
    for which, w in (("own", world.own), ("other", world.other)):
        kinds = set(StoredDocument.objects.filter(deal=w.deal).values_list("kind", flat=True))
        documents = [StoredDocument.objects.filter(deal=w.deal, kind=kind).first() for kind in sorted(kinds)]
        assert len(documents) >= 4
        for persona in EVERYBODY:
            client = client_of(persona)
            for doc in documents:
                response = client.get(reverse("escrow:document", args=[doc.pk]))
                want = 200 if which == "own" and persona in PERSONAS else 404
                assert response.status_code == want, (persona, which, doc.kind)
                if want == 200:
                    assert response["X-Content-SHA256"] == doc.sha256


def test_the_admin_shows_no_document_file(world, db, client_of):  # noqa: F811
    """The superuser's admin lists documents without their file (no link to the bytes)."""
    doc = world.own.report
    client = client_of("admin")
    response = client.get(reverse("admin:escrow_storeddocument_change", args=[doc.pk]))
    assert response.status_code == 200
    assert doc.file.name not in response.content.decode()
