"""The Chinese interface renders real glyphs (a CJK font is installed, none is missing)."""

from datetime import timedelta

import pytest
from django.urls import reverse

from tests.browser.transfer_facts import TYPED
from tests.conftest import make_pdf, open_and_file
from tests.latin import kaixin_names, latin_sentences

from .conftest import switch_language

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUG = "kaixin-2025"

# Draws two different characters in the page's own font and compares the pixels: a missing font
# draws both as the same empty box ("tofu"), real glyphs differ. Also rejects blank drawings.
GLYPH_CHECK = """([a, b]) => {
  const font = getComputedStyle(document.body).fontSize + ' ' + getComputedStyle(document.body).fontFamily;
  const draw = (ch) => {
    const canvas = document.createElement('canvas'); canvas.width = 64; canvas.height = 64;
    const ctx = canvas.getContext('2d'); ctx.font = font.replace(/^[0-9.]+px/, '48px');
    ctx.fillStyle = '#000'; ctx.fillText(ch, 4, 52);
    return Array.from(ctx.getImageData(0, 0, 64, 64).data.filter((_, i) => i % 4 === 3));
  };
  const pa = draw(a), pb = draw(b);
  const inked = (p) => p.some((v) => v > 0);
  return {differ: pa.some((v, i) => v !== pb[i]), inked: inked(pa) && inked(pb), font};
}"""


def test_chinese_pages_render_real_glyphs(open_as, live_server, people, deposited, shoot, tmp_path):
    year1 = open_and_file(deposited, people, 1, 700_000_000)
    instruction = year1.instruments.get(kind="joint_instruction", status="open")
    page = open_as("issuer")
    page.goto(live_server.url + reverse("escrow:dashboard"))
    switch_language(page, "zh-hans")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.get_by_test_id("nav-dashboard").inner_text() != "Dashboard", "the menu is not translated"

    pages = {
        "dashboard": reverse("escrow:dashboard"),
        "deal": reverse("escrow:deal", args=[SLUG]),
        "signing": reverse("escrow:sign", args=[instruction.pk]),
        "whatif": reverse("escrow:whatif", args=[SLUG]),
    }
    for name, path in pages.items():
        response = page.goto(live_server.url + path)
        assert response.status == 200, name
        result = page.evaluate(GLYPH_CHECK, ["托", "管"])
        assert result["inked"] and result["differ"], f"{name}: CJK characters draw as boxes in {result['font']}"
        shoot(page, f"zh-hans-{name}", tmp_path)


def chinese(open_as, live_server, username):
    """Signed in, then switched to Chinese with the language menu, as a person would."""
    page = open_as(username)
    page.goto(live_server.url + reverse("escrow:dashboard"))
    switch_language(page, "zh-hans")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    return page


def english_left(page, section, people):
    """Runs of three or more English words a Chinese reader would read in the section (tests.latin)."""
    return latin_sentences(page.content(), section, kaixin_names(people) + TYPED)


