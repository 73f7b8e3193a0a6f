"""Issue 10, the administrator: a superuser in the admin cannot add, change or delete any record the release of
shares rests on (the history, its chain heads, the ledger, tranches, instruments, signatures, documents,
reports, holds, checkpoints), one by one or with the bulk "delete selected" action, nor edit a deal's terms.
Every attempt is refused and the records still verify and reconcile afterwards (items 4 and 5)."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from escrow.models import Deal
from tests.security.insider import run_verify
from tests.security.records_world import records_world  # noqa: F401  (module-scoped fixture)

pytestmark = pytest.mark.django_db

RECORDS = [
    "HistoryEntry",
    "HistoryChain",
    "ShareMovement",
    "Tranche",
    "Instrument",
    "Signature",
    "StoredDocument",
    "AuditReport",
    "Hold",
    "Checkpoint",
]


def registered_records():
    models = [apps.get_model("escrow", name) for name in RECORDS if name.lower() in apps.all_models["escrow"]]
    return [m for m in models if m in admin.site._registry]


def snapshot():
    return {model.__name__: sorted(model.objects.values_list("pk", flat=True)) for model in registered_records()}


@pytest.fixture
def superuser(records_world, admin_client):  # noqa: F811
    return admin_client


@pytest.mark.parametrize("name", RECORDS)
def test_the_admin_refuses_every_write_to_a_record(records_world, superuser, name):  # noqa: F811
    model = apps.get_model("escrow", name)
    if model not in admin.site._registry:
        # Not in the admin at all: no admin page exists that could write it.
        with pytest.raises(NoReverseMatch):
            reverse(f"admin:escrow_{model._meta.model_name}_change", args=[1])
        return
    obj = model.objects.order_by("-pk").first()
    assert obj is not None, f"the world has no {name}"
    meta = model._meta
    before = snapshot()
    change = reverse(f"admin:escrow_{meta.model_name}_change", args=[obj.pk])
    assert superuser.get(change).status_code == 200  # staff may look
    assert superuser.post(change, {"state": "released", "quantity": "1", "summary": "x"}).status_code == 403
    delete = reverse(f"admin:escrow_{meta.model_name}_delete", args=[obj.pk])
    assert superuser.post(delete, {"post": "yes"}).status_code == 403
    assert superuser.post(reverse(f"admin:escrow_{meta.model_name}_add"), {"quantity": "1"}).status_code == 403
    changelist = reverse(f"admin:escrow_{meta.model_name}_changelist")
    superuser.post(changelist, {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"})
    assert snapshot() == before
    assert run_verify()[0] == 0


def test_the_admin_cannot_edit_a_deals_terms(records_world, superuser):  # noqa: F811
    deal = records_world.kaixin
    change = reverse("admin:escrow_deal_change", args=[deal.pk])
    response = superuser.post(change, {"total_shares": "20000000", "name": deal.name, "slug": deal.slug})
    assert response.status_code == 403
    assert Deal.objects.get(pk=deal.pk).total_shares == 15_000_000
    assert superuser.post(reverse("admin:escrow_deal_delete", args=[deal.pk]), {"post": "yes"}).status_code == 403
    assert run_verify()[0] == 0
