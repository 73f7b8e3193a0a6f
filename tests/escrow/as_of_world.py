"""Kaixin's year 1 walked day by day through the real actions (issue 14 item 1: the deal as of any day):
created, deposited (EA 1.1), reported (SPA 4.2), signed (EA 3.1(b)), suspended and lifted (SPA 8.1), released
(EA 3.2) at 01:00 Beijing time, still the previous day in UTC."""

import io
from datetime import date, datetime, timedelta

import time_machine
from django.core.management import call_command

from escrow import actions
from escrow.models import Deal
from tests.conftest import PASSWORD, SHANGHAI, open_and_file, sign_instruction, tranche
from tests.escrow.call_backs import confirm_call_back

TOTAL = 15_000_000
CREATED, DEPOSITED = date(2026, 12, 2), date(2026, 12, 5)
REPORTED, SIGNED, SUSPENDED, LIFTED, RELEASED = (
    date(2027, 1, 20),
    date(2027, 1, 22),
    date(2027, 1, 23),
    date(2027, 1, 24),
    date(2027, 1, 26),
)


def on(day, hour=10):
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI), tick=False)


def walk_year_one(user_model):
    """Kaixin's year 1: created, deposited (EA 1.1), reported (SPA 4.2), signed (EA 3.1(b)), suspended and
    lifted (SPA 8.1), released (EA 3.2) at 01:00 Beijing time on 2027-01-26 (still 2027-01-25 in UTC)."""
    with on(CREATED):
        call_command("load_kaixin", stdout=io.StringIO())
        deal = Deal.objects.get(slug="kaixin-2025")
        people = {u.username: u for u in user_model.objects.all()}
    with on(DEPOSITED):
        actions.confirm_deposit(people["agent1"], deal, reference="DRS-0001")
    with on(REPORTED):
        open_and_file(deal, people, 1, "665000000", today=REPORTED)
    with on(SIGNED):
        sign_instruction(deal, people, 1)
    with on(SUSPENDED):
        actions.suspend_release(people["issuer"], tranche(deal, 1).pk, reason="Seller breached the non-compete")
    with on(LIFTED):
        actions.lift_suspension(people["issuer"], tranche(deal, 1).pk, reason="Breach cured")
    with on(RELEASED - timedelta(days=1)):
        year1 = tranche(deal, 1)
        digest = year1.instruments.get(status="effective").document.sha256
        actions.prepare_release(people["agent1"], year1.pk, expected_sha256=digest, password=PASSWORD)
        confirm_call_back(deal, people, year1)
    with on(RELEASED, hour=1):
        actions.approve_release(
            people["agent2"], year1.pk, expected_sha256=digest, transfer_reference="TA-REF-1", password=PASSWORD
        )
    return Deal.objects.get(pk=deal.pk), people
