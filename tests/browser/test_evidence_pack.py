"""Issue 11 item 5, "Done means": after a release the seller downloads the evidence pack from the tranche page
(and the deal's from the deal page) and verifies it offline with the verifier the pack carries."""

import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.urls import reverse

from escrow import actions
from tests.conftest import open_and_file, release

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUG = "kaixin-2025"


def download(page, testid, folder):
    with page.expect_download() as info:
        page.get_by_test_id(testid).click()
    target = folder / info.value.suggested_filename
    info.value.save_as(target)
    return target


def verify_offline(path, folder):
    """As the seller's lawyer would: extract, then run the pack's own verify_pack.py on the zip."""
    with zipfile.ZipFile(path) as archive:
        archive.extractall(folder)
    return subprocess.run(
        [sys.executable, str(folder / "verify_pack.py"), str(path)], capture_output=True, text=True, check=False
    )


def released_year_one(deal, people):
    try:
        actions.confirm_deposit(people["agent1"], deal, reference="DRS-0001")
        open_and_file(deal, people, 1, "700000000")
        return release(deal, people, 1)
    finally:
        connection.close()  # this thread's connection, so the test database can be flushed


def test_seller_downloads_and_verifies_the_pack_after_a_release(open_as, live_server, kaixin, people, shoot, tmp_path):
    # In a thread of its own: Playwright's sync API keeps an event loop running in this one, and the seal
    # applied when the last party signs (escrow.documents.seal) runs pyHanko's asyncio signer.
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(released_year_one, kaixin, people).result().state == "released"

    seller = open_as("seller")
    seller.goto(live_server.url + reverse("escrow:tranche", args=[SLUG, 1]))
    seller.get_by_test_id("evidence-pack-link").scroll_into_view_if_needed()
    shoot(seller, "en-evidence-pack-link", tmp_path)  # docs/screenshots with UPDATE_SCREENSHOTS=1
    pack = download(seller, "evidence-pack-link", tmp_path)
    assert pack.name == f"{SLUG}-year-1-evidence.zip"
    run = verify_offline(pack, tmp_path / "release")
    assert run.returncode == 0 and "PACK INTACT" in run.stdout, run.stdout + run.stderr
    with zipfile.ZipFile(pack) as archive:
        names = archive.namelist()
    assert any(n.startswith("documents/audit_report/") for n in names)
    assert any(n.startswith("documents/joint_instruction/") for n in names)

    seller.goto(live_server.url + reverse("escrow:deal", args=[SLUG]))
    deal_pack = download(seller, "evidence-pack-link", tmp_path)
    assert deal_pack.name == f"{SLUG}-evidence.zip"
    run = verify_offline(deal_pack, tmp_path / "deal")
    assert run.returncode == 0 and "PACK INTACT" in run.stdout, run.stdout + run.stderr

    # One changed byte in the downloaded document and the verifier names the file.
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(pack) as source, zipfile.ZipFile(tampered, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name.startswith("documents/audit_report/"):
                changed, data = name, data[:-1] + bytes([data[-1] ^ 1])
            target.writestr(name, data)
    run = verify_offline(tampered, tmp_path / "tampered")
    assert run.returncode == 1 and f"FAIL  {changed}: changed" in run.stdout, run.stdout
