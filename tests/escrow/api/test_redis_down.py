"""Issue 10 item 8: with Redis down (the cache at a closed port), signing, preparing and approving still
work, on the pages and over the API, and the re-authentication throttle still locks after 5 wrong answers
(it is kept in the database: parties.models.ReauthFailures)."""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from escrow.models import HistoryEntry, Signature
from parties.models import ReauthFailures
from tests.conftest import PASSWORD, open_and_file, sign_instruction, tranche
from tests.escrow.call_backs import registered
from tests.escrow.transfer_facts import approve_page_facts

from .helpers import client_for

pytestmark = pytest.mark.django_db

REDIS_DOWN = override_settings(
    CACHES={
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
)


@pytest.fixture
def instruction(deposited, people):
    t = open_and_file(deposited, people, 1, "665000000")
    return t.instruments.get(kind="joint_instruction", status="open")


def browser(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_cache_really_is_down():
    with REDIS_DOWN, pytest.raises(Exception, match=r"(?i)connect"):
        cache.get("anything")


def test_signing_pages_work_with_redis_down(instruction, people, deposited):
    with REDIS_DOWN:
        for who in ("issuer", "purchaser"):
            client = browser(people[who])
            page = client.get(reverse("escrow:sign", args=[instruction.pk]))
            assert page.status_code == 200 and instruction.document.sha256 in page.content.decode()
            signed = client.post(
                reverse("escrow:sign", args=[instruction.pk]),
                {"intent": "on", "password": PASSWORD, "expected_sha256": instruction.document.sha256},
            )
            assert signed.status_code == 302, signed.content.decode()[:2000]
            assert client.get(signed["Location"]).status_code == 200  # the receipt
        assert client.get(reverse("escrow:tranche", args=[deposited.slug, 1])).status_code == 200
        assert client.get(reverse("escrow:deal", args=[deposited.slug])).status_code == 200
        assert client.get(reverse("escrow:dashboard")).status_code == 200
    assert tranche(deposited, 1).state == "instructed"


def test_prepare_and_approve_pages_work_with_redis_down(deposited, people):
    open_and_file(deposited, people, 1, "665000000")
    _t, instruction = sign_instruction(deposited, people, 1)
    digest = instruction.document.sha256
    prepare = reverse("escrow:prepare_release", args=[deposited.slug, 1])
    approve = reverse("escrow:approve_release", args=[deposited.slug, 1])
    with REDIS_DOWN:
        officer1, officer2 = browser(people["agent1"]), browser(people["agent2"])
        assert digest in officer1.get(prepare).content.decode()
        done = officer1.post(prepare, {"confirm": "on", "password": PASSWORD, "expected_sha256": digest})
        assert done.status_code == 302 and tranche(deposited, 1).state == "release_prepared"
        call_back = reverse("escrow:record_call_back", args=[deposited.slug, 1])
        entry = registered(deposited, people["issuer"])
        done = officer1.post(call_back, {"signatory": entry.pk, "outcome": "confirmed", "note": ""})
        assert done.status_code == 302, done.content.decode()[:2000]
        assert digest in officer2.get(approve).content.decode()
        done = officer2.post(
            approve,
            {"confirm": "on", "password": PASSWORD, "expected_sha256": digest, "transfer_reference": "TA-1"}
            | approve_page_facts(),  # issue 11 item 4
        )
        assert done.status_code == 302 and tranche(deposited, 1).state == "released"


def test_signing_preparing_and_approving_over_the_api_with_redis_down(instruction, people, deposited):
    digest = instruction.document.sha256
    t = tranche(deposited, 1)
    with REDIS_DOWN:
        for who in ("issuer", "purchaser"):
            api = client_for(people[who])
            assert api.get(f"/api/instruments/{instruction.pk}/").status_code == 200
            signed = api.post(
                f"/api/instruments/{instruction.pk}/sign/", {"expected_sha256": digest, "password": PASSWORD}
            )
            assert signed.status_code == 200, signed.json()
        prepared = client_for(people["agent1"]).post(
            f"/api/tranches/{t.pk}/prepare-release/", {"expected_sha256": digest, "password": PASSWORD}
        )
        assert prepared.status_code == 200, prepared.json()
        entry = registered(deposited, people["issuer"])
        called = client_for(people["agent1"]).post(
            f"/api/tranches/{t.pk}/call-back/", {"signatory": entry.pk, "outcome": "confirmed"}
        )
        assert called.status_code == 201, called.json()
        approved = client_for(people["agent2"]).post(
            f"/api/tranches/{t.pk}/approve-release/",
            {"expected_sha256": digest, "password": PASSWORD, "transfer_reference": "TA-2"},
        )
        assert approved.status_code == 200, approved.json()
        assert client_for(people["seller"]).get(f"/api/tranches/{t.pk}/").json()["state"] == "released"


def test_wrong_answers_still_lock_with_redis_down(instruction, people):
    digest = instruction.document.sha256
    api = client_for(people["issuer"])
    url = f"/api/instruments/{instruction.pk}/sign/"
    with REDIS_DOWN:
        for _attempt in range(5):
            wrong = api.post(url, {"expected_sha256": digest, "password": "not-my-password"})
            assert wrong.status_code == 403 and "password was not correct" in wrong.json()["detail"]
        locked = api.post(url, {"expected_sha256": digest, "password": PASSWORD})
        assert locked.status_code == 403 and "locked for 30 minutes" in locked.json()["detail"]
        # The page says the same, in words, with Redis still down.
        page = browser(people["issuer"]).post(
            reverse("escrow:sign", args=[instruction.pk]),
            {"intent": "on", "password": PASSWORD, "expected_sha256": digest},
        )
        assert page.status_code in (400, 403) and "locked for 30 minutes" in page.content.decode()
    assert not Signature.objects.filter(instrument=instruction).exists()
    assert not HistoryEntry.objects.filter(action="signed").exists()
    # The count survived every refusal's rollback: it is a committed row, not a cache entry.
    assert ReauthFailures.objects.get(user=people["issuer"]).failures == 5
    # Someone else is not locked by the issuer's mistakes.
    other = client_for(people["purchaser"]).post(url, {"expected_sha256": digest, "password": PASSWORD})
    assert other.status_code == 200, other.json()


def test_a_right_answer_before_the_fifth_clears_the_count(instruction, people):
    digest = instruction.document.sha256
    api = client_for(people["issuer"])
    url = f"/api/instruments/{instruction.pk}/sign/"
    with REDIS_DOWN:
        for _attempt in range(4):
            assert api.post(url, {"expected_sha256": digest, "password": "nope"}).status_code == 403
        assert api.post(url, {"expected_sha256": digest, "password": PASSWORD}).status_code == 200
    assert not ReauthFailures.objects.filter(user=people["issuer"]).exists()


def test_the_lock_ends_after_30_minutes(instruction, people):
    digest = instruction.document.sha256
    api = client_for(people["issuer"])
    url = f"/api/instruments/{instruction.pk}/sign/"
    for _attempt in range(5):
        api.post(url, {"expected_sha256": digest, "password": "nope"})
    assert "locked" in api.post(url, {"expected_sha256": digest, "password": PASSWORD}).json()["detail"]
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        assert api.post(url, {"expected_sha256": digest, "password": PASSWORD}).status_code == 200
