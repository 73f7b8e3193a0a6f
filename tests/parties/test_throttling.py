"""django-axes: five failures for one username from one address lock it for 30 minutes."""

import importlib
import sys

import pytest
from django.test import RequestFactory, override_settings
from django.urls import reverse

from tests.conftest import PASSWORD

from .conftest import code_for

pytestmark = pytest.mark.usefixtures("axes_on")


@pytest.fixture
def axes_on(settings):
    # Off in config.settings.test because Client.login() gives axes no request.
    settings.AXES_ENABLED = True


def fail(client, username, times, **extra):
    for _ in range(times):
        response = client.post(reverse("login"), {"username": username, "password": "wrong"}, **extra)
    return response


def test_fifth_failure_locks_with_a_clear_page(client, people):
    assert fail(client, "issuer", 4).status_code == 200
    response = fail(client, "issuer", 1)
    assert response.status_code == 429
    html = response.content.decode()
    assert 'data-testid="lockout"' in html and "30 minutes" in html


def test_locked_account_refuses_even_the_right_password(client, people):
    fail(client, "issuer", 5)
    response = client.post(reverse("login"), {"username": "issuer", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lock_is_per_username_and_address(client, people):
    """Someone guessing from elsewhere cannot lock a signatory out before a deadline."""
    fail(client, "issuer", 5, REMOTE_ADDR="198.51.100.7")
    response = client.post(reverse("login"), {"username": "issuer", "password": PASSWORD}, REMOTE_ADDR="192.0.2.10")
    assert response.status_code == 302


def test_wrong_codes_count_towards_the_lock(client, people, enrolled):
    device = enrolled("purchaser")
    fail(client, "purchaser", 3)
    client.post(reverse("login"), {"username": "purchaser", "password": PASSWORD})
    client.post(reverse("login_otp"), {"token": "000000"})
    response = client.post(reverse("login_otp"), {"token": "000000"})
    assert response.status_code == 429
    response = client.post(reverse("login_otp"), {"token": code_for(device)})
    assert "_auth_user_id" not in client.session


def test_success_resets_the_count(client, people):
    fail(client, "auditor", 4)
    client.post(reverse("login"), {"username": "auditor", "password": PASSWORD})
    client.logout()
    assert fail(client, "auditor", 4).status_code == 200


@pytest.fixture
def production_settings(monkeypatch):
    """The real config.settings.production module, imported with a complete environment."""
    monkeypatch.setenv("SECRET_KEY", "p" * 20 + "roduction-key-for-tests-0123456789-abcdefghij")
    monkeypatch.setenv("ALLOWED_HOSTS", "escrow.example.com")
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("HISTORY_HMAC_KEYS", "k1:" + "h" * 64)
    monkeypatch.setenv("PLATFORM_KEY_FILE", "/etc/escrow/platform-key.pem")
    monkeypatch.setenv("PLATFORM_CERT_FILE", "/etc/escrow/platform-cert.pem")
    monkeypatch.setenv("PORTAL_BASE_URL", "https://escrow.example.com")
    sys.modules.pop("config.settings.production", None)
    module = importlib.import_module("config.settings.production")
    yield module
    sys.modules.pop("config.settings.production", None)


# Public addresses: python-ipware prefers a public address to a private or documentation one.
@pytest.mark.parametrize(
    "forwarded, client_ip",
    [
        ("9.9.9.9", "9.9.9.9"),
        # The client sent its own X-Forwarded-For; the proxy appended the address it really saw.
        ("8.8.8.8, 9.9.9.9", "9.9.9.9"),
        ("10.0.0.7, 9.9.9.9", "9.9.9.9"),
    ],
)
def test_production_takes_the_client_address_from_the_proxy(production_settings, forwarded, client_ip):
    """Axes, signatures and the history read the same address (parties.client, one place)."""
    from axes.helpers import get_client_ip_address

    from parties.client import client_ip as the_client

    names = ["CLIENT_IP_HEADERS", "CLIENT_IP_PROXY_COUNT", "AXES_CLIENT_IP_CALLABLE"]
    with override_settings(**{name: getattr(production_settings, name) for name in names}):
        request = RequestFactory().post("/accounts/login/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="10.0.0.2")
        assert get_client_ip_address(request) == client_ip
        assert the_client(request) == client_ip


def test_a_direct_connection_is_the_socket_address():
    from parties.client import client_ip

    request = RequestFactory().post("/", HTTP_X_FORWARDED_FOR="9.9.9.9", REMOTE_ADDR="10.0.0.2")
    assert client_ip(request) == "10.0.0.2"  # without a proxy the header is the client's own claim
