"""Who plays which role: staff add a party, change its role or end it (each re-syncs who may see the
deal, SPA 9), and the issuer approves the accounting firm (SPA 4.2)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from escrow.actions.base import lock_deal, record
from escrow.actions.visibility import sync_deal_permissions
from escrow.contract.errors import InvalidInput, NotFound, WrongState
from escrow.models import DealParty, HistoryAction, Role
from escrow.notifications.texts import in_english
from escrow.queries import preconditions
from escrow.usecases.permissions import CONTRACT_PARTIES, require, require_staff
from parties.actions import PartiesError, add_organisation
from parties.models import Organisation

REASON_LENGTH = 2000


@transaction.atomic
def add_party(deal, organisation, role, *, by=None, contract_name=""):
    """Record an organisation's role on a deal (staff set-up; SPA parties, auditor, compliance).
    `by` is the staff member (escrow.add_dealparty); None is the platform's own set-up (load_kaixin).
    An auditor joins unapproved: only the issuer approves the firm (SPA 4.2, approve_auditor)."""
    deal = lock_deal(deal.pk)
    if by is not None:
        require_staff(by, "add_party")
    _check_role(role)
    earlier = DealParty.objects.filter(deal=deal, organisation=organisation).first()
    if earlier is not None and earlier.ended_at is None:
        raise InvalidInput(_("%(organisation)s already plays a role on this deal.") % {"organisation": organisation})
    if earlier is not None:
        raise InvalidInput(
            _("%(organisation)s's role on this deal ended on %(day)s; an organisation plays one role on a deal, once.")
            % {"organisation": organisation, "day": f"{earlier.ended_at:%Y-%m-%d}"}
        )
    _check_role_free(deal, role)
    limit = DealParty._meta.get_field("contract_name").max_length
    if len(contract_name) > limit:
        raise InvalidInput(
            _("%(field)s is longer than %(limit)s characters.")
            % {"field": str(DealParty._meta.get_field("contract_name").verbose_name).capitalize(), "limit": limit}
        )
    party = DealParty.objects.create(deal=deal, organisation=organisation, role=role, contract_name=contract_name)
    sync_deal_permissions(deal)
    record(
        deal,
        action=HistoryAction.PARTY_ADDED,
        actor=by,
        clause="SPA 9",
        summary=f"{organisation} joined as {in_english(party.get_role_display())}",
        details={"organisation": organisation.name, "role": role, "contract_name": contract_name},
    )
    return party


@transaction.atomic
def change_party_role(actor, party, role):
    """Staff move an organisation to another role on the deal (escrow.change_dealparty). Leaving the
    auditor role drops the issuer's approval; a firm becoming the auditor still needs it (SPA 4.2)."""
    deal = lock_deal(party.deal_id)
    require_staff(actor, "change_party_role")
    party = _current(deal, party)
    _check_role(role)
    if role == party.role:
        raise InvalidInput(
            _("%(organisation)s already plays that role on this deal.") % {"organisation": party.organisation}
        )
    _check_role_free(deal, role)
    before = _party_state(party)
    old_display = in_english(party.get_role_display())
    party.role = role
    if role != Role.AUDITOR:
        party.approved_at, party.approved_by = None, None
    party.save(update_fields=["role", "approved_at", "approved_by"])
    sync_deal_permissions(deal)
    record(
        deal,
        action=HistoryAction.PARTY_ROLE_CHANGED,
        actor=actor,
        clause="SPA 9",
        summary=f"{party.organisation} moved from {old_display} to {in_english(party.get_role_display())}",
        details={"organisation": party.organisation.name, "before": before, "after": _party_state(party)},
    )
    return party


@transaction.atomic
def end_party(actor, party, reason):
    """Staff end an organisation's role on the deal (escrow.change_dealparty): its people stop seeing the
    deal at once (SPA 9). The row stays, with when the role ended, for the history."""
    deal = lock_deal(party.deal_id)
    require_staff(actor, "end_party")
    party = _current(deal, party)
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise InvalidInput(_("Say why the role ends: every party reads it in the history."))
    if len(reason) > REASON_LENGTH:
        raise InvalidInput(_("The reason is longer than %(limit)s characters.") % {"limit": REASON_LENGTH})
    before = _party_state(party)
    party.ended_at = timezone.now()
    party.save(update_fields=["ended_at"])
    sync_deal_permissions(deal)
    record(
        deal,
        action=HistoryAction.PARTY_ENDED,
        actor=actor,
        clause="SPA 9",
        summary=f"{party.organisation}'s role as {in_english(party.get_role_display())} ended: {reason}",
        details={
            "organisation": party.organisation.name,
            "role": party.role,
            "reason": reason,
            "before": before,
            "after": _party_state(party),
        },
    )
    return party


def _current(deal, party):
    party = DealParty.objects.select_for_update().select_related("organisation").filter(pk=party.pk).first()
    if party is None or party.deal_id != deal.pk:
        raise NotFound(_("No such party on this deal."))
    if party.ended_at is not None:
        raise WrongState(
            _("%(organisation)s's role on this deal ended on %(day)s; nothing about it can change now.")
            % {"organisation": party.organisation, "day": f"{party.ended_at:%Y-%m-%d}"}
        )
    return party


