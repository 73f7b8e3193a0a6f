"""Server time and SQL queries of every page and API list against a bare view (issue 13 items 1 and 5),
with 1 and with 1,000 deals visible, on PostgreSQL with DEBUG off and the portal's middleware.

Run from the repository root against a PostgreSQL server (a scratch database test_<name> is created
and dropped):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/bench_pages.py [--runs 25] [--load]
Each request goes through Django's full handler (django.test.Client: no network, no template
instrumentation) as a signed-in person whose session is OTP-verified, like a signatory's. For each page
the page and its floor (bench/urls.py: an empty page in the layout for pages, an empty API list for the
API) are requested in turn, `--runs` times, alternating which goes first; the ratio is the median page
time over the median floor time. Query counts are of one request.
World: the Kaixin deal (year 1 waiting for the joint instruction, year 2 for its report), then 999 bulk
copies (bench.world.copies_of) whose year 1 waits for its report: the auditor has 1,000 items due. Issue 14's
pages have something to show: a fee invoice, a dividend, a meeting and a proposed split on the Kaixin deal.
`--load` then serves the same database with gunicorn (2 workers, 127.0.0.1) and prints throughput and
p50/p95/p99 of the deal page and the bare view under 50 clients (bench/load.py).
"""

import argparse
import io
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

from bench.pages import issue_14_urls  # noqa: E402
from bench.world import copies_of  # noqa: E402
from escrow import actions  # noqa: E402
from escrow.actions import holdings  # noqa: E402
from escrow.actions.corporate_actions import propose_corporate_action  # noqa: E402
from escrow.models import Deal, Instrument, StoredDocument, Tranche, TrancheState  # noqa: E402
from escrow.queries.clock import contract_today  # noqa: E402
from parties.models import User  # noqa: E402

LISTS = ["issuer", "agent1", "auditor", "compliance"]  # the lists differ by role: each is measured
DETAIL_PERSONA = "compliance"  # sees every page and may export the history


def pdf(text):
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=1)
    page.drawString(72, 720, text)
    page.save()
    return buffer.getvalue()


def build_kaixin():
    call_command("load_kaixin", stdout=io.StringIO())
    deal = Deal.objects.get(slug="kaixin-2025")
    people = {u.username: u for u in User.objects.all()}
    actions.confirm_deposit(people["agent1"], deal, reference="DRS-0001")
    year_1, year_2 = Tranche.objects.filter(deal=deal, year__in=(1, 2)).order_by("year")
    actions.open_year(year_1.pk, today=year_1.period_end + timedelta(days=1))
    actions.file_report(
        people["auditor"], year_1.pk, audited_revenue="598500000", pdf=pdf("Year 1"), original_name="report-1.pdf"
    )
    actions.open_year(year_2.pk, today=year_2.period_end + timedelta(days=1))
    around_the_shares(deal, people)
    return Deal.objects.get(pk=deal.pk), people


def around_the_shares(deal, people):
    """Something on each of issue 14's pages: a fee invoice (EA 4.4), a dividend and a meeting (SPA 3.2, EA 1.3),
    a proposed split (EA 4.2)."""
    today = contract_today()
    actions.issue_fee_invoices(people["agent1"], deal)
    holdings.record_dividend(
        people["issuer"],
        deal,
        kind="cash",
        declared_on=today - timedelta(days=3),
        record_date=today - timedelta(days=2),
        payment_date=today - timedelta(days=1),
        per_share="0.05",
        currency="USD",
    )
    holdings.record_meeting(
        people["issuer"],
        deal,
        record_date=today - timedelta(days=1),
        meeting_date=today + timedelta(days=40),
        resolutions="Re-elect the directors\nAppoint the auditor\n",
    )
    propose_corporate_action(
        people["issuer"], deal, ratio_new=2, ratio_old=1, effective_date=today, fraction_policy="floor"
    )


def client_for(user):
    """A signed-in, OTP-verified session (what the OTP middleware reads on every request)."""
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def list_urls():
    return {
        "dashboard": reverse("escrow:dashboard"),
        "notifications": reverse("escrow:notifications"),
        "api deals": reverse("api:deal-list"),
        "api me/due": reverse("api:due"),
    }


