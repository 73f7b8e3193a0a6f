"""Who may do what: the one table of contract role -> actions, and deal visibility.

Authority comes from the person's organisation playing a role on the deal (DealParty), never from
is_superuser or is_staff. Visibility is guardian's per-deal `view_deal` permission, derived from
that same membership by escrow.actions.visibility and read by escrow.queries.deals.
Platform administration (creating deals, reference data, people) is staff work: `require_staff`.
"""
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from escrow.contract.errors import NotAllowed, NotFound
from escrow.models import DealParty, Role

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

# The action as a phrase in the refusal "As <role> you may not <action> (<clause>)."
ACTION_PHRASES = {
    "view_deal": gettext_lazy("view deal"),
    "download_document": gettext_lazy("download document"),
    "export_history": gettext_lazy("export history"),
    "confirm_deposit": gettext_lazy("confirm deposit"),
    "approve_auditor": gettext_lazy("approve auditor"),
    "file_report": gettext_lazy("file report"),
    "sign_joint_instruction": gettext_lazy("sign joint instruction"),
    "sign_settlement": gettext_lazy("sign settlement"),
    "sign_adjustment": gettext_lazy("sign adjustment"),
    "prepare_release": gettext_lazy("prepare release"),
    "approve_release": gettext_lazy("approve release"),
    "withdraw_preparation": gettext_lazy("withdraw preparation"),
    "raise_dispute": gettext_lazy("raise dispute"),
    "propose_settlement": gettext_lazy("propose settlement"),
    "file_award": gettext_lazy("file award"),
    "suspend_release": gettext_lazy("suspend release"),
    "lift_suspension": gettext_lazy("lift suspension"),
    "propose_adjustment": gettext_lazy("propose adjustment"),
    "return_for_cancellation": gettext_lazy("return for cancellation"),
    "enter_share_prices": gettext_lazy("enter share prices"),
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
        raise NotFound(_("No such deal."))
    roles, clause = ROLE_ACTIONS[action]
    if party.role not in roles:
        raise NotAllowed(refusal(party.role, action), clause=clause)
    return party


def refusal(role, action) -> str:
    """Why this role may not take this action, in the reader's language, with the clause."""
    return _("As %(role)s you may not %(action)s (%(clause)s).") % {
        "role": Role(role).label if role else _("a visitor"),
        "action": ACTION_PHRASES.get(action, action.replace("_", " ")), "clause": ROLE_ACTIONS[action][1]}


def require_staff(user, permission: str) -> None:
    """Platform administration is staff work with the Django model permission (e.g. "escrow.add_deal");
    it never gives a contract role (DESIGN.md "Roles")."""
    if not (user and user.is_authenticated and user.is_active and user.is_staff and user.has_perm(permission)):
        raise NotAllowed(_("Only platform staff with the permission %(permission)s may do this.")
                         % {"permission": permission})
