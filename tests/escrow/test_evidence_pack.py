"""The evidence pack of a release and of a deal (issue 11 item 5), and its offline verifier.

"Tested: change any byte of any file and the verifier names it": every file of a fresh pack is changed
(several positions each, every byte of manifest.json), and the verifier, run as the parties would run it,
names that file; a removed and an added file are named too.
"""

import hashlib
import io
import json
import random
import subprocess
import sys
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from escrow import actions
from escrow.actions.checkpoints import make_checkpoint
from escrow.documents import verify_pack
from escrow.documents.platform_key import platform_key
from escrow.documents.storage import store_pdf
from escrow.models import CalendarOverride, Deal, StoredDocument, Tranche
from escrow.queries.evidence import pack_for_deal, pack_for_tranche
from tests.conftest import make_pdf, open_and_file, release

ALWAYS = {
    "README.txt",
    "verify_pack.py",
    "manifest.json",
    "platform-certificate.pem",
    "deadlines.json",
    "documents/index.json",
    "history/entries.jsonl",
    "history/chain-head.json",
}


def sealed_pdf(text="Signed joint instruction, sealed") -> bytes:
    """A PDF with the platform's PAdES seal (what issue 11 item 3 stores as the signed instrument)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    writer = IncrementalPdfFileWriter(io.BytesIO(make_pdf(text)))
    meta = signers.PdfSignatureMetadata(field_name="PlatformSeal")
    return signers.sign_pdf(writer, meta, signer=platform_key().signer()).getvalue()


def build_world():
    """Kaixin year 1 released (EA 3.2), a sealed instrument on file, a checkpoint witnessing the history,
    then year 2's report filed (so the chain has entries after the checkpoint and about another year)."""
    call_command("load_kaixin", stdout=io.StringIO())
    deal = Deal.objects.get(slug="kaixin-2025")
    people = {u.username: u for u in get_user_model().objects.all()}
    actions.confirm_deposit(people["agent1"], deal, reference="DRS-0001")
    open_and_file(deal, people, 1, "700000000")
    year1 = release(deal, people, 1)
    kind = getattr(StoredDocument.Kind, "SIGNED_INSTRUMENT", StoredDocument.Kind.JOINT_INSTRUCTION)
    if not year1.documents.filter(kind=kind).exists():
        store_pdf(deal=deal, tranche=year1, kind=kind, data=sealed_pdf(), original_name="sealed.pdf")
    make_checkpoint()
    open_and_file(deal, people, 2, "750000000")
    return SimpleNamespace(deal=deal, people=people, year1_pk=year1.pk)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction rolled back at its end (tests/escrow/api/world.py)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture
def released(world, db):
    return Tranche.objects.select_related("deal").get(pk=world.year1_pk)


@pytest.fixture
def people(world):
    return world.people


