"""API tokens in the browser (issue 10 item 3): create one from the account menu, see its secret once,
use it, revoke it."""

import json
import urllib.error
import urllib.request

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def api_status(url, secret):
    request = urllib.request.Request(url, headers={"Authorization": f"Token {secret}"})  # noqa: S310
    try:
        with urllib.request.urlopen(request) as response:  # noqa: S310  (the live test server)
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def test_create_use_and_revoke_a_token(open_as, live_server, people, kaixin, shoot, tmp_path):
    page = open_as("purchaser")
    page.get_by_test_id("nav-api-tokens").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("no-tokens").is_visible()
    page.get_by_test_id("token-label").fill("Treasury system")
    page.get_by_test_id("token-create").click()
    page.wait_for_load_state()
    secret = page.get_by_test_id("token-secret").inner_text().strip()
    assert page.get_by_test_id("token-row").count() == 1
    shoot(page, "api-tokens", tmp_path)

    status, body = api_status(f"{live_server.url}/api/deals/", secret)
    assert status == 200 and body[0]["my_role"] == "purchaser"
    page.reload()
    assert not page.get_by_test_id("token-secret").count(), "the secret is shown once"
    assert "127.0.0.1" in page.get_by_test_id("token-row").inner_text()

    page.get_by_test_id("token-revoke").click()
    page.wait_for_load_state()
    assert "Revoked" in page.get_by_test_id("token-status").inner_text()
    status, body = api_status(f"{live_server.url}/api/deals/", secret)
    assert status == 401 and "revoked" in body["detail"]
