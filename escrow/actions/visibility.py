"""Deal visibility follows membership (SPA 9): guardian's view_deal rows written for exactly the people
whose organisation plays a current role on the deal. Called by the actions that change membership."""

from django.contrib.auth import get_user_model
from guardian.shortcuts import assign_perm, remove_perm

from escrow.models import Deal, DealParty


def sync_deal_permissions(deal):
    """Grant view_deal to exactly the people whose organisation plays a current role on the deal."""
    User = get_user_model()
    org_ids = DealParty.objects.filter(deal=deal, ended_at__isnull=True).values("organisation_id")
    members = set(User.objects.filter(organisation_id__in=org_ids, is_active=True))
    holders = set(
        User.objects.filter(
            dealuserobjectpermission__content_object=deal, dealuserobjectpermission__permission__codename="view_deal"
        )
    )
    for user in members - holders:
        assign_perm("escrow.view_deal", user, deal)
    for user in holders - members:
        remove_perm("escrow.view_deal", user, deal)
    return members


def sync_person_permissions(user):
    """Grant view_deal on exactly the deals the person's organisation is a current party to: a person
    added to, moved between or removed from organisations sees what their new membership allows."""
    wanted = set()
    if user.is_active and user.organisation_id:
        wanted = set(
            DealParty.objects.filter(organisation_id=user.organisation_id, ended_at__isnull=True).values_list(
                "deal_id", flat=True
            )
        )
    held = set(
        Deal.objects.filter(
            dealuserobjectpermission__user=user, dealuserobjectpermission__permission__codename="view_deal"
        ).values_list("pk", flat=True)
    )
    for deal in Deal.objects.filter(pk__in=wanted - held):
        assign_perm("escrow.view_deal", user, deal)
    for deal in Deal.objects.filter(pk__in=held - wanted):
        remove_perm("escrow.view_deal", user, deal)
