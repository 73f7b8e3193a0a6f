"""Every word in the reader's language: a moment in the history in words carries its label translated
("Beijing time" / 北京时间). The label used to be a gettext call inside an f-string, which makemessages
cannot see, so Chinese readers read "Beijing time" in the register changes' sentences."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from escrow.queries.words import beijing_time

pytestmark = pytest.mark.django_db


def test_a_recorded_moment_reads_in_the_readers_language():
    with translation.override("en"):
        assert beijing_time("2026-12-01T14:31:00+00:00") == "2026-12-01 22:31 Beijing time"
    with translation.override("zh-hans"):
        assert beijing_time("2026-12-01T14:31:00+00:00") == "2026-12-01 22:31（北京时间）"


def test_the_chinese_history_of_register_changes_says_beijing_time_in_chinese(kaixin, people):
    client = Client()
    client.force_login(people["compliance"])
    client.cookies["django_language"] = "zh-hans"
    html = client.get(reverse("escrow:history", args=[kaixin.slug]), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    text = re.sub(r"<[^>]*>", " ", html)  # what is read; the hashed English record stays in its title attribute
    assert "冷静期于" in text and "（北京时间）" in text
    assert "Beijing time" not in text
