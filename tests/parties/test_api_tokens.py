"""Per-person API tokens (issue 10 item 3): made by their owner, the secret shown once and only its
SHA-256 stored, listed, revocable by the owner and by staff with parties.revoke_apitoken, every use
stamped and every change in the account history."""

import hashlib
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from escrow.models import HistoryEntry
from parties import actions
from parties.client import current_channel
from parties.models import ApiToken, User
from tests.conftest import PASSWORD

from .tokens import token_client

pytestmark = pytest.mark.django_db


def staff_with(*codenames, username="desk"):
    clerk = User.objects.create_user(username, password=PASSWORD, is_staff=True)
    clerk.user_permissions.set(Permission.objects.filter(content_type__app_label="parties", codename__in=codenames))
    return User.objects.get(pk=clerk.pk)


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


# --- The action ------------------------------------------------------------------------------------------


def test_the_secret_is_returned_once_and_only_its_hash_is_stored(people):
    token, secret = actions.create_token(people["purchaser"], label="Treasury system", ip="10.0.0.5")
    assert len(secret) >= 40 and token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    stored = ApiToken.objects.filter(pk=token.pk).values()[0]
    assert secret not in {str(value) for value in stored.values()}
    assert token.hint == secret[:6] and token.created_ip == "10.0.0.5" and token.is_active
    entry = HistoryEntry.objects.get(action="api_token_created")
    assert entry.actor == people["purchaser"] and entry.details["token"] == token.pk
    assert entry.details["after"] == {"label": "Treasury system", "hint": token.hint}
    assert secret not in str(entry.details) and token.key_hash not in str(entry.details)


def test_labels_are_required_and_distinct_among_active_tokens(people):
    with pytest.raises(actions.InvalidInput, match="Name the token"):
        actions.create_token(people["seller"], label="  ")
    actions.create_token(people["seller"], label="Bank feed")
    with pytest.raises(actions.InvalidInput, match="already have an active token named bank feed"):
        actions.create_token(people["seller"], label="bank  feed")


def test_nobody_makes_a_token_for_someone_else_or_anonymously(people):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(actions.NotAllowed, match="Sign in"):
        actions.create_token(AnonymousUser(), label="Stolen")
    with pytest.raises(actions.NotAllowed, match="Sign in"):
        actions.create_token(None, label="Server")
    assert not ApiToken.objects.exists()


def test_at_most_ten_active_tokens(people):
    for n in range(actions.MAX_ACTIVE_TOKENS):
        actions.create_token(people["issuer"], label=f"System {n}")
    with pytest.raises(actions.InvalidInput, match="revoke one"):
        actions.create_token(people["issuer"], label="One more")
    actions.revoke_token(people["issuer"], ApiToken.objects.filter(user=people["issuer"]).first())
    actions.create_token(people["issuer"], label="One more")


def test_the_owner_revokes_and_it_is_in_the_history(people):
    token, _secret = actions.create_token(people["issuer"], label="ERP")
    actions.revoke_token(people["issuer"], token, ip="10.0.0.9")
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == people["issuer"] and not token.is_active
    entry = HistoryEntry.objects.get(action="api_token_revoked")
    assert (entry.actor, entry.details["person"], entry.details["token"]) == (people["issuer"], "issuer", token.pk)
    with pytest.raises(actions.InvalidInput, match="already revoked"):
        actions.revoke_token(people["issuer"], token)


def test_another_person_cannot_revoke_it_staff_with_the_permission_can(people):
    token, _secret = actions.create_token(people["issuer"], label="ERP")
    for who in (people["purchaser"], staff_with("change_user", username="clerk")):
        with pytest.raises(actions.NotAllowed, match=r"parties\.revoke_apitoken"):
            actions.revoke_token(who, token)
    desk = staff_with("revoke_apitoken")
    actions.revoke_token(desk, token)
    token.refresh_from_db()
    assert token.revoked_by == desk
    entry = HistoryEntry.objects.get(action="api_token_revoked")
    assert entry.actor == desk and entry.details["person"] == "issuer"


# --- Authentication ---------------------------------------------------------------------------------------


