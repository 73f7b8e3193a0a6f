"""English and Simplified Chinese: every catalogue entry translated, pages and figures localised."""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from escrow.contract.policies import POLICY_DEFINITIONS
from escrow.templatetags.portal import money, shares
from tests.conftest import open_and_file

pytestmark = pytest.mark.django_db
PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def untranslated_entries(text):
    """msgids whose msgstr (or msgstr[0]) is empty; the header entry and obsolete ones excluded."""
    missing = []
    for block in text.split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#")]
        if not lines or not any(line.startswith("msgid") for line in lines):
            continue
        msgid = _field(lines, "msgid")
        msgstr = _field(lines, "msgstr") or _field(lines, "msgstr[0]")
        if msgid and not msgstr:
            missing.append(msgid)
    return missing


def _field(lines, name):
    value, inside = "", False
    for line in lines:
        if line.startswith(name + " "):
            inside, value = True, line[len(name) + 1 :].strip().strip('"')
        elif inside and line.startswith('"'):
            value += line.strip().strip('"')
        elif inside:
            break
    return value


def test_every_catalogue_entry_is_translated():
    text = PO.read_text(encoding="utf-8")
    assert untranslated_entries(text) == []
    assert "#, fuzzy\nmsgid" not in text
    assert PO.with_suffix(".mo").exists()


def test_engine_policy_wording_is_in_the_catalogue():
    with translation.override("zh-hans"):
        for definition in POLICY_DEFINITIONS:
            assert translation.gettext(definition.question) != definition.question, definition.key
            for meaning in definition.meanings.values():
                assert translation.gettext(meaning) != meaning, meaning


def test_figures_are_formatted_for_the_language():
    with translation.override("en"):
        assert shares(15_000_000) == "15,000,000"
        assert money("665000000.00", "CNY") == "RMB 665,000,000"
        assert money("1234.5", "USD") == "USD 1,234.50"
    with translation.override("zh-hans"):
        assert money("665000000", "CNY") == "人民币 665,000,000"
        assert money("1234.5", "USD") == "美元 1,234.50"


def test_language_switch_turns_the_portal_chinese(deposited, people, client_for):
    open_and_file(deposited, people, 1, "598500000")
    client = client_for("issuer")
    english = client.get(reverse("escrow:deal", args=[deposited.slug])).content.decode()
    # One date style (issue 12 item 2): ISO 8601 in both languages, never "Nov. 30, 2026" or "11/30/2026".
    assert "Policies in force" in english and "2026-11-30" in english
    assert "Nov. 30, 2026" not in english and "11/30/2026" not in english
    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert response.status_code == 302
    chinese = client.get(reverse("escrow:deal", args=[deposited.slug])).content.decode()
    assert '<html lang="zh-hans">' in chinese
    assert "适用的解释规则" in chinese and "某年度超额收入中多大比例可抵补以前年度的差额" in chinese
    assert "人民币 598,500,000" in chinese and "15,000,000" in chinese
    assert "2026-11-30" in chinese
    assert "第 1 年" in chinese
    dashboard = client.get(reverse("escrow:dashboard")).content.decode()
    assert "待您处理" in dashboard and "签署联合书面指示" in dashboard
    assert "2027-01-29" in dashboard and "2027年1月29日" not in dashboard  # ISO in tables (issue 12 item 2)
