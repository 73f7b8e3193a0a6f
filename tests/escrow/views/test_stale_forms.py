"""Issue 12 item 3: a stale form posted anyway (a second tab, Back, a slow double click) changes nothing and says
what happened, in the reader's language, with a link to where things stand; never a 500, never a generic error."""

from django.urls import reverse

from escrow.models import Signature
from tests.conftest import PASSWORD, open_and_file, tranche


def sign_post(client, instrument):
    return client.post(
        reverse("escrow:sign", args=[instrument.pk]),
        {"intent": "on", "password": PASSWORD, "expected_sha256": instrument.document.sha256},
    )


def test_signing_twice_is_explained_in_the_readers_language(deposited, people, client_for):
    open_and_file(deposited, people, 1, "665000000")
    instrument = tranche(deposited, 1).instruments.get(kind="joint_instruction", status="open")
    issuer = client_for("issuer")
    assert sign_post(issuer, instrument).status_code == 302

    again = sign_post(issuer, instrument)
    html = again.content.decode()
    assert again.status_code == 409 and 'data-testid="sign-form"' not in html
    assert "You already signed this document on" in html and "(Beijing time)" in html and "Nothing was changed." in html
    assert f'href="{reverse("escrow:tranche", args=[deposited.slug, 1])}" data-testid="stale-link"' in html
    assert 'data-testid="my-receipt"' in html
    assert Signature.objects.filter(instrument=instrument).count() == 1

    issuer.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    chinese = sign_post(issuer, instrument).content.decode()
    assert "您已于" in chinese and "（北京时间）" in chinese and "未做任何更改" in chinese


def test_the_purchaser_is_still_offered_what_the_issuer_signed(deposited, people, client_for):
    open_and_file(deposited, people, 1, "665000000")
    instrument = tranche(deposited, 1).instruments.get(kind="joint_instruction", status="open")
    assert sign_post(client_for("issuer"), instrument).status_code == 302
    page = client_for("purchaser").get(reverse("escrow:sign", args=[instrument.pk])).content.decode()
    assert 'data-testid="sign-form"' in page and 'data-testid="stale-reason"' not in page