def test_kaixin_year_one_walked_in_chinese(open_as, live_server, people, deposited, shoot, tmp_path):
    """Issue 12 item 1: the issuer, the seller and the agent walk year 1 in Chinese: the auditor's report
    misses the target (SPA 5.2(1)), the issuer and purchaser sign, the officers release; every calculation
    step and every history line reads as Chinese, organisations by their Chinese names, no codes."""
    from escrow import actions
    from escrow.models import Tranche
    from parties.actions import set_chinese_name
    from tests.browser.test_call_back import record_call_back
    from tests.browser.test_kaixin_release import officer_step, sign
    from tests.escrow.call_backs import registered

    set_chinese_name(people["issuer"], people["issuer"].organisation, "开心控股")  # the party enters its name
    year1 = Tranche.objects.get(deal=deposited, year=1)
    actions.open_year(year1.pk, today=year1.period_end + timedelta(days=1))  # as the sweep would

    auditor = chinese(open_as, live_server, "auditor")
    auditor.goto(live_server.url + reverse("escrow:file_report", args=[SLUG, 1]))
    auditor.get_by_test_id("audited-revenue").fill("598,500,000")
    auditor.get_by_test_id("preview-file_report").click()  # issue 12 item 8: the quantity first, nothing filed
    auditor.wait_for_load_state()
    assert auditor.get_by_test_id("preview-quantity").inner_text().strip() == "2,700,000"
    assert english_left(auditor, "calculation-steps", people) == []
    auditor.get_by_test_id("report-file").set_input_files(
        {"name": "kaixin-2026-audit.pdf", "mimeType": "application/pdf", "buffer": make_pdf("Audited 598.5m")}
    )
    auditor.get_by_test_id("confirm-report").check()
    auditor.get_by_test_id("confirm-file_report").click()
    auditor.wait_for_load_state()
    year1 = Tranche.objects.get(pk=year1.pk)
    assert year1.release_quantity == 2_700_000
    instruction = year1.instruments.get(kind="joint_instruction", status="open")

    issuer = chinese(open_as, live_server, "issuer")
    issuer.goto(live_server.url + reverse("escrow:notifications"))
    button = issuer.get_by_test_id("mark-read").first
    # The mark-read button keeps its words on one line (it wrapped one character a line in Chinese).
    assert button.evaluate("b => getComputedStyle(b).whiteSpace") == "nowrap"
    assert button.bounding_box()["height"] < 2 * button.evaluate("b => parseFloat(getComputedStyle(b).fontSize)") + 16
    assert "开心控股" in issuer.get_by_test_id("current-user").inner_text()
    shoot(issuer, "zh-hans-issuer-notifications", tmp_path)
    issuer.goto(live_server.url + reverse("escrow:sign", args=[instruction.pk]))
    assert english_left(issuer, "calculation", people) == []
    shoot(issuer, "zh-hans-issuer-signing", tmp_path)
    sign(issuer, live_server, instruction)
    sign(chinese(open_as, live_server, "purchaser"), live_server, instruction)

    agent = chinese(open_as, live_server, "agent1")
    officer_step(agent, live_server, "escrow:prepare_release", "prepare-button")
    record_call_back(agent, live_server, registered(deposited, people["issuer"]), note="已核对数量与哈希值")
    officer_step(
        chinese(open_as, live_server, "agent2"), live_server, "escrow:approve_release", "approve-button", "TA-2027-001"
    )
    assert Tranche.objects.get(pk=year1.pk).state == "released"

    agent.goto(live_server.url + reverse("escrow:history", args=[SLUG]))
    assert english_left(agent, "history-table", people) == []
    history = agent.get_by_test_id("history-table").inner_text()
    for code in ("release_prepared", "(escrow_agent)", "year_ended", "excess_credit"):
        assert code not in history, code
    assert "Beijing time" not in history  # two words: the three-word runs of tests.latin miss this label
    assert "2,700,000 股已释放给出售方" in history and "开心控股" in history
    shoot(agent, "zh-hans-agent-history", tmp_path)

    seller = chinese(open_as, live_server, "seller")
    seller.goto(live_server.url + reverse("escrow:tranche", args=[SLUG, 1]))
    assert english_left(seller, "calculation", people) == []
    assert english_left(seller, "state-history", people) == []
    calculation = seller.get_by_test_id("calculation")
    assert "S（当年批次股份数） = 3,000,000" in calculation.inner_text()
    assert "释放 2,700,000 股，扣减 300,000 股" in calculation.inner_text()
    calculation.scroll_into_view_if_needed()
    shoot(seller, "zh-hans-seller-calculation", tmp_path)
    seller.goto(live_server.url + reverse("escrow:deal", args=[SLUG]))
    assert "开心控股" in seller.get_by_test_id("parties").inner_text()
    shoot(seller, "zh-hans-seller-deal", tmp_path)