def test_a_token_authenticates_its_owner_and_its_use_is_stamped(kaixin, people):
    token, secret = actions.create_token(people["purchaser"], label="Treasury system")
    api = token_client(people["purchaser"], secret)
    response = api.get("/api/deals/", REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200 and response.json()[0]["my_role"] == "purchaser"
    token.refresh_from_db()
    assert token.last_used_ip == "10.1.2.3" and timezone.now() - token.last_used_at < timedelta(minutes=1)
    # Within a minute from the same address nothing is written; another address is recorded at once.
    first_use = token.last_used_at
    api.get("/api/deals/", REMOTE_ADDR="10.1.2.3")
    token.refresh_from_db()
    assert token.last_used_at == first_use
    api.get("/api/deals/", REMOTE_ADDR="10.9.9.9")
    token.refresh_from_db()
    assert token.last_used_ip == "10.9.9.9"


def test_a_revoked_token_is_refused_with_a_clear_message(kaixin, people):
    token, secret = actions.create_token(people["purchaser"], label="Treasury system")
    api = token_client(people["purchaser"], secret)
    assert api.get("/api/deals/").status_code == 200
    actions.revoke_token(people["purchaser"], token)
    refused = api.get("/api/deals/")
    assert refused.status_code == 401 and refused["WWW-Authenticate"] == "Token"
    assert "was revoked on" in refused.json()["detail"] and "Beijing time" in refused.json()["detail"]


def test_unknown_and_malformed_tokens_are_refused(kaixin, people):
    assert token_client(None, "x" * 43).get("/api/deals/").status_code == 401
    malformed = APIClient()
    malformed.credentials(HTTP_AUTHORIZATION="Token two parts")
    assert "one value" in malformed.get("/api/deals/").json()["detail"]
    token, _secret = actions.create_token(people["seller"], label="Feed")
    hashed = token.key_hash
    assert token_client(None, hashed).get("/api/deals/").status_code == 401, "the stored hash is no credential"


def test_a_deactivated_persons_token_is_refused(kaixin, people, admin_user):
    _token, secret = actions.create_token(people["seller"], label="Feed")
    actions.change_person(admin_user, people["seller"], is_active=False)
    assert token_client(None, secret).get("/api/deals/").status_code == 401


def test_the_channel_of_a_token_request_names_the_token(kaixin, people, monkeypatch):
    """What the lead puts into history details (issue 10 item 3, "each use is attributable")."""
    from escrow.api.views.deal_create import DealListCreate

    seen = []
    original = DealListCreate.get

    def observing(self, request, *args, **kwargs):
        seen.append(current_channel())
        return original(self, request, *args, **kwargs)

    monkeypatch.setattr(DealListCreate, "get", observing)
    token, secret = actions.create_token(people["seller"], label="Feed")
    assert token_client(None, secret).get("/api/deals/").status_code == 200
    assert signed_in(people["seller"]).get("/api/deals/").status_code == 200
    assert seen == [{"channel": "api", "token": token.pk}, {"channel": "web"}]
    assert current_channel() is None, "reset when the request ends"


# --- The page ---------------------------------------------------------------------------------------------


def test_the_page_creates_shows_the_secret_once_lists_and_revokes(people):
    page = signed_in(people["purchaser"])
    url = reverse("api_tokens")
    assert b'data-testid="nav-api-tokens"' in page.get(url).content
    created = page.post(url, {"label": "Treasury system"}, REMOTE_ADDR="10.0.0.7")
    html = created.content.decode()
    token = ApiToken.objects.get(user=people["purchaser"])
    secret = created.context["secret"]
    assert 'data-testid="token-secret"' in html and secret in html
    assert hashlib.sha256(secret.encode()).hexdigest() == token.key_hash and token.created_ip == "10.0.0.7"
    assert "no-store" in created["Cache-Control"]
    listed = page.get(url).content.decode()
    assert "Treasury system" in listed and secret not in listed and f"{token.hint}…" in listed
    revoked = page.post(reverse("revoke_api_token", args=[token.pk]), follow=True).content.decode()
    assert "is revoked" in revoked and "Revoked" in revoked
    token.refresh_from_db()
    assert token.revoked_by == people["purchaser"]


def test_other_peoples_tokens_are_invisible_and_cannot_be_revoked_by_page(people):
    mine, _secret = actions.create_token(people["issuer"], label="Issuer ERP")
    page = signed_in(people["purchaser"])
    assert "Issuer ERP" not in page.get(reverse("api_tokens")).content.decode()
    assert page.post(reverse("revoke_api_token", args=[mine.pk])).status_code == 404
    mine.refresh_from_db()
    assert mine.is_active


def test_a_refused_label_is_shown_next_to_the_field(people):
    page = signed_in(people["purchaser"])
    actions.create_token(people["purchaser"], label="ERP")
    response = page.post(reverse("api_tokens"), {"label": "ERP"})
    assert response.status_code == 200 and b"already have an active token named ERP" in response.content
    assert response.context["secret"] is None


# --- The admin --------------------------------------------------------------------------------------------


def test_staff_revoke_in_the_admin_through_the_action(people):
    token, _secret = actions.create_token(people["issuer"], label="Issuer ERP")
    desk = staff_with("view_apitoken", "revoke_apitoken")
    admin = signed_in(desk)
    changelist = reverse("admin:parties_apitoken_changelist")
    listed = admin.get(changelist)
    assert listed.status_code == 200 and "Issuer ERP" in listed.content.decode()
    assert token.key_hash not in listed.content.decode()
    assert admin.get(reverse("admin:parties_apitoken_add")).status_code == 403
    admin.post(changelist, {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_by == desk
    assert HistoryEntry.objects.get(action="api_token_revoked").actor == desk


def test_staff_without_the_permission_cannot_revoke_in_the_admin(people):
    token, _secret = actions.create_token(people["issuer"], label="Issuer ERP")
    viewer = signed_in(staff_with("view_apitoken"))
    changelist = reverse("admin:parties_apitoken_changelist")
    assert b'value="revoke"' not in viewer.get(changelist).content
    viewer.post(changelist, {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.is_active


# --- The migration from DRF's tokens ------------------------------------------------------------------------


def test_drf_tokens_are_carried_over_hashed_and_their_plain_keys_removed(people):
    """A party's system with a token from before keeps working; the database no longer holds its key."""
    from importlib import import_module
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    migration = import_module("parties.migrations.0003_api_tokens")
    key = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, user_id bigint, created timestamptz)"
        )
        cursor.execute("INSERT INTO authtoken_token VALUES (%s, %s, now())", [key, people["seller"].pk])
    migration.carry_over_legacy_tokens(apps, SimpleNamespace(connection=connection))
    token = ApiToken.objects.get(user=people["seller"])
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest() and token.label == migration.LEGACY_LABEL
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM authtoken_token")
        assert cursor.fetchone()[0] == 0
    assert token_client(None, key).get("/api/deals/").status_code == 200
