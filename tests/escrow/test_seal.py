"""The signed instrument (issue 11 items 2-3): when the last required signature arrives (EA 3.1(b)), the
original pages unchanged plus a bilingual certificate of completion, sealed by the platform (PAdES, pyHanko)
with an RFC 3161 timestamp from the local authority; one changed byte breaks the seal (PRC Electronic
Signature Law, Art. 13)."""

import hashlib
import io
import subprocess
from datetime import UTC
from pathlib import Path

import pytest
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from django.urls import reverse
from pypdf import PdfReader

from escrow import actions
from escrow.documents import seal
from escrow.documents.storage import check_pdf, document_bytes
from escrow.models import HistoryEntry, Instrument, StoredDocument
from tests.conftest import PASSWORD, SHANGHAI, open_and_file, tranche

pytestmark = pytest.mark.django_db

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _sign(person, instrument, ip, agent):
    actions.sign_instrument(
        person, instrument.pk, expected_sha256=instrument.document.sha256, password=PASSWORD, ip=ip, user_agent=agent
    )


@pytest.fixture
def signed(deposited, people):
    """Year 1's joint instruction signed by Party A, then Party B (the last required signature)."""
    t = open_and_file(deposited, people, 1, "598500000")
    instrument = t.instruments.get(kind="joint_instruction", status="open")
    _sign(people["issuer"], instrument, "203.0.113.7", "Mozilla/5.0 (Windows NT 10.0) Firefox/133.0")
    instrument.refresh_from_db()
    assert instrument.sealed_document is None  # one signature of two: nothing to certify yet
    _sign(people["purchaser"], instrument, "198.51.100.23", "Mozilla/5.0 (Macintosh) Safari/605.1.15")
    instrument.refresh_from_db()
    return instrument


def _text(data, pages=None) -> str:
    reader = PdfReader(io.BytesIO(data))
    chosen = reader.pages if pages is None else [reader.pages[i] for i in pages]
    return " ".join(" ".join(p.extract_text().split()) for p in chosen)


def _tsa_cert(path):
    data = Path(path).read_bytes()
    return asn1_x509.Certificate.load(pem.unarmor(data)[2])


def test_last_signature_produces_the_sealed_instrument(signed, people):
    sealed = signed.sealed_document
    assert signed.status == Instrument.Status.EFFECTIVE
    assert sealed.kind == StoredDocument.Kind.SIGNED_INSTRUMENT
    assert sealed.tranche_id == signed.tranche_id
    assert sealed.original_name.endswith("-signed.pdf")
    data = document_bytes(sealed)
    check_pdf(data)  # its own storage path accepts it: no JavaScript, launch action or embedded file
    # The history commits to the sealed bytes and names the entry the certificate cites.
    entry = HistoryEntry.objects.get(action="instrument_sealed", details__instrument=signed.pk)
    last_signed = HistoryEntry.objects.filter(action="signed", details__instrument=signed.pk).order_by("-seq")[0]
    assert entry.details["sealed_sha256"] == sealed.sha256
    assert entry.details["document_sha256"] == signed.document.sha256
    assert entry.details["completion_entry"] == {"seq": last_signed.seq, "hash": last_signed.hash}
    assert entry.seq == last_signed.seq + 1


def test_the_original_pages_and_bytes_are_unchanged(signed):
    original = document_bytes(signed.document)
    data = document_bytes(signed.sealed_document)
    # Incremental updates: the original file is the first bytes of the signed one, so the hash every party
    # signed is recomputed from the signed file alone.
    assert data[: len(original)] == original
    assert hashlib.sha256(data[: len(original)]).hexdigest() == signed.document.sha256
    before, after = PdfReader(io.BytesIO(original)), PdfReader(io.BytesIO(data))
    n = len(before.pages)
    assert len(after.pages) > n
    for old, new in zip(before.pages, after.pages[:n], strict=False):
        assert old.get_contents().get_data() == new.get_contents().get_data()
        assert old.extract_text() == new.extract_text()


