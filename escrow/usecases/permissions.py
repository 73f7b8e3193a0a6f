"""Who may do what: the contract role -> actions table, read from the use cases declared in
escrow.usecases.declared, and the checks every action makes.

Authority comes from the person's organisation playing a role on the deal (DealParty), never from
is_superuser or is_staff. Signing or approving for a party (the use cases declared with `signing=True`)
needs more: an active entry on the deal's signatory register for that party (issue 10 item 1), which staff
and superuser accounts can never hold. Visibility is guardian's per-deal `view_deal` permission, derived from
that same membership by escrow.actions.visibility and read by escrow.queries.deals.
Platform administration (creating deals, reference data, people) is staff work: `require_staff`.
"""

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from escrow.contract.errors import NotAllowed, NotFound
from escrow.models import DealParty, Role, Signatory
from escrow.models.params import moment
from escrow.usecases.declared import (  # noqa: F401  (the role sets are imported from here too)
    AGENT,
    AUDITOR,
    COMPLIANCE,
    CONTRACT_PARTIES,
    CONTRACT_USE_CASES,
    EVERYONE,
    ISSUER,
    PURCHASER,
    SELLER,
    STAFF_USE_CASES,
)
from parties.access import administers

# action -> (roles allowed, clause), for every contract use case: read from the declaration.
ROLE_ACTIONS = {name: (case.roles, case.clause) for name, case in CONTRACT_USE_CASES.items()}

# The action as a phrase in the refusal "As <role> you may not <action> (<clause>)."
ACTION_PHRASES = {name: case.phrase for name, case in CONTRACT_USE_CASES.items()}

# The use cases that sign or approve for a party: the signatory register decides who may (issue 10 item 1).
SIGNING_POWER = frozenset(name for name, case in CONTRACT_USE_CASES.items() if case.signing)


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


_UNREAD = object()


def require(user, deal, action, *, party=_UNREAD) -> DealParty:
    """The actor's party if its role may take this action; NotFound when the deal is not theirs. `party` may
    be given when the caller has just read party_for's answer with the deal (escrow.queries.deals.deal_for)."""
    party = party_for(user, deal) if party is _UNREAD else party
    if party is None:
        raise NotFound(_("No such deal."))
    roles, clause = ROLE_ACTIONS[action]
    if party.role not in roles:
        raise NotAllowed(refusal(party.role, action), clause=clause)
    if action in SIGNING_POWER:
        require_signing_power(user, party, action)
    return party


def is_platform_staff(user) -> bool:
    """Staff and superuser accounts administer the platform; they never hold signing power."""
    return bool(user.is_staff or user.is_superuser)


def holds_signing_power(user, deal) -> bool:
    """Whether the person is now on the deal's register for the party they act for: pages offer the
    signing and approving actions only then (the action itself checks again, require_signing_power)."""
    return deal.pk in deals_signed_for(user, [deal.pk])


def deals_signed_for(user, deal_ids) -> set:
    """Of these deals, those on whose register the person now is for the party they act for (one query)."""
    deal_ids = list(deal_ids)
    if not deal_ids or not _may_hold_signing_power(user):  # no query: nothing to find
        return set()
    signs, params = signing_power_sql(user, "d.id")
    marks = ", ".join(["%s"] * len(deal_ids))
    sql = f"SELECT d.id FROM escrow_deal d WHERE d.id IN ({marks}) AND {signs}"  # noqa: S608 (constant SQL, bound values)
    with connection.cursor() as cursor:
        cursor.execute(sql, (*deal_ids, *params))
        return {row[0] for row in cursor.fetchall()}


def signing_power_sql(user, column):
    """The person's signing power on the deal whose id is `column`, as a condition of a hand-written query with
    its parameters (issue 13 item 1: pages read it with the deal and the person's party, escrow.queries.deals,
    escrow.queries.available): an active entry on the deal's register (Signatory.active: in effect by now and not
    removed) for a party of their organisation that has not ended. Platform staff never hold it (issue 10 item 1).
    tests/escrow/queries/test_deal_for_sql.py compares it with the same rule through the ORM."""
    if not _may_hold_signing_power(user):
        return "1 = 0", ()
    now = moment(timezone.now())  # as the ORM binds a DateTimeField's value
    return f"EXISTS ({_SIGNS} AND s.deal_id = {column})", (user.pk, user.organisation_id, now, now)


