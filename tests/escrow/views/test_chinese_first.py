"""Issue 12 item 1: a Chinese reader reads Chinese where it matters.

The calculation steps are rendered from the engine's structured data, the history from each entry's
action and details (the hashed English record stays as it is), notifications in the reader's current
language, organisation names in the reader's language, and words instead of codes.
"""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from escrow.models import HistoryEntry, Notification
from escrow.notifications.texts import Named, Text, as_data, from_data
from parties import actions as party_actions
from parties.actions import NotAllowed
from tests.conftest import open_and_file, release
from tests.latin import kaixin_names, latin_sentences, readable_text

pytestmark = pytest.mark.django_db

CODES = ("release_prepared", "awaiting_instruction", "(escrow_agent)", "(issuer)", "year_ended", "excess_credit")


def chinese_client(user):
    client = Client()
    client.force_login(user)
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    return client


@pytest.fixture
def year1_released(deposited, people):
    """Year 1 missed its target (2,700,000 released, SPA 5.2(1)); year 2 beat it and offsets year 1."""
    open_and_file(deposited, people, 1, "598500000")
    release(deposited, people, 1)
    open_and_file(deposited, people, 2, "865000000")
    return deposited


def page(client, name, *args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200, name
    return response.content.decode()


def test_calculation_steps_read_as_chinese_sentences(year1_released, people):
    client = chinese_client(people["seller"])
    names = kaixin_names(people)
    year1 = page(client, "escrow:tranche", year1_released.slug, 1)
    assert latin_sentences(year1, "calculation", names) == []
    # SPA 5.2(1): inputs as words and grouped figures, amounts with their currency, a full sentence.
    assert "S（当年批次股份数） = 3,000,000" in year1
    assert "T（目标营业收入） = 人民币 665,000,000" in year1
    assert "释放 2,700,000 股，扣减 300,000 股" in year1
    year2 = page(client, "escrow:tranche", year1_released.slug, 2)
    assert latin_sentences(year2, "calculation", names) == []
    # SPA 5.2(2): half of the excess offsets year 1's shortfall, the rest lapses.
    assert "为第 1 年度追加释放 300,000 股" in year2
    assert "人民币 66,500,000" in year2 and "P1 = " in year2


def test_calculation_steps_in_english_are_sentences_too(year1_released, people, client_for):
    html = page(client_for("seller"), "escrow:tranche", year1_released.slug, 2)
    assert "300,000 more shares are released for year 1; 3,000,000 of its 3,000,000 shares" in html
    assert "S (shares of the year&#x27;s tranche) = 3,000,000" in html


def test_whatif_and_signing_steps_are_chinese(deposited, people):
    year1 = open_and_file(deposited, people, 1, "598500000")
    instruction = year1.instruments.get(kind="joint_instruction", status="open")
    client = chinese_client(people["issuer"])
    names = kaixin_names(people)
    sign = page(client, "escrow:sign", instruction.pk)
    assert latin_sentences(sign, "calculation", names) == []
    assert "未达到业绩目标" in sign
    whatif = client.get(
        reverse("escrow:whatif", args=[deposited.slug]), {"revenue_1": "598500000", "revenue_2": "865000000"}
    ).content.decode()
    assert latin_sentences(whatif, "whatif-steps", names) == []


def test_history_reads_chinese_and_keeps_the_english_record(year1_released, people):
    client = chinese_client(people["agent1"])
    html = page(client, "escrow:history", year1_released.slug)
    assert latin_sentences(html, "history-table", kaixin_names(people)) == []
    shown = readable_text(html)
    for code in CODES:
        assert code not in shown, code
    assert "2,700,000 股已释放给出售方（划转编号 TA-REF-1）" in html
    assert "待出具联合指示" in html or "发行人" in html  # states and parties as words
    # The hashed record is untouched and still there for the legal record (the tooltip).
    released = HistoryEntry.objects.get(deal=year1_released, action="released")
    assert released.summary.startswith("2,700,000 shares released to the seller")
    assert "原始记录（英文，已计入哈希）" in html and "2,700,000 shares released to the seller" in html


def test_tranche_state_history_reads_chinese(year1_released, people):
    html = page(chinese_client(people["issuer"]), "escrow:tranche", year1_released.slug, 1)
    assert latin_sentences(html, "state-history", kaixin_names(people)) == []
    assert "验证方式：密码" in html  # "password" as a word


def test_history_exports_are_in_the_readers_language(year1_released, people):
    client = chinese_client(people["agent1"])
    response = client.get(reverse("escrow:history_csv", args=[year1_released.slug]))
    text = response.content.decode("utf-8-sig")
    heads = (
        "序号,时间（北京时间，UTC+8）,操作人,代表方,年度,操作,原状态,新状态,条款,摘要,摘要（英文原始记录）,"
        "prev_hash,hash,参考编号"
    )
    assert heads in text
    assert "2,700,000 股已释放给出售方" in text  # the reader's summary ...
    assert "2,700,000 shares released to the seller" in text  # ... and the record beside it
    assert "的历史记录" in text
    pdf = client.get(reverse("escrow:history_pdf", args=[year1_released.slug]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_notifications_follow_the_readers_current_language(deposited, people):
    seller = people["seller"]
    open_and_file(deposited, people, 1, "598500000")  # written while the seller reads English
    note = Notification.objects.filter(user=seller).exclude(message=None).first()
    assert note is not None and note.message["subject"]["text"]["id"]
    english = page(_signed_in(seller), "escrow:notifications")
    assert note.subject in english
    chinese = page(chinese_client(seller), "escrow:notifications")
    assert note.subject not in chinese
    with translation.override("zh-hans"):
        assert str(from_data(note.message["subject"], {"deal": deposited.name_zh})) in chinese


def test_a_notification_written_before_message_ids_shows_its_stored_text(deposited, people):
    seller = people["seller"]
    Notification.objects.create(
        user=seller, deal=deposited, subject="An old English notice", dedupe_key="old:1", created_at=timezone.now()
    )
    assert "An old English notice" in page(chinese_client(seller), "escrow:notifications")


def test_texts_round_trip_with_names_in_both_languages():
    from django.utils.translation import gettext_lazy, ngettext_lazy

    text = Text(
        gettext_lazy("%(deal)s: year %(year)s released"),
        deal=Named("Kaixin earn-out", "开心托管"),
        year=Text(ngettext_lazy("in %(count)d day", "in %(count)d days", "count"), count=2),
    )
    data = as_data(text)
    with translation.override("zh-hans"):
        assert str(from_data(data)) == str(text)
        assert str(from_data(data)).startswith("开心托管")
    assert as_data(Text("%(x)s", x=object.__new__(Unrenderable))) is None


class Unrenderable:
    def __str__(self):
        raise ValueError("no")


def test_a_party_fills_in_its_chinese_name(deposited, people):
    purchaser = people["purchaser"]
    client = chinese_client(purchaser)
    response = client.post(reverse("organisation_name"), {"name_zh": "浙江开心汽车有限公司"})
    assert response.status_code == 302
    purchaser.organisation.refresh_from_db()
    assert purchaser.organisation.name_zh == "浙江开心汽车有限公司"
    assert HistoryEntry.objects.filter(action="organisation_changed", details__after__name_zh__isnull=False).exists()
    deal_page = page(chinese_client(people["seller"]), "escrow:deal", deposited.slug)
    assert "浙江开心汽车有限公司" in deal_page
    english = page(_signed_in(people["seller"]), "escrow:deal", deposited.slug)
    assert "<strong>Zhejiang Kaixin Auto Co., Ltd.</strong>" in english


def test_only_the_organisations_people_enter_its_chinese_name(deposited, people):
    with pytest.raises(NotAllowed):
        party_actions.set_chinese_name(people["seller"], people["purchaser"].organisation, "别人的名称")


def test_words_not_codes_on_the_deal_page(year1_released, people):
    html = page(chinese_client(people["seller"]), "escrow:deal", year1_released.slug)
    assert "A类普通股" in html and "甲方" in html


def _signed_in(user):
    client = Client()
    client.force_login(user)
    return client
