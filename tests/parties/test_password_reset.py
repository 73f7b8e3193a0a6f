"""Password reset by email, with Django's views and our (translated) templates."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.conftest import PASSWORD

NEW_PASSWORD = "a-new-long-passphrase-2026"


def request_link(client, email, language="en"):
    response = client.post(reverse("password_reset"), {"email": email}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 302
    return client.get(response["Location"], HTTP_ACCEPT_LANGUAGE=language)


def test_reset_by_email_then_sign_in_with_the_new_password(client, people):
    done = request_link(client, "seller@demo.invalid")
    assert b'data-testid="password-reset-done"' in done.content
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["seller@demo.invalid"] and "Reset your escrow portal password" in message.subject
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+)", message.body).group(1)

    form = client.get(link, follow=True)
    assert b'data-testid="password-reset-confirm-form"' in form.content
    response = client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert b'data-testid="password-reset-complete"' in client.get(response["Location"]).content

    people["seller"].refresh_from_db()
    assert people["seller"].check_password(NEW_PASSWORD) and not people["seller"].check_password(PASSWORD)


def test_unknown_address_looks_the_same_and_sends_nothing(client, db):
    done = request_link(client, "nobody@example.com")
    assert b'data-testid="password-reset-done"' in done.content
    assert mail.outbox == []


@pytest.mark.parametrize("language, words", [("en", "choose a new password"), ("zh-hans", "新密码")])
def test_email_in_the_readers_language(client, people, language, words):
    request_link(client, "purchaser@demo.invalid", language=language)
    assert words in mail.outbox[0].body


def test_used_link_no_longer_works(client, people):
    request_link(client, "seller@demo.invalid")
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    again = client.get(link, follow=True)
    assert "This link no longer works" in again.content.decode()