def _may_hold_signing_power(user) -> bool:
    return bool(user.is_authenticated and not is_platform_staff(user) and user.organisation_id)


_SIGNS = (
    "SELECT 1 FROM escrow_signatory s JOIN escrow_dealparty sp ON sp.id = s.party_id"
    " WHERE s.person_id = %s AND sp.organisation_id = %s AND sp.ended_at IS NULL"
    " AND s.effective_at IS NOT NULL AND s.effective_at <= %s AND (s.removed_at IS NULL OR s.removed_at > %s)"
)


def require_signing_power(user, party, action) -> None:
    """Signing or approving for a party needs an active entry on its register for this deal, whatever the
    person's organisation (issue 10 item 1); platform staff and superusers are refused outright."""
    clause = ROLE_ACTIONS[action][1]
    phrase = ACTION_PHRASES.get(action, action.replace("_", " "))
    if is_platform_staff(user):
        raise NotAllowed(
            _(
                "Platform staff and superuser accounts never sign or approve for a party, so you may not "
                "%(action)s; only a person on the deal's signatory register may (%(clause)s)."
            )
            % {"action": phrase, "clause": clause},
            clause=clause,
        )
    if not Signatory.objects.filter(deal_id=party.deal_id, party=party, person=user).active().exists():
        raise NotAllowed(
            _(
                "You are not on the signatory register of %(organisation)s for this deal, so you may not "
                "%(action)s (%(clause)s). A current signatory may propose you; an escrow-agent officer "
                "confirms and the change takes effect after the cooling-off period."
            )
            % {"organisation": party.organisation, "action": phrase, "clause": clause},
            clause=clause,
        )


def refusal(role, action) -> str:
    """Why this role may not take this action, in the reader's language, with the clause."""
    return _("As %(role)s you may not %(action)s (%(clause)s).") % {
        "role": Role(role).label if role else _("a visitor"),
        "action": ACTION_PHRASES.get(action, action.replace("_", " ")),
        "clause": ROLE_ACTIONS[action][1],
    }


def require_staff(user, permission: str) -> None:
    """Platform administration is staff work with the Django model permission; it never gives a contract
    role (DESIGN.md "Roles"). `permission` is the permission itself ("escrow.add_deal") or the name of a
    declared staff use case ("create_deal"), whose permission is then the declared one."""
    case = STAFF_USE_CASES.get(permission)
    if case is None and "." not in permission:
        raise ValueError(f"{permission!r} is neither a Django permission nor a declared staff use case")
    needed = case.permission if case else permission
    if administers(user, needed):
        return
    if case:
        raise NotAllowed(
            _("Only platform staff with the permission %(permission)s may %(action)s.")
            % {"permission": needed, "action": case.phrase}
        )
    raise NotAllowed(_("Only platform staff with the permission %(permission)s may do this.") % {"permission": needed})


def require_demo_clock(user) -> None:
    """Issue 12 item 9: the demo clock is refused wherever settings.DEMO_CLOCK is off (only the demo's
    config/settings/local.py turns it on; production.py refuses to start with it). In the demo, platform staff
    and anyone whose organisation plays a role on a deal may move it; None is a command run on the server
    (load_kaixin). It is not one of USE_CASES: no contract clause or staff permission gives it, the demo does."""
    if not settings.DEMO_CLOCK:
        raise NotAllowed(
            _("There is no demo clock here: contract dates follow today's date in Beijing (Asia/Shanghai).")
        )
    if user is None:
        return
    signed_in = user.is_authenticated and user.is_active
    if not (signed_in and (is_platform_staff(user) or _plays_a_role(user))):
        raise NotAllowed(_("Only the demo's people and platform staff may move the demo clock."))


def _plays_a_role(user) -> bool:
    """The person's organisation plays a role on some deal now (SPA 9 visibility, any deal)."""
    return (
        bool(user.organisation_id)
        and DealParty.objects.filter(organisation_id=user.organisation_id, ended_at__isnull=True).exists()
    )