def files_of(data: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rezip(files: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            archive.writestr(name, files[name])
    return buffer.getvalue()


def check(tmp_path, files: dict) -> verify_pack.Report:
    path = tmp_path / "pack.zip"
    path.write_bytes(rezip(files))
    return verify_pack.verify(path)


# --- contents -------------------------------------------------------------------------------------------


def test_release_pack_holds_the_evidence_of_the_year(released):
    pack = pack_for_tranche(released)
    assert pack.filename == "kaixin-2025-year-1-evidence.zip"
    files = files_of(pack.data)
    assert ALWAYS | {"history/checkpoint-statement.json", "years/year-1/calculation.json"} <= set(files)
    assert not any(name.startswith("years/year-2/") for name in files)
    # Every stored document of the year, a folder per kind, byte for byte (EA 3.1(a), 3.1(b)).
    index = json.loads(files["documents/index.json"])
    stored = {d.sha256 for d in released.documents.all()}
    assert {d["sha256"] for d in index} == stored and len(stored) >= 3
    for item in index:
        assert item["file"].startswith(f"documents/{item['kind']}/year-1-")
        assert hashlib.sha256(files[item["file"]]).hexdigest() == item["sha256"]
    assert {"audit_report", "joint_instruction"} <= {d["kind"] for d in index}
    # The calculation as the engine recorded it (SPA 5.2), the figures and the signatures (EA 3.1(b)).
    assert json.loads(files["years/year-1/calculation.json"]) == json.loads(json.dumps(released.calculation))
    row = json.loads(files["years/year-1/tranche.json"])
    assert row["state"] == "released" and row["release_quantity"] == 3_000_000 and row["transfer_reference"]
    instruction = next(
        i for i in json.loads(files["years/year-1/instruments.json"]) if i["kind"] == "joint_instruction"
    )
    assert {s["party"] for s in instruction["signatures"]} == {"issuer", "purchaser"}
    assert all(s["sha256"] == instruction["document_sha256"] for s in instruction["signatures"])


def test_release_pack_history_slice_runs_to_the_head_and_covers_the_checkpoint(released):
    files = files_of(pack_for_tranche(released).data)
    entries = [json.loads(line) for line in files["history/entries.jsonl"].decode().splitlines()]
    head = json.loads(files["history/chain-head.json"])
    statement = json.loads(files["history/checkpoint-statement.json"])
    assert entries[-1]["seq"] == head["length"] and entries[-1]["hash"] == head["head_hash"]
    assert {"seq", "at", "actor", "action", "details", "prev_hash", "hash", "key_id"} <= set(entries[0])
    assert entries[0]["seq"] <= min(e["seq"] for e in entries if e["year"] == 1)
    assert entries[0]["seq"] <= statement["length"] < head["length"]  # year 2 was filed after the checkpoint
    assert any(e["action"] == "released" and e["year"] == 1 for e in entries)
    assert statement["deal"] == "kaixin-2025" and statement["chain"] == head["chain"]


def test_deadlines_name_their_calendar_basis(released):
    CalendarOverride.objects.create(calendar="CN", day=released.transfer_due_date, is_business_day=True, note="test")
    deadlines = json.loads(files_of(pack_for_tranche(released).data)["deadlines.json"])
    assert deadlines["calendar"] == "CN"
    by_name = {d["deadline"]: d for d in deadlines["deadlines"]}
    assert (
        by_name["release_due_date"]["clause"] == "SPA 5.1" and "60 calendar days" in by_name["release_due_date"]["rule"]
    )
    transfer = by_name["transfer_due_date"]
    assert transfer["clause"] == "EA 3.2" and transfer["due"] == released.transfer_due_date.isoformat()
    assert any(y["source"].startswith("State Council holiday notice for") for y in transfer["years"])
    override = {
        "day": released.transfer_due_date.isoformat(),
        "business_day": True,
        "why": "override by the platform (test)",
    }
    assert override in transfer["basis"]


def test_deal_pack_holds_every_year_the_deposit_and_the_whole_history(released):
    pack = pack_for_deal(released.deal)
    assert pack.filename == "kaixin-2025-evidence.zip"
    files = files_of(pack.data)
    assert {"years/year-1/calculation.json", "years/year-2/calculation.json", "years/year-5/tranche.json"} <= set(files)
    assert "deposit_due" in {d["deadline"] for d in json.loads(files["deadlines.json"])["deadlines"]}
    entries = files["history/entries.jsonl"].decode().splitlines()
    assert json.loads(entries[0])["seq"] == 1 and json.loads(entries[0])["action"] == "deal_created"
    stored = set(StoredDocument.objects.filter(deal=released.deal).values_list("sha256", flat=True))
    assert {d["sha256"] for d in json.loads(files["documents/index.json"])} == stored


def test_manifest_lists_every_file_and_the_zip_is_deterministic(released):
    pack = pack_for_tranche(released)
    files = files_of(pack.data)
    manifest = json.loads(files["manifest.json"])
    assert [f["path"] for f in manifest["files"]] == sorted(set(files) - {"manifest.json"})
    assert all(hashlib.sha256(files[f["path"]]).hexdigest() == f["sha256"] for f in manifest["files"])
    assert files["verify_pack.py"] == Path(verify_pack.__file__).read_bytes()  # the verifier travels with it
    assert "中文" in files["README.txt"].decode() and "HMAC" in files["README.txt"].decode()
    with zipfile.ZipFile(io.BytesIO(pack.data)) as archive:
        assert archive.namelist() == sorted(files) and {i.date_time for i in archive.infolist()} == {
            (1980, 1, 1, 0, 0, 0)
        }
    assert pack_for_tranche(released).data == pack.data


# --- the verifier -----------------------------------------------------------------------------------------


def test_the_verifier_passes_a_fresh_pack_run_as_a_party_would(released, tmp_path):
    path = tmp_path / "pack.zip"
    path.write_bytes(pack_for_tranche(released).data)
    with zipfile.ZipFile(path) as archive:
        archive.extractall(tmp_path / "pack")
    for target in (path, tmp_path / "pack"):
        run = subprocess.run(
            [sys.executable, str(tmp_path / "pack" / "verify_pack.py"), str(target)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        assert "PACK INTACT" in run.stdout and "seal is intact" in run.stdout
        assert "platform's signature verifies" in run.stdout and "witnesses entry" in run.stdout
    # Standard library only (-I -S: no site-packages): the manifest and the chain are still checked, and the
    # signatures and seal are reported as not checked, never as passed.
    run = subprocess.run(
        [sys.executable, "-I", "-S", str(tmp_path / "pack" / "verify_pack.py"), str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0 and "PACK INTACT" in run.stdout, run.stdout + run.stderr
    assert "not checked (install `cryptography`" in run.stdout and "seals not checked" in run.stdout


@pytest.mark.parametrize("scope", ["release", "deal"])
def test_changing_any_byte_of_any_file_is_named(released, tmp_path, scope):
    """Every file, at its first, middle and last byte and at random places, through the zip as a party gets it."""
    pack = pack_for_tranche(released) if scope == "release" else pack_for_deal(released.deal)
    files = files_of(pack.data)
    assert check(tmp_path, files).ok
    rng = random.Random(11)  # noqa: S311  (positions to change, not secrets)
    for name, data in sorted(files.items()):
        count = 64 if name == "manifest.json" else 4
        positions = {0, len(data) // 2, len(data) - 1} | {rng.randrange(len(data)) for _ in range(count)}
        for at in sorted(positions):
            report = check(tmp_path, {**files, name: flipped(data, at)})
            assert name in report.named, f"{name} byte {at}: {report.problems}"


def test_changing_any_byte_of_the_manifest_or_history_is_named(released):
    """Every single byte of manifest.json and of the history slice (the files whose changes are hardest)."""
    files = files_of(pack_for_tranche(released).data)
    manifest = json.loads(files["manifest.json"])
    for at in range(len(files["manifest.json"])):
        report = verify_pack.Report()
        verify_pack.check_manifest({**files, "manifest.json": flipped(files["manifest.json"], at)}, report)
        assert report.named == {"manifest.json"}, f"byte {at}"
    for name in ("history/entries.jsonl", "history/chain-head.json"):
        for at in range(len(files[name])):
            report = verify_pack.Report()
            verify_pack.check_files({**files, name: flipped(files[name], at)}, manifest, report)
            assert report.named == {name}, f"{name} byte {at}"


def flipped(data: bytes, at: int) -> bytes:
    changed = bytearray(data)
    changed[at] ^= 0x01
    return bytes(changed)


def test_a_removed_and_an_added_file_are_named(released, tmp_path):
    files = files_of(pack_for_tranche(released).data)
    removed = next(n for n in files if n.startswith("documents/audit_report/"))
    report = check(tmp_path, {k: v for k, v in files.items() if k != removed})
    assert report.named == {removed} and "missing" in report.problems[0][1]
    report = check(tmp_path, {**files, "documents/award/forged.pdf": make_pdf("forged award")})
    assert report.named == {"documents/award/forged.pdf"} and "added" in report.problems[0][1]


def test_a_flipped_byte_in_the_zip_itself_names_the_member(released, tmp_path):
    data = bytearray(pack_for_tranche(released).data)
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("deadlines.json")
    data[info.header_offset + 30 + len(info.filename) + 5] ^= 0x01  # inside the compressed content
    path = tmp_path / "pack.zip"
    path.write_bytes(bytes(data))
    assert "deadlines.json" in verify_pack.verify(path).named


def test_a_recomputed_manifest_is_caught_by_the_platform_signature(released, tmp_path):
    """Someone who changes a document and rewrites the manifest's hashes still lacks the platform's key."""
    files = files_of(pack_for_tranche(released).data)
    name = next(n for n in files if n.startswith("documents/audit_report/"))
    files[name] = make_pdf("a different audited revenue")
    manifest = json.loads(files["manifest.json"])
    for item in manifest["files"]:
        if item["path"] == name:
            item["sha256"], item["size"] = hashlib.sha256(files[name]).hexdigest(), len(files[name])
    manifest["manifest_sha256"] = verify_pack.self_hash(manifest)
    files["manifest.json"] = verify_pack.canonical_json(manifest)
    report = check(tmp_path, files)
    assert report.named == {"manifest.json"} and "signature" in report.problems[0][1]


def test_a_history_entry_rewritten_in_the_pack_breaks_the_links(released, tmp_path):
    files = files_of(pack_for_deal(released.deal).data)
    lines = files["history/entries.jsonl"].decode().splitlines()
    entry = json.loads(lines[3])
    entry["hash"] = "f" * 64
    lines[3] = json.dumps(entry, sort_keys=True, ensure_ascii=False)
    problems = verify_pack.Report()
    verify_pack.check_chain(
        {**files, "history/entries.jsonl": "\n".join(lines).encode()}, json.loads(files["manifest.json"]), problems
    )
    assert problems.named == {"history/entries.jsonl"} and "does not link" in problems.problems[0][1]


# --- download: pages and API, for every role (SPA 9) ------------------------------------------------------


@pytest.mark.parametrize("who", ["issuer", "purchaser", "seller", "agent1", "auditor", "compliance"])
def test_every_role_downloads_both_packs(released, client, people, who, tmp_path):
    client.force_login(people[who])
    for url in (
        reverse("escrow:tranche_evidence_pack", args=["kaixin-2025", 1]),
        reverse("escrow:evidence_pack", args=["kaixin-2025"]),
        reverse("api:tranche-evidence-pack", args=[released.pk]),
        reverse("api:deal-evidence-pack", args=["kaixin-2025"]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] == "application/zip" and "no-store" in response["Cache-Control"]
        assert "kaixin-2025" in response["Content-Disposition"]
        (tmp_path / "p.zip").write_bytes(response.content)
        assert verify_pack.verify(tmp_path / "p.zip").ok


def test_pages_link_to_the_packs(released, client, people):
    client.force_login(people["seller"])
    page = client.get(reverse("escrow:tranche", args=["kaixin-2025", 1])).content.decode()
    assert reverse("escrow:tranche_evidence_pack", args=["kaixin-2025", 1]) in page
    page = client.get(reverse("escrow:deal", args=["kaixin-2025"])).content.decode()
    assert reverse("escrow:evidence_pack", args=["kaixin-2025"]) in page


def test_outsiders_get_404(released, client, outsider):
    client.force_login(outsider)
    assert client.get(reverse("escrow:evidence_pack", args=["kaixin-2025"])).status_code == 404
    assert client.get(reverse("escrow:tranche_evidence_pack", args=["kaixin-2025", 1])).status_code == 404
    assert client.get(reverse("api:tranche-evidence-pack", args=[released.pk])).status_code == 404
    assert client.get(reverse("api:deal-evidence-pack", args=["kaixin-2025"])).status_code == 404


def test_a_stored_file_that_no_longer_matches_its_hash_is_refused(released, client, people):
    doc = released.documents.filter(kind="audit_report").first()
    original = Path(doc.file.path).read_bytes()
    Path(doc.file.path).write_bytes(original[:10] + b"X" + original[11:])  # changed behind the portal's back
    try:
        client.force_login(people["seller"])
        response = client.get(reverse("escrow:tranche_evidence_pack", args=["kaixin-2025", 1]))
    finally:
        Path(doc.file.path).write_bytes(original)  # the module's world is shared
    assert response.status_code == 409 and "hash" in response.content.decode()
