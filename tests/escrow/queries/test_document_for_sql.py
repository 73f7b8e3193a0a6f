"""Issue 13 item 1: document_for reads the document, its deal, tranche and uploader and the person's party with one
hand-written query (escrow.queries.deals). It is compared here with the ORM reads it replaced (kept below) for every
Kaixin person, an outsider seeing the deal through a group, platform staff, an ended party, a document with no
tranche and no uploader, missing and malformed ids; on PostgreSQL and on SQLite alike."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from guardian.shortcuts import assign_perm

from bench.world import copies_of
from escrow.contract.errors import DomainError, NotFound
from escrow.models import DealParty, StoredDocument
from escrow.queries.deals import deals_visible_to, document_for
from escrow.usecases.permissions import require
from tests.conftest import open_and_file

pytestmark = pytest.mark.django_db


def old_document_for(user, pk, action="view_deal"):
    """The ORM version this replaced, as it was."""
    document = (
        StoredDocument.objects.filter(pk=pk, deal__in=deals_visible_to(user))
        .select_related("deal", "tranche", "uploaded_by")
        .first()
    )
    if document is None:
        raise NotFound("No such document.")
    require(user, document.deal, action)
    return document


def fields(obj):
    return None if obj is None else [getattr(obj, f.attname) for f in obj._meta.concrete_fields]


def read(find, user, pk, action):
    user.__dict__.pop("_visible_deals", None)
    try:
        document = find(user, pk, action)
    except DomainError as exc:
        return type(exc).__name__, exc.message
    return fields(document), fields(document.deal), fields(document.tranche), fields(document.uploaded_by)


@pytest.fixture
def world(deposited, people, outsider, django_user_model):
    open_and_file(deposited, people, 1, "665000000")
    copies_of(deposited, 1)
    StoredDocument.objects.create(  # a deal's document with no tranche and no uploader
        deal=deposited,
        kind=StoredDocument.Kind.HISTORY_EXPORT,
        file="x.pdf",
        sha256="0" * 64,
        size=1,
        uploaded_at=timezone.now() - timedelta(days=1),
    )
    group = Group.objects.create(name="readers")
    outsider.groups.add(group)
    assign_perm("escrow.view_deal", group, deposited)  # sees it, plays no role: still not found
    issuer = people["issuer"]
    staff = django_user_model.objects.create_user("staff", organisation=issuer.organisation, is_staff=True)
    assign_perm("escrow.view_deal", staff, deposited)
    ended = people["auditor"]
    return [*people.values(), outsider, staff], ended


def test_document_for_reads_what_the_orm_read(world, deposited):
    users, ended = world
    ids = [str(pk) for pk in StoredDocument.objects.values_list("pk", flat=True)] + ["0", "999999", str(2**70)]
    assert len(ids) >= 5
    for state in ("current", "ended"):
        if state == "ended":
            DealParty.objects.filter(deal=deposited, organisation_id=ended.organisation_id).update(
                ended_at=timezone.now()
            )
        for user in users:
            for pk in ids:
                for action in ("view_deal", "download_document", "export_history"):
                    assert read(document_for, user, pk, action) == read(old_document_for, user, pk, action), (
                        state,
                        user,
                        pk,
                        action,
                    )
