"""Security headers, CSP, session expiry and `check --deploy` with the production settings."""

import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


def test_strict_content_security_policy(client, db):
    response = client.get(reverse("login"))
    policy = response["Content-Security-Policy"]
    directives = dict([*part.strip().split(" ", 1), ""][:2] for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'", "no 'unsafe-inline' or nonce: there is no inline script"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe" not in policy


def test_other_security_headers(client, db):
    response = client.get(reverse("login"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_idle_session_ends(client, people, monkeypatch):
    client.force_login(people["compliance"])
    assert client.get(reverse("escrow:dashboard")).status_code == 200
    later = time.time() + settings.SESSION_IDLE_TIMEOUT + 5
    monkeypatch.setattr("parties.middleware.time.time", lambda: later)
    response = client.get(reverse("escrow:dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


def test_activity_keeps_the_session_but_not_beyond_its_age(client, people, monkeypatch):
    client.force_login(people["compliance"])
    start = time.time()
    client.get(reverse("escrow:dashboard"))
    step = settings.SESSION_IDLE_TIMEOUT - 60
    now = start
    while now - start < settings.SESSION_COOKIE_AGE - step:
        now += step
        monkeypatch.setattr("parties.middleware.time.time", lambda t=now: t)
        assert client.get(reverse("escrow:dashboard")).status_code == 200
    monkeypatch.setattr("parties.middleware.time.time", lambda: start + settings.SESSION_COOKIE_AGE + 1)
    assert client.get(reverse("escrow:dashboard")).status_code == 302


def test_sign_out_shows_the_signed_out_page(client, people):
    client.force_login(people["seller"])
    response = client.post(reverse("logout"))
    assert response.status_code == 200 and b'data-testid="logged-out"' in response.content


def test_check_deploy_is_clean_with_production_settings():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "escrow.example.com",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "HISTORY_HMAC_KEYS": f"k1:{secrets.token_hex(32)}",
        "PLATFORM_KEY_FILE": "/etc/escrow/platform-key.pem",
        "PLATFORM_CERT_FILE": "/etc/escrow/platform-cert.pem",
        "PORTAL_BASE_URL": "https://escrow.example.com",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output
    assert "WARNING" not in output, output