def detail_urls(deal):
    tranche = Tranche.objects.get(deal=deal, year=1)
    instrument = Instrument.objects.filter(tranche=tranche).first()
    document = StoredDocument.objects.filter(deal=deal).first()
    slug = deal.slug
    return {
        "deal": reverse("escrow:deal", args=[slug]),
        "tranche": reverse("escrow:tranche", args=[slug, 1]),
        "what-if": reverse("escrow:whatif", args=[slug]),
        "history": reverse("escrow:history", args=[slug]),
        "register": reverse("escrow:register", args=[slug]),
        "document": reverse("escrow:document", args=[document.pk]),
        "api deal": reverse("api:deal-detail", args=[slug]),
        "api tranches": reverse("api:deal-tranches", args=[slug]),
        "api documents": reverse("api:deal-documents", args=[slug]),
        "api history": reverse("api:deal-history", args=[slug]),
        "api deal penalty": reverse("api:deal-penalty", args=[slug]),
        "api tranche": reverse("api:tranche-detail", args=[tranche.pk]),
        "api instrument": reverse("api:instrument-detail", args=[instrument.pk]),
        "api document": reverse("api:document-detail", args=[document.pk]),
        # The statement is the default period (the last full month).
        **issue_14_urls(deal, as_of=contract_today()),
    }


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def timed(client, url):
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"{url}: {response.status_code}")
    return elapsed


def queries(client, url):
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        client.get(url)
    return counter.count


def measure(client, url, runs):
    """(median page s, median bare s, page queries, bare queries), page and its floor in turn."""
    bare = reverse("bench-bare-api" if url.startswith("/api/") else "bench-bare")
    for _ in range(2):  # warm: per-process caches (content types, calendars, templates)
        timed(client, url), timed(client, bare)
    pages, bares = [], []
    for i in range(runs):
        if i % 2:
            pages.append(timed(client, url))
            bares.append(timed(client, bare))
        else:
            bares.append(timed(client, bare))
            pages.append(timed(client, url))
    return statistics.median(pages), statistics.median(bares), queries(client, url), queries(client, bare)


def table(results):
    print("| page | as | 1 deal: ms | ratio | queries | 1,000 deals: ms | ratio | queries | floor ms (1 / 1,000) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for (page, persona), by_size in results.items():
        one, many = by_size[1], by_size[1000]
        print(
            f"| {page} | {persona} | {one[0] * 1000:.1f} | {one[0] / one[1]:.2f} | {one[2]} "
            f"| {many[0] * 1000:.1f} | {many[0] / many[1]:.2f} | {many[2]} "
            f"| {one[1] * 1000:.1f} / {many[1] * 1000:.1f} |"
        )


def run(runs):
    deal, people = build_kaixin()
    clients = {name: client_for(people[name]) for name in {*LISTS, DETAIL_PERSONA}}
    results = {}
    for size in (1, 1000):
        if size > 1:
            copies_of(deal, size - 1, tranche_state=TrancheState.AWAITING_REPORT)
        for persona in LISTS:
            for page, url in list_urls().items():
                results.setdefault((page, persona), {})[size] = measure(clients[persona], url, runs)
        for page, url in detail_urls(deal).items():
            results.setdefault((page, DETAIL_PERSONA), {})[size] = measure(clients[DETAIL_PERSONA], url, runs)
        print(f"measured with {size:,} deals visible", file=sys.stderr)
    table(results)
    return deal, people


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=25, help="alternations per page (default 25)")
    parser.add_argument("--load", action="store_true", help="then a gunicorn load run (bench/load.py)")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench_pages needs PostgreSQL: set DATABASE_URL=postgres://...")
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    print(f"PostgreSQL {connection.cursor().connection.info.server_version}, database {name}, {args.runs} runs\n")
    try:
        deal, people = run(args.runs)
        if args.load:
            from bench.load import load_run

            load_run(name, deal, client_for(people["compliance"]))
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)


if __name__ == "__main__":
    main()