def test_the_certificate_states_each_signer_and_the_hashes(signed, people):
    data = document_bytes(signed.sealed_document)
    n = len(PdfReader(io.BytesIO(document_bytes(signed.document))).pages)
    text = _text(data, range(n, len(PdfReader(io.BytesIO(data)).pages)))
    flat = text.replace(" ", "")
    signatures = list(signed.signatures.select_related("signer", "party__organisation").order_by("signed_at"))
    for expected in [
        "Certificate of Completion",
        "签署完成证明",
        "Joint Written Instruction",
        "联合书面指示",
        "Signature 1 of 2",
        "Signature 2 of 2",
        "Beijing time (UTC+8)",
        "北京时间",
        "UTC",
        "203.0.113.7",
        "198.51.100.23",
        "Firefox/133.0",
        "Safari/605.1.15",
        "Password re-entered at signing",
        "签署时重新输入密码",
        "Issuer (Party A)",
        "Purchaser (Party B)",
        "Identical to the original document above.",
        "PAdES",
    ]:
        assert expected in text, expected
    for s in signatures:
        local = s.signed_at.astimezone(SHANGHAI)
        assert f"{local:%Y-%m-%d %H:%M:%S} Beijing time (UTC+8)" in text
        assert f"{s.signed_at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC" in text
        assert s.party.organisation.name in text
        entry = s.signer.signatory_entries.get(party=s.party)
        assert entry.name in text and entry.title in text
    assert signed.document.sha256 in flat  # the original's hash, and each signed hash (the same)
    last = HistoryEntry.objects.filter(action="signed", details__instrument=signed.pk).order_by("-seq")[0]
    assert last.hash in flat
    assert f"deal:{signed.tranche.deal_id}" in text


def test_the_seal_validates_and_one_changed_byte_breaks_it(signed):
    data = document_bytes(signed.sealed_document)
    check = seal.check_seal(data)
    assert check.problem == "", check
    assert check.covers_whole_file and not check.timestamped
    # One byte inside the signed range (in the original instrument's bytes): the seal no longer verifies.
    original_size = signed.document.size
    position = original_size // 2
    changed = data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1 :]
    assert "changed" in seal.check_seal(changed).problem


def test_a_seal_from_another_key_is_not_trusted(signed, tmp_path):
    from cryptography.hazmat.primitives import serialization

    from escrow.documents.platform_key import _self_signed

    _key, other = _self_signed("Someone else")
    stranger = asn1_x509.Certificate.load(other.public_bytes(serialization.Encoding.DER))
    check = seal.check_seal(document_bytes(signed.sealed_document), trusted=[stranger])
    assert "trusted" in check.problem


def test_with_the_local_timestamp_authority_the_seal_is_timestamped(tsa, deposited, people):
    t = open_and_file(deposited, people, 1, "598500000")
    instrument = t.instruments.get(kind="joint_instruction", status="open")
    _sign(people["issuer"], instrument, "203.0.113.7", "Firefox")
    _sign(people["purchaser"], instrument, "198.51.100.23", "Safari")
    instrument.refresh_from_db()
    data = document_bytes(instrument.sealed_document)
    check = seal.check_seal(data, tsa_trusted=[_tsa_cert(tsa.cert_file)])
    assert check.problem == "" and check.timestamped and check.timestamp_valid, check
    assert f"RFC 3161 timestamp from {tsa.url}" in _text(data)
    entry = HistoryEntry.objects.get(action="instrument_sealed", details__instrument=instrument.pk)
    assert entry.details["timestamped"] is True
    position = instrument.document.size - 10
    changed = data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1 :]
    assert "changed" in seal.check_seal(changed, tsa_trusted=[_tsa_cert(tsa.cert_file)]).problem


def test_an_unreachable_authority_does_not_refuse_the_last_signature(settings, deposited, people):
    settings.TSA_URL = "http://127.0.0.1:9/"  # discard port: nothing answers
    t = open_and_file(deposited, people, 1, "598500000")
    instrument = t.instruments.get(kind="joint_instruction", status="open")
    _sign(people["issuer"], instrument, "203.0.113.7", "Firefox")
    _sign(people["purchaser"], instrument, "198.51.100.23", "Safari")
    instrument.refresh_from_db()
    assert tranche(deposited, 1).state == "instructed"
    data = document_bytes(instrument.sealed_document)
    assert seal.check_seal(data).problem == ""
    assert "no RFC 3161 authority was configured or reachable" in _text(data)
    entry = HistoryEntry.objects.get(action="instrument_sealed", details__instrument=instrument.pk)
    assert entry.details["timestamped"] is False and "127.0.0.1:9" in entry.details["timestamp_problem"]