def _check_role(role):
    if role not in Role.values:
        raise InvalidInput(
            _("Unknown role %(role)s; the roles are %(roles)s.") % {"role": role, "roles": ", ".join(Role.values)}
        )


def _check_role_free(deal, role):
    """One organisation per contract role on a deal (SPA parties A-D); ended roles keep theirs."""
    if role not in CONTRACT_PARTIES:
        return
    holder = DealParty.objects.filter(deal=deal, role=role).select_related("organisation").first()
    if holder is not None and holder.ended_at is None:
        raise InvalidInput(
            _("%(organisation)s is already the %(role)s of this deal; a deal has one.")
            % {"organisation": holder.organisation, "role": Role(role).label}
        )
    if holder is not None:
        raise InvalidInput(
            _(
                "%(organisation)s was the %(role)s of this deal until %(day)s; a deal keeps one "
                "organisation per contract role."
            )
            % {"organisation": holder.organisation, "role": Role(role).label, "day": f"{holder.ended_at:%Y-%m-%d}"}
        )


def _party_state(party):
    return {
        "role": party.role,
        "approved_at": party.approved_at,
        "approved_by": str(party.approved_by) if party.approved_by_id else "",
        "ended_at": party.ended_at,
    }


@transaction.atomic
def approve_auditor(actor, deal, organisation):
    """SPA 4.2: the issuer approves the accounting firm that confirms the targets."""
    deal = lock_deal(deal.pk)
    issuer = require(actor, deal, "approve_auditor")
    preconditions.escrow_open(deal, preconditions.APPROVE_AUDITOR)
    party = DealParty.objects.filter(deal=deal, organisation=organisation).first()
    if party is not None and party.ended_at is not None:
        raise InvalidInput(
            _("%(organisation)s's role on this deal ended on %(day)s; an organisation plays one role on a deal, once.")
            % {"organisation": organisation, "day": f"{party.ended_at:%Y-%m-%d}"}
        )
    if party is not None and party.role != Role.AUDITOR:
        raise InvalidInput(
            _("%(organisation)s is a %(role)s on this deal, not an accounting firm.")
            % {"organisation": organisation, "role": party.get_role_display()}
        )
    _check_accounting_firm(organisation)
    if party is None:
        party = DealParty.objects.create(deal=deal, organisation=organisation, role=Role.AUDITOR)
    if party.approved_at:
        raise InvalidInput(
            _("%(organisation)s was already approved on %(day)s.")
            % {"organisation": organisation, "day": f"{party.approved_at:%Y-%m-%d}"}
        )
    party.approved_at, party.approved_by = timezone.now(), actor
    party.save(update_fields=["approved_at", "approved_by"])
    sync_deal_permissions(deal)
    record(
        deal,
        action=HistoryAction.AUDITOR_APPROVED,
        actor=actor,
        party=issuer,
        clause="SPA 4.2",
        summary=f"{organisation} approved as the accounting firm",
        details={"organisation": organisation.name},
    )
    return party


@transaction.atomic
def approve_new_auditor(actor, deal, *, name, name_zh="", jurisdiction, registration_number=""):
    """SPA 4.2: the issuer approves an accounting firm not yet known to the portal; it is created first. A firm
    the portal already has under that legal name (one serving another deal, which the list never shows) is
    approved as it is, its record unchanged."""
    deal = lock_deal(deal.pk)
    require(actor, deal, "approve_auditor")
    known = _known_firm(name)
    if known is not None:  # a firm serving another deal is not offered in the list (SPA 9); its name finds it
        return approve_auditor(actor, deal, known)
    try:  # parties' own action validates and records the firm; the issuer's authority is SPA 4.2
        firm = add_organisation(
            actor,
            name=name,
            name_zh=name_zh,
            kind=Organisation.Kind.ACCOUNTING_FIRM,
            jurisdiction=jurisdiction,
            registration_number=registration_number,
            authority="SPA 4.2",
        )
    except PartiesError as exc:
        raise InvalidInput(exc.message) from None
    return approve_auditor(actor, deal, firm)


def _check_accounting_firm(organisation):
    """SPA 4.2 names an accounting firm: any other organisation is refused, on pages and the API alike. The
    message does not name it, so an organisation id tried through the API reveals nothing (SPA 9)."""
    if organisation.kind != Organisation.Kind.ACCOUNTING_FIRM:
        raise InvalidInput(
            _(
                "Only an accounting firm can be approved as the auditor (SPA 4.2); that organisation is not "
                "registered as one. Choose a firm from the list or enter the firm's details."
            )
        )


def _known_firm(name):
    """The accounting firm already in the portal under that legal name (case and spacing aside), if any."""
    name = " ".join(str(name or "").split())
    if not name:
        return None
    return Organisation.objects.filter(name__iexact=name, kind=Organisation.Kind.ACCOUNTING_FIRM).first()


approved_firm = preconditions.approved_firm  # SPA 4.2, read by the report's precondition (one place)
