"""Service-layer words in the reader's language (issue 5 item 9): errors in the request's language,
notifications in each recipient's stored language, User.language kept in step with the choice,
and the history's summaries in English whatever the actor reads."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from escrow import actions
from escrow.actions.deadlines import sweep
from escrow.models import HistoryEntry, Notification, OutboxMessage
from escrow.notifications.texts import Text
from escrow.usecases.permissions import ACTION_PHRASES, ROLE_ACTIONS
from parties.language import language_of, normalise
from tests.conftest import PASSWORD, SHANGHAI, open_and_file, tranche
from tests.escrow.api.helpers import client_for as api_client_for
from tests.escrow.api.helpers import pdf_upload

pytestmark = pytest.mark.django_db
ZH = "zh-hans"


@pytest.fixture(autouse=True)
def _language_restored():
    """Requests in Chinese leave the thread's language active (LocaleMiddleware does not reset it);
    put it back so later tests read English."""
    with translation.override(translation.get_language()):
        yield


def swept(day):
    """The sweep as beat runs it on `day`: the clock frozen then (it refuses a day still to come)."""
    with time_machine.travel(datetime(day.year, day.month, day.day, 10, tzinfo=SHANGHAI), tick=False):
        return sweep(today=day)


def set_language(user, code):
    user.language = code
    user.save(update_fields=["language"])


def page_client(user):
    client = Client()
    client.force_login(user)
    return client


# --- errors: the language of the request ---


def test_an_action_error_over_the_api_is_in_the_requests_language(deposited, people):
    year1 = tranche(deposited, 1)
    actions.open_year(year1.pk, today=year1.period_end + timedelta(days=1))
    url = f"/api/tranches/{year1.pk}/prepare-release/"
    body = {"expected_sha256": "a" * 64, "password": PASSWORD}
    chinese = api_client_for(people["agent1"]).post(url, body, format="json", HTTP_ACCEPT_LANGUAGE=ZH)
    assert chinese.status_code == 409
    assert chinese.json()["detail"] == "无法准备释放：该分期当前状态为“等待审计报告”（需要：已收到指示）。"
    english = api_client_for(people["agent1"]).post(url, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["detail"].startswith("Cannot prepare the release: the tranche is awaiting the audited report")


def test_a_refusal_names_role_action_and_clause_in_chinese(deposited, people):
    year1 = tranche(deposited, 1)
    actions.open_year(year1.pk, today=year1.period_end + timedelta(days=1))
    response = api_client_for(people["seller"]).post(
        f"/api/tranches/{year1.pk}/report/",
        {"audited_revenue": "665000000", "pdf": pdf_upload()},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE=ZH,
    )
    assert response.status_code == 403
    assert response.json() == {
        "detail": "作为出售方（丙方），您不得提交审计报告（SPA 4.2, EA 3.1(a)）。",
        "clause": "SPA 4.2, EA 3.1(a)",
    }


def test_an_action_error_on_a_page_is_in_chinese_after_the_switch(deposited, people):
    client = page_client(people["issuer"])
    client.post(reverse("set_language"), {"language": ZH, "next": "/"})
    response = client.post(reverse("escrow:suspend_release", args=[deposited.slug, 1]), {"reason": "Too early"})
    assert response.status_code == 409  # issue 12 item 3: a form the state no longer allows, explained
    html = response.content.decode()
    assert "无法暂停释放：该分期当前状态为“未开始”" in html and "未做任何更改" in html


def test_next_step_descriptions_follow_the_request(deposited, people):
    open_and_file(deposited, people, 1, "665000000")
    client = api_client_for(people["issuer"])
    chinese = client.get("/api/deals/kaixin-2025/tranches/", HTTP_ACCEPT_LANGUAGE=ZH).json()
    english = client.get("/api/deals/kaixin-2025/tranches/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert chinese[0]["next_step"]["description"] == "签署联合书面指示"
    assert english[0]["next_step"]["description"] == "Sign the joint written instruction"
    assert chinese[1]["next_step"]["description"] == f"考核年度于 {tranche(deposited, 2).period_end} 结束"


def test_every_action_has_a_translatable_phrase():
    assert set(ACTION_PHRASES) == set(ROLE_ACTIONS)
    with translation.override("en"):
        english = {action: str(phrase) for action, phrase in ACTION_PHRASES.items()}
    assert english == {action: action.replace("_", " ") for action in ROLE_ACTIONS}
    with translation.override(ZH):
        assert all(str(phrase) != english[action] for action, phrase in ACTION_PHRASES.items())


# --- notifications: each recipient's language ---


def subject_for(user, key_prefix):
    return Notification.objects.get(user=user, dedupe_key__startswith=key_prefix).subject


def test_a_notification_is_written_in_each_recipients_language(kaixin, people):
    set_language(people["issuer"], ZH)
    actions.confirm_deposit(people["agent1"], kaixin, reference="DRS-1")
    key = f"deposit:{kaixin.pk}"
    assert subject_for(people["issuer"], key) == f"{kaixin.name}：15,000,000 股已存入托管"
    assert subject_for(people["purchaser"], key) == f"{kaixin.name}: 15,000,000 shares are in escrow"
    email = OutboxMessage.objects.get(notification__user=people["issuer"], notification__dedupe_key__startswith=key)
    assert email.subject == f"{kaixin.name}：15,000,000 股已存入托管"
    # The email's text and HTML parts are in her language too (issue 12 item 7), with the clause.
    assert "条款：EA 1.1" in email.body and "条款：EA 1.1" in email.html_body and "Clause" not in email.body
    # The keys do not depend on the language.
    assert all(
        key_ == f"{key}:u{user_id}"
        for key_, user_id in Notification.objects.filter(dedupe_key__startswith=key).values_list("dedupe_key", "user")
    )


def test_the_actors_language_does_not_leak_into_others_notifications(deposited, people):
    open_and_file(deposited, people, 1, "665000000")
    set_language(people["seller"], ZH)
    with translation.override(ZH):  # a Chinese-speaking issuer suspends
        actions.suspend_release(people["issuer"], tranche(deposited, 1).pk, reason="Breach of SPA 8.1")
    assert "— Suspension for the seller's breach (SPA 8.1)" in subject_for(people["purchaser"], "suspended:")
    assert "第 1 年的释放已暂停 — 因出售方违约暂停（SPA 8.1）" in subject_for(people["seller"], "suspended:")


def test_the_sweep_writes_reminders_in_each_recipients_language(deposited, people):
    year1 = tranche(deposited, 1)
    set_language(people["issuer"], ZH)
    swept(year1.period_end + timedelta(days=1))
    assert subject_for(people["issuer"], f"year-ended:{year1.pk}").endswith("第 1 年已结束 — 须提交审计报告")
    assert subject_for(people["auditor"], f"year-ended:{year1.pk}").endswith(
        ": year 1 ended — the audited report is due"
    )

    set_language(people["auditor"], ZH)
    swept(tranche(deposited, 1).release_due_date - timedelta(days=7))
    reminder = Notification.objects.get(user=people["auditor"], dedupe_key__startswith=f"reminder:t{year1.pk}:")
    assert "第 1 年：提交经审计收入报告 — 7 天后到期" in reminder.subject
    assert reminder.body.startswith("提交经审计收入报告。期限：")
    assert reminder.dedupe_key.endswith(f":7:u{people['auditor'].pk}")


def test_english_reminders_keep_their_wording(deposited, people):
    year1 = tranche(deposited, 1)
    swept(year1.period_end + timedelta(days=1))
    due = tranche(deposited, 1).release_due_date
    swept(due - timedelta(days=1))
    swept(due + timedelta(days=1))
    soon = Notification.objects.get(user=people["auditor"], dedupe_key__contains=":1:u")
    assert f"year 1: file the audited revenue report — due in 1 day, by {due} (SPA 4.2, EA 3.1(a))" in soon.subject
    missed = Notification.objects.get(user=people["auditor"], dedupe_key__contains=":missed:u")
    assert f"year 1: deadline {due} missed — file the audited revenue report" in missed.subject
    entry = HistoryEntry.objects.get(action="deadline_missed")
    assert entry.summary == f"Deadline {due} passed: file the audited revenue report (Approved accounting firm)"


def test_text_renders_in_the_active_language():
    text = Text(translation.gettext_lazy("%(deal)s: year %(year)s suspension lifted"), deal="D", year=2)
    with translation.override(ZH):
        assert str(text) == "D：第 2 年的暂停已解除"
    with translation.override("en"):
        assert str(text) == "D: year 2 suspension lifted"


# --- the history stays English ---


def test_history_summaries_stay_english_when_the_actor_reads_chinese(deposited, people):
    open_and_file(deposited, people, 1, "598500000")
    with translation.override(ZH):
        actions.raise_dispute(people["seller"], tranche(deposited, 1).pk, reason="Revenue understated")
    entry = HistoryEntry.objects.filter(action="dispute_raised").get()
    assert "Dispute over the quantity (EA 3.3): Revenue understated" in entry.summary


# --- User.language follows the person's choice ---


def test_switching_language_stores_it(kaixin, people):
    issuer = people["issuer"]
    client = page_client(issuer)
    assert client.post(reverse("set_language"), {"language": ZH, "next": "/"}).status_code == 302
    issuer.refresh_from_db()
    assert issuer.language == ZH and language_of(issuer) == ZH
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    issuer.refresh_from_db()
    assert issuer.language == "en"


def test_switching_language_signed_out_changes_nobody(kaixin, people):
    response = Client().post(reverse("set_language"), {"language": ZH, "next": "/"})
    assert response.status_code == 302 and response.cookies[settings.LANGUAGE_COOKIE_NAME].value == ZH
    assert set(type(people["issuer"]).objects.values_list("language", flat=True)) == {"en"}


def sign_in(client, username, **headers):
    return client.post(reverse("login"), {"username": username, "password": PASSWORD}, **headers)


def test_a_choice_made_before_signing_in_is_stored(kaixin, people):
    client = Client()
    client.post(reverse("set_language"), {"language": ZH, "next": "/"})
    assert sign_in(client, "auditor").status_code == 302
    people["auditor"].refresh_from_db()
    assert people["auditor"].language == ZH


def test_the_stored_language_takes_effect_at_sign_in(kaixin, people):
    set_language(people["auditor"], ZH)
    client = Client()
    response = sign_in(client, "auditor", HTTP_ACCEPT_LANGUAGE="en")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == ZH
    page = client.get(reverse("escrow:dashboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="zh-hans">' in page


def test_a_person_who_never_chose_keeps_the_browsers_language(kaixin, people):
    sign_in(Client(), "auditor", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    people["auditor"].refresh_from_db()
    assert people["auditor"].language == ZH


@pytest.mark.parametrize(
    "code, expected",
    [
        ("zh-hans", ZH),
        ("zh_Hans", ZH),
        ("zh-Hans", ZH),
        ("zh-cn", ZH),
        ("en", "en"),
        ("en-GB", "en"),
        ("fr", None),
        ("", None),
        (None, None),
    ],
)
def test_language_codes_are_normalised(code, expected):
    assert normalise(code) == expected
