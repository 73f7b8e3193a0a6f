"""Who plays which role: adding parties, and the issuer's approval of the accounting firm."""
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from escrow.contract.errors import InvalidInput, NotFound
from escrow.models import DealParty, Role
from escrow.actions.visibility import sync_deal_permissions
from escrow.usecases.permissions import require
from escrow.notifications.texts import in_english
from parties.models import Organisation

from escrow.actions.base import lock_deal, record


@transaction.atomic
def add_party(deal, organisation, role, *, by=None, contract_name="", approved_at=None):
    """Record an organisation's role on a deal (staff set-up; SPA parties, auditor, compliance)."""
    deal = lock_deal(deal.pk)
    if DealParty.objects.filter(deal=deal, organisation=organisation, ended_at__isnull=True).exists():
        raise InvalidInput(_("%(organisation)s already plays a role on this deal.") % {"organisation": organisation})
    party = DealParty.objects.create(deal=deal, organisation=organisation, role=role,
                                     contract_name=contract_name, approved_at=approved_at)
    sync_deal_permissions(deal)
    record(deal, action="party_added", actor=by, clause="SPA 9",
           summary=f"{organisation} joined as {in_english(party.get_role_display())}",
           details={"organisation": organisation.name, "role": role, "contract_name": contract_name})
    return party


@transaction.atomic
def approve_auditor(actor, deal, organisation):
    """SPA 4.2: the issuer approves the accounting firm that confirms the targets."""
    deal = lock_deal(deal.pk)
    issuer = require(actor, deal, "approve_auditor")
    party = DealParty.objects.filter(deal=deal, organisation=organisation, ended_at__isnull=True).first()
    if party is None:
        party = DealParty.objects.create(deal=deal, organisation=organisation, role=Role.AUDITOR)
    elif party.role != Role.AUDITOR:
        raise InvalidInput(_("%(organisation)s is a %(role)s on this deal, not an accounting firm.") % {
            "organisation": organisation, "role": party.get_role_display()})
    if party.approved_at:
        raise InvalidInput(_("%(organisation)s was already approved on %(day)s.") % {
            "organisation": organisation, "day": f"{party.approved_at:%Y-%m-%d}"})
    party.approved_at, party.approved_by = timezone.now(), actor
    party.save(update_fields=["approved_at", "approved_by"])
    sync_deal_permissions(deal)
    record(deal, action="auditor_approved", actor=actor, party=issuer, clause="SPA 4.2",
           summary=f"{organisation} approved as the accounting firm",
           details={"organisation": organisation.name})
    return party


@transaction.atomic
def approve_new_auditor(actor, deal, *, name, name_zh="", jurisdiction, registration_number=""):
    """SPA 4.2: the issuer approves an accounting firm not yet known to the portal; it is created first."""
    deal = lock_deal(deal.pk)
    require(actor, deal, "approve_auditor")
    name, name_zh = " ".join((name or "").split()), " ".join((name_zh or "").split())
    jurisdiction, registration_number = (jurisdiction or "").strip(), (registration_number or "").strip()
    if not name:
        raise InvalidInput(_("Enter the firm's legal name."))
    if not jurisdiction:
        raise InvalidInput(_("Enter the firm's jurisdiction."))
    if Organisation.objects.filter(name__iexact=name).exists():
        raise InvalidInput(_("An organisation named %(name)s already exists; choose it from the list instead.")
                           % {"name": name})
    limits = {f.name: f.max_length for f in Organisation._meta.fields if f.max_length}
    for field, value in (("name", name), ("name_zh", name_zh), ("jurisdiction", jurisdiction),
                         ("registration_number", registration_number)):
        if len(value) > limits[field]:
            raise InvalidInput(_("%(field)s is longer than %(limit)s characters.") % {
                "field": Organisation._meta.get_field(field).verbose_name, "limit": limits[field]})
    firm = Organisation.objects.create(name=name, name_zh=name_zh, kind=Organisation.Kind.ACCOUNTING_FIRM,
                                       jurisdiction=jurisdiction, registration_number=registration_number)
    return approve_auditor(actor, deal, firm)


def approved_firm(deal, organisation_id, at):
    party = DealParty.objects.filter(deal=deal, organisation_id=organisation_id, role=Role.AUDITOR,
                                     ended_at__isnull=True).first()
    if party is None:
        raise NotFound(_("No such deal."))
    return party if party.approved_at and party.approved_at <= at else None