def _fonts(data) -> dict:
    found = {}
    for page in PdfReader(io.BytesIO(data)).pages:
        for ref in page["/Resources"]["/Font"].get_object().values():
            font = ref.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor else {}
            found[str(font["/BaseFont"])] = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    return found


def test_every_font_of_the_signed_instrument_is_embedded(signed):
    data = document_bytes(signed.sealed_document)
    fonts = _fonts(data)
    assert fonts and all(fonts.values()), fonts
    assert not any("Helvetica" in name for name in fonts)
    # poppler's view (bin/test installs it): the "emb" column says yes for every font
    path = Path(signed.sealed_document.file.path)
    listing = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    head, _rule, *rows = listing.splitlines()
    emb = head.index(" emb") + 1
    assert rows and all(row[emb : emb + 3] == "yes" for row in rows), listing


def test_the_sealed_one_is_served_as_the_signed_pdf_and_the_original_stays(signed, people, client):
    client.force_login(people["seller"])
    sealed = client.get(reverse("escrow:document", args=[signed.sealed_document.pk]))
    original = client.get(reverse("escrow:document", args=[signed.document.pk]))
    assert sealed.status_code == original.status_code == 200
    assert sealed["X-Content-SHA256"] == signed.sealed_document.sha256
    assert original["X-Content-SHA256"] == signed.document.sha256
    receipt = client.get(reverse("escrow:signature_receipt", args=[signed.signatures.first().pk])).content.decode()
    assert (
        reverse("escrow:document", args=[signed.sealed_document.pk])
        in receipt.split('data-testid="download-signed"')[0]
    )
    assert 'data-testid="download-original"' in receipt
    page = client.get(reverse("escrow:tranche", args=[signed.tranche.deal.slug, signed.tranche.year])).content.decode()
    assert 'data-testid="instrument-signed-download"' in page


def test_the_api_names_the_sealed_document(signed, people):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(people["seller"])
    data = api.get(f"/api/instruments/{signed.pk}/").json()
    assert data["sealed_document"]["sha256"] == signed.sealed_document.sha256
    assert data["sealed_document"]["kind"] == "signed_instrument"
    assert data["document"]["sha256"] == signed.document.sha256  # the original stays available
    download = api.get(data["sealed_document"]["download"])
    assert download.status_code == 200 and download["X-Document-SHA256"] == signed.sealed_document.sha256
    tranche_data = api.get(f"/api/tranches/{signed.tranche_id}/").json()
    listed = {i["id"]: i for i in tranche_data["instruments"]}
    assert listed[signed.pk]["sealed_document"]["id"] == signed.sealed_document.pk


def test_render_the_certificate_pages_for_the_docs(signed):
    """Not an assertion about looks: renders docs/screenshots/certificate.png (and certificate-2.png, ...)
    for a person to look at."""
    data = document_bytes(signed.sealed_document)
    pages = len(PdfReader(io.BytesIO(data)).pages)
    first = len(PdfReader(io.BytesIO(document_bytes(signed.document))).pages) + 1
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = Path(signed.sealed_document.file.path)
    for number, page in enumerate(range(first, pages + 1), start=1):
        name = "certificate" if number == 1 else f"certificate-{number}"
        command = ["pdftoppm", "-png", "-r", "90", "-f", str(page), "-l", str(page), "-singlefile"]
        subprocess.run([*command, str(path), str(SCREENSHOTS / name)], check=True)
        assert (SCREENSHOTS / f"{name}.png").stat().st_size > 10_000


def test_a_totp_signature_is_certified_as_such(deposited, people):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    t = open_and_file(deposited, people, 1, "598500000")
    instrument = t.instruments.get(kind="joint_instruction", status="open")
    _sign(people["issuer"], instrument, "203.0.113.7", "Firefox")
    device = TOTPDevice.objects.create(user=people["purchaser"], name="phone", confirmed=True)
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    actions.sign_instrument(
        people["purchaser"],
        instrument.pk,
        expected_sha256=instrument.document.sha256,
        otp_token=f"{code:06d}",
        ip="2001:db8::7",
        user_agent="escrow-cli/1.0",
    )
    instrument.refresh_from_db()
    text = _text(document_bytes(instrument.sealed_document))
    for expected in [
        "Password re-entered at signing",
        "Authenticator code (TOTP, two-factor)",
        "动态验证码",
        "2001:db8::7",
    ]:
        assert expected in text, expected
