"""Two officers approving the same release at the same moment produce exactly one movement
(issue 3 item 4). Real threads, 32 at once, against PostgreSQL row locks; repeated per year."""

import threading
from datetime import date

import pytest
from django.db import connection

from escrow import actions
from escrow.contract.errors import DomainError
from escrow.models import ShareMovement, Tranche
from tests.factories import PASSWORD, make_deal

THREADS = 32
pytestmark = pytest.mark.django_db(transaction=True)


def prepared(deal, people, year, revenue):
    t = Tranche.objects.get(deal=deal, year=year)
    actions.open_year(t.pk, today=date(2025 + year, 12, 1))
    from tests.conftest import make_pdf

    actions.file_report(people["auditor"], t.pk, audited_revenue=revenue, pdf=make_pdf(f"y{year}"))
    instruction = t.instruments.get(kind="joint_instruction", status="open")
    for who in ("issuer", "purchaser"):
        actions.sign_instrument(
            people[who], instruction.pk, expected_sha256=instruction.document.sha256, password=PASSWORD
        )
    actions.prepare_release(people["agent1"], t.pk, expected_sha256=instruction.document.sha256, password=PASSWORD)
    from tests.escrow.call_backs import confirm_call_back

    confirm_call_back(deal, people, t)  # issue 10 item 2
    return t, instruction.document.sha256


def race(tranche_id, approvers, digest):
    barrier = threading.Barrier(THREADS)
    results = []

    def approve(officer, n):
        try:
            barrier.wait()
            actions.approve_release(
                officer, tranche_id, expected_sha256=digest, transfer_reference=f"T-{n}", password=PASSWORD
            )
            results.append("ok")
        except DomainError as exc:
            results.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(approvers[n % len(approvers)], n)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_32_simultaneous_approvals_release_once(require_postgres):
    deal, people = make_deal("race")
    second_officers = [people["agent2"]]
    for year, revenue in [(1, "598500000"), (2, "865000000"), (3, "805000000")]:
        t, digest = prepared(deal, people, year, revenue)
        results = race(t.pk, second_officers, digest)
        assert results.count("ok") == 1, results
        assert set(results) == {"ok", "WrongState"}
        assert ShareMovement.objects.filter(tranche=t, kind="release").count() == 1
        balances = ShareMovement.objects.filter(deal=deal).balances()
        assert balances["in_escrow"] + balances["released"] + balances["returned"] == deal.total_shares
    assert ShareMovement.objects.filter(deal=deal).balances()["released"] == 2_700_000 + 3_300_000 + 3_000_000
