"""Who may do what: the one table of contract role -> actions, and deal visibility.

Authority comes from the person's organisation playing a role on the deal (DealParty), never from
is_superuser or is_staff. Visibility is guardian's per-deal `view_deal` permission, derived from
that same membership by sync_deal_permissions() and checked with with_superuser=False.
"""
from django.contrib.auth import get_user_model
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm

from .errors import NotAllowed, NotFound
from .models import Deal, DealParty, Role

ISSUER, PURCHASER, SELLER, AGENT, AUDITOR, COMPLIANCE = (
    Role.ISSUER, Role.PURCHASER, Role.SELLER, Role.ESCROW_AGENT, Role.AUDITOR, Role.COMPLIANCE,
)
CONTRACT_PARTIES = frozenset({ISSUER, PURCHASER, SELLER, AGENT})
EVERYONE = frozenset({*CONTRACT_PARTIES, AUDITOR, COMPLIANCE})

# action -> (roles allowed, clause). Rendered in docs/permissions.md by `manage.py render_docs`.
ROLE_ACTIONS = {
    "view_deal": (EVERYONE, "SPA 9"),
    "download_document": (EVERYONE, "SPA 9"),
    "export_history": (EVERYONE, "SPA 9"),
    "confirm_deposit": (frozenset({AGENT}), "EA 1.1"),
    "approve_auditor": (frozenset({ISSUER}), "SPA 4.2"),
    "file_report": (frozenset({AUDITOR}), "SPA 4.2, EA 3.1(a)"),
    "sign_joint_instruction": (frozenset({ISSUER, PURCHASER}), "EA 3.1(b)"),
    "sign_settlement": (CONTRACT_PARTIES, "EA 3.3"),
    "sign_adjustment": (CONTRACT_PARTIES, "SPA 5.3"),
    "prepare_release": (frozenset({AGENT}), "EA 3.2"),
    "approve_release": (frozenset({AGENT}), "EA 3.2"),
    "withdraw_preparation": (frozenset({AGENT}), "EA 3.2"),
    "raise_dispute": (CONTRACT_PARTIES, "EA 3.3"),
    "propose_settlement": (CONTRACT_PARTIES, "EA 3.3"),
    "file_award": (CONTRACT_PARTIES, "EA 3.3, SPA 10.2"),
    "suspend_release": (frozenset({ISSUER}), "SPA 8.1"),
    "lift_suspension": (frozenset({ISSUER}), "SPA 8.1"),
    "propose_adjustment": (CONTRACT_PARTIES, "SPA 5.3"),
    "return_for_cancellation": (frozenset({AGENT}), "SPA 5.2(1)"),
    "enter_share_prices": (frozenset({ISSUER}), "SPA 8.2"),
}


def party_for(user, deal):
    """The DealParty the person acts for on this deal, or None."""
    if not user or not user.is_authenticated or not user.organisation_id:
        return None
    return (
        DealParty.objects.select_related("organisation")
        .filter(deal=deal, organisation_id=user.organisation_id, ended_at__isnull=True)
        .first()
    )


def may(role, action) -> bool:
    roles, _ = ROLE_ACTIONS[action]
    return role in roles


def require(user, deal, action) -> DealParty:
    """The actor's party if its role may take this action; NotFound when the deal is not theirs."""
    party = party_for(user, deal)
    if party is None:
        raise NotFound("No such deal.")
    roles, clause = ROLE_ACTIONS[action]
    if party.role not in roles:
        raise NotAllowed(
            f"As {party.get_role_display()} you may not {action.replace('_', ' ')} ({clause}).",
            clause=clause,
        )
    return party


def deals_visible_to(user):
    if not user or not user.is_authenticated:
        return Deal.objects.none()
    return get_objects_for_user(user, "escrow.view_deal", klass=Deal, with_superuser=False,
                                accept_global_perms=False)


def get_deal_for(user, slug_or_pk) -> Deal:
    """The deal if the person may see it; NotFound (404) otherwise, never 403 (SPA 9)."""
    lookup = {"pk": slug_or_pk} if str(slug_or_pk).isdigit() else {"slug": slug_or_pk}
    deal = deals_visible_to(user).filter(**lookup).first()
    if deal is None:
        raise NotFound("No such deal.")
    return deal


def sync_deal_permissions(deal):
    """Grant view_deal to exactly the people whose organisation plays a current role on the deal."""
    User = get_user_model()
    org_ids = DealParty.objects.filter(deal=deal, ended_at__isnull=True).values("organisation_id")
    members = set(User.objects.filter(organisation_id__in=org_ids, is_active=True))
    holders = set(
        User.objects.filter(dealuserobjectpermission__content_object=deal,
                            dealuserobjectpermission__permission__codename="view_deal")
    )
    for user in members - holders:
        assign_perm("escrow.view_deal", user, deal)
    for user in holders - members:
        remove_perm("escrow.view_deal", user, deal)
    return members
