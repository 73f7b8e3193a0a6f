"""Documents are PDFs by content, at most 20 MB, stored with their hash (issue 3 item 6)."""

import pytest

from escrow import actions
from escrow.contract.errors import InvalidInput, NotAllowed
from escrow.models import AuditReport, StoredDocument
from tests.conftest import make_pdf, tranche

pytestmark = pytest.mark.django_db


@pytest.fixture
def year_1_open(deposited):
    from datetime import date

    actions.open_year(tranche(deposited, 1).pk, today=date(2026, 12, 1))
    return tranche(deposited, 1)


def file(people, t, data, revenue="665000000"):
    return actions.file_report(people["auditor"], t.pk, audited_revenue=revenue, pdf=data, original_name="r.pdf")


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"GIF89a not a pdf", "not a PDF"),
        (b"%PDF-1.7\n garbage with a pdf header", "cannot be read"),
        (b"%PDF-1.4\n" + b"0" * (20 * 1024 * 1024), "20 MB"),
    ],
)
def test_bad_files_are_refused_and_change_nothing(year_1_open, people, data, message):
    with pytest.raises(InvalidInput, match=message):
        file(people, year_1_open, data)
    assert tranche(year_1_open.deal, 1).state == "awaiting_report"
    assert not StoredDocument.objects.filter(kind="audit_report").exists()


@pytest.mark.parametrize(
    "revenue, message",
    [
        ("-1", "negative"),
        ("abc", "not an amount"),
        ("1.001", "two decimal"),
        ("66500000000000", "100 times"),
    ],
)
def test_bad_revenue_is_refused(year_1_open, people, revenue, message):
    with pytest.raises(InvalidInput, match=message):
        file(people, year_1_open, make_pdf(), revenue)
    assert not AuditReport.objects.exists()


def test_report_is_stored_with_its_hash(year_1_open, people):
    import hashlib

    data = make_pdf("Revenue 665,000,000")
    file(people, year_1_open, data)
    report = AuditReport.objects.get()
    assert report.document.sha256 == hashlib.sha256(data).hexdigest()
    assert report.document.file.read() == data


def test_firm_must_be_approved_before_filing(deposited, people):
    """SPA 4.2: only a firm the issuer approved before the filing counts."""
    from datetime import date

    from escrow.models import DealParty

    DealParty.objects.filter(deal=deposited, role="auditor").update(approved_at=None)
    actions.open_year(tranche(deposited, 1).pk, today=date(2026, 12, 1))
    with pytest.raises(NotAllowed, match=r"SPA 4\.2"):
        file(people, tranche(deposited, 1), make_pdf())
