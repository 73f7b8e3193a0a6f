"""The Chinese interface renders real glyphs (a CJK font is installed, none is missing)."""

import pytest
from django.urls import reverse

from tests.conftest import open_and_file

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
