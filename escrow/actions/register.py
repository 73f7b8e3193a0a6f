"""Changing the deal's signatory register (issue 10 item 1; who signs for EA 3.1(b), who approves for EA 3.2).

Four eyes and a cooling-off period: a change is proposed by a current signatory of the party (the first
signatory of a party by an escrow-agent officer, from the signed agreement), confirmed by an escrow-agent
officer other than the proposer, and takes effect at the later of the confirmation and the end of the
cooling-off period (SIGNATORY_COOLING_OFF_HOURS after the proposal). Every party is notified at the proposal
and any of them may object until the change takes effect; an objection cancels it. Staff and superuser
accounts never take part and are never on a register.

No sweep: confirmation writes the moment of effect on the entry (escrow.models.register, "active").
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from escrow.actions.base import lock_deal, record
from escrow.contract.errors import InvalidInput, NotAllowed, NotFound, WrongState
from escrow.contract.moments import beijing_clock
from escrow.models import DealParty, HistoryAction, RegisterChange, Role, Signatory
from escrow.models.deal import CONTRACT_PARTIES
from escrow.notifications.notify import notify_roles
from escrow.notifications.texts import LowerFirst, Named, Text
from escrow.usecases.permissions import is_platform_staff, require

CLAUSE = "EA 3.1(b), 3.2"
BEIJING = ZoneInfo("Asia/Shanghai")


def cooling_off() -> timedelta:
    return timedelta(hours=settings.SIGNATORY_COOLING_OFF_HOURS)


@transaction.atomic
def propose_signatory(actor, deal, party, person, *, title, phone, email="", specimen="", name=""):
    """Propose adding `person` to `party`'s register: by a current signatory of that party, or, while the
    party has none, by an escrow-agent officer from the signed agreement."""
    deal = lock_deal(deal.pk)
    acting = _acting_party(actor, deal, "propose_signatory")
    party = _contract_party(deal, party)
    now = timezone.now()
    from_agreement = _check_proposer(actor, acting, party, now)
    entry = _new_entry(deal, party, person, title=title, phone=phone, email=email, specimen=specimen, name=name)
    return _propose(actor, acting, entry, RegisterChange.Kind.ADD, at=now, from_agreement=from_agreement)


@transaction.atomic
def propose_signatory_removal(actor, deal, signatory_id, *, reason):
    """Propose taking a signatory off the register: by a current signatory of the same party."""
    deal = lock_deal(deal.pk)
    acting = _acting_party(actor, deal, "propose_signatory_removal")
    entry = _entry(deal, signatory_id)
    now = timezone.now()
    if not _is_active(actor, entry.party, now):
        raise NotAllowed(
            _("Only a current signatory of %(organisation)s may propose removing one of its signatories (%(clause)s).")
            % {"organisation": entry.party.organisation, "clause": CLAUSE}
        )
    if not entry.is_active_at(now) or entry.removed_at is not None or entry.changes.filter(state="proposed").exists():
        raise WrongState(
            _("%(name)s is not an active signatory without a pending change; object to a pending change instead.")
            % {"name": entry.name}
        )
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Say why the signatory is to be removed."))
    return _propose(actor, acting, entry, RegisterChange.Kind.REMOVE, at=now, reason=reason)


@transaction.atomic
def confirm_register_change(actor, change_id):
    """Four eyes: an escrow-agent officer other than the proposer confirms; the change takes effect at the
    later of now and the end of the cooling-off period."""
    change = _locked_change(change_id)
    deal = change.deal
    acting = _acting_party(actor, deal, "confirm_register_change")
    if change.state != RegisterChange.State.PROPOSED:
        raise WrongState(
            _("This change is %(state)s; nothing to confirm.") % {"state": change.get_state_display().lower()}
        )
    if change.proposed_by_id == actor.pk:
        raise NotAllowed(
            _("You proposed this change; an escrow-agent officer other than the proposer must confirm it.")
        )
    now = timezone.now()
    effect = max(now, change.cooling_off_ends_at)
    change.confirm(actor, now, effect)
    change.save()
    entry = change.signatory
    if change.kind == RegisterChange.Kind.ADD:
        entry.effective_at = effect
    else:
        entry.removed_at = effect
    entry.save(update_fields=["effective_at", "removed_at"])
    record(
        deal,
        action=HistoryAction.REGISTER_CHANGE_CONFIRMED,
        actor=actor,
        party=acting,
        clause=CLAUSE,
        summary=f"{actor} confirmed the {_kind_en(change)} of {entry.name} ({entry.party.organisation}); "
        f"takes effect {beijing(effect)}",
        details=_details(change, takes_effect_at=effect),
    )
    return change


@transaction.atomic
def object_to_register_change(actor, change_id, *, reason):
    """Any party may object until the change takes effect; the objection cancels it, with its reason."""
    change = _locked_change(change_id)
    deal = change.deal
    acting = _acting_party(actor, deal, "object_to_register_change")
    now = timezone.now()
    if not change.is_pending(now):
        raise WrongState(_("This change has already taken effect or was cancelled; propose a new change instead."))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Say why you object to this change."))
    change.cancel_by_objection(actor, now, reason)
    change.save()
    entry = change.signatory
    if change.kind == RegisterChange.Kind.ADD:
        entry.effective_at, entry.removed_at = None, now  # never took effect
    else:
        entry.removed_at = None  # stays on the register
    entry.save(update_fields=["effective_at", "removed_at"])
    record(
        deal,
        action=HistoryAction.REGISTER_CHANGE_OBJECTED,
        actor=actor,
        party=acting,
        clause=CLAUSE,
        summary=f"{actor} objected to the {_kind_en(change)} of {entry.name} ({entry.party.organisation}); "
        f"the change is cancelled: {reason}",
        details=_details(change, objection=reason),
    )
    _notify(
        change,
        "objected",
        gettext_lazy("%(deal)s: the %(change)s of %(name)s (%(party)s) was cancelled by an objection"),
    )
    return change


@transaction.atomic
def record_agreement_register(proposer, confirmer, deal, people):
    """The initial register from the signed agreement (seed and fixtures): `proposer`, an escrow-agent officer,
    proposes each person of `people` (a list of dicts: person, title, phone, optional email, name, specimen)
    as of the agreement's effective date (the deal's terms, Kaixin: 2 Dec 2025), and `confirmer`, another
    officer, confirms now. The cooling-off period runs from that date, so the entries are in effect once it has
    passed; the history records both moments. Only for parties with no live entry: the register's first
    signatories, never a change of an existing register."""
    deal = lock_deal(deal.pk)
    acting = _acting_party(proposer, deal, "propose_signatory")
    if acting.role != Role.ESCROW_AGENT:
        raise NotAllowed(_("The register is recorded from the signed agreement by an escrow-agent officer only."))
    signed = _start_of(deal.effective_date)  # the agreement's date, never a time the caller chooses
    at = min(signed, timezone.now())
    changes, registered = [], set(Signatory.objects.filter(deal=deal).live().values_list("party_id", flat=True))
    for item in people:
        party = _party_of(deal, item["person"])
        if party.pk in registered:
            raise WrongState(
                _("%(organisation)s already has a register; change it by proposal and confirmation.")
                % {"organisation": party.organisation}
            )
        entry = _new_entry(deal, party, item["person"], **{k: v for k, v in item.items() if k != "person"})
        changes.append(_propose(proposer, acting, entry, RegisterChange.Kind.ADD, at=at, from_agreement=True))
    return [confirm_register_change(confirmer, change.pk) for change in changes]


def beijing(moment) -> str:
    """A moment as the history and notifications show it: Beijing time, labelled."""
    return f"{beijing_clock(moment)} Beijing time"


# --- checks -----------------------------------------------------------------------------------------


def _acting_party(actor, deal, action):
    if actor is None or not actor.is_authenticated:
        raise NotFound(_("No such deal."))
    party = require(actor, deal, action)
    if is_platform_staff(actor):
        raise NotAllowed(
            _("Platform staff and superuser accounts take no part in a deal's signatory register (%(clause)s).")
            % {"clause": CLAUSE}
        )
    return party


def _check_proposer(actor, acting, party, now) -> bool:
    """True when this is the party's first signatory, proposed by the escrow agent from the agreement."""
    if _is_active(actor, party, now):
        return False
    if not Signatory.objects.filter(party=party).active(now).exists() and acting.role == Role.ESCROW_AGENT:
        return True
    raise NotAllowed(
        _(
            "Only a current signatory of %(organisation)s may propose a signatory for it; while it has none, "
            "an escrow-agent officer records the first one from the signed agreement (%(clause)s)."
        )
        % {"organisation": party.organisation, "clause": CLAUSE}
    )


def _is_active(user, party, at) -> bool:
    return Signatory.objects.filter(party=party, person=user).active(at).exists()


def _contract_party(deal, party):
    party = DealParty.objects.select_related("organisation").filter(pk=getattr(party, "pk", party), deal=deal).first()
    if party is None or party.ended_at is not None or party.role not in CONTRACT_PARTIES:
        raise NotFound(_("No such party on this deal."))
    return party


def _party_of(deal, person):
    party = DealParty.objects.select_related("organisation").filter(
        deal=deal, organisation_id=person.organisation_id, ended_at__isnull=True, role__in=CONTRACT_PARTIES
    )
    if not party.exists():
        raise InvalidInput(_("%(person)s is not a person of any contracting party of this deal.") % {"person": person})
    return party.first()


def _new_entry(deal, party, person, *, title, phone, email="", specimen="", name=""):
    if person is None:
        raise InvalidInput(_("Choose the person to put on the register."))
    if is_platform_staff(person):
        raise NotAllowed(
            _("%(person)s is a platform staff or superuser account and can never be on a signatory register.")
            % {"person": person}
        )
    if not person.is_active or person.organisation_id != party.organisation_id:
        raise InvalidInput(
            _("%(person)s is not an active person of %(organisation)s; only its own people can sign for it.")
            % {"person": person, "organisation": party.organisation}
        )
    if Signatory.objects.filter(party=party, person=person).live().exists():
        raise WrongState(_("%(person)s is already on the register or proposed for it.") % {"person": person})
    title, phone = (title or "").strip(), (phone or "").strip()
    if not title or not phone:
        raise InvalidInput(_("Enter the signatory's title and a telephone number the escrow agent can call back."))
    return Signatory.objects.create(
        deal=deal,
        party=party,
        person=person,
        name=(name or "").strip() or person.get_full_name() or person.username,
        title=title[:200],
        phone=phone[:50],
        email=(email or "").strip() or person.email,
        specimen=specimen or "",
    )


def _entry(deal, signatory_id):
    entry = Signatory.objects.select_related("party__organisation").filter(pk=signatory_id, deal=deal).first()
    if entry is None:
        raise NotFound(_("No such signatory on this deal."))
    return entry


def _locked_change(change_id):
    deal_id = RegisterChange.objects.filter(pk=change_id).values_list("deal_id", flat=True).first()
    if deal_id is None:
        raise NotFound(_("No such register change."))
    deal = lock_deal(deal_id)
    change = (
        RegisterChange.objects.select_for_update().select_related("signatory__party__organisation").get(pk=change_id)
    )
    change.deal = deal
    return change


# --- writing ----------------------------------------------------------------------------------------


def _propose(actor, acting, entry, kind, *, at, from_agreement=False, reason=""):
    change = RegisterChange.objects.create(
        deal=entry.deal,
        party=entry.party,
        signatory=entry,
        kind=kind,
        from_agreement=from_agreement,
        reason=reason,
        proposed_by=actor,
        proposed_at=at,
        cooling_off_ends_at=at + cooling_off(),
    )
    source = " from the signed agreement" if from_agreement else ""
    record(
        entry.deal,
        action=HistoryAction.REGISTER_CHANGE_PROPOSED,
        actor=actor,
        party=acting,
        clause=CLAUSE,
        summary=f"{actor} proposed the {_kind_en(change)} of {entry.name} ({entry.title}) for "
        f"{entry.party.organisation}{source}; cooling-off ends {beijing(change.cooling_off_ends_at)}",
        details=_details(change),
    )
    _notify(
        change,
        "proposed",
        gettext_lazy(
            "%(deal)s: %(change)s of %(name)s (%(party)s) on the signatory register proposed; "
            "you may object until it takes effect, not before %(until)s (Beijing time)"
        ),
    )
    return change


def _details(change, **extra):
    entry = change.signatory
    return {
        "change": change.pk,
        "kind": change.kind,
        "signatory": entry.pk,
        "person": entry.person_id,
        "party": entry.party_id,
        "role": entry.party.role,
        "name": entry.name,
        "title": entry.title,
        "phone": entry.phone,
        "email": entry.email,
        "proposed_by": change.proposed_by_id,
        "proposed_at": change.proposed_at,
        "from_agreement": change.from_agreement,
        "reason": change.reason,
        "cooling_off_ends_at": change.cooling_off_ends_at,
        **extra,
    }


def _notify(change, step, subject):
    entry = change.signatory
    notify_roles(
        change.deal,
        CONTRACT_PARTIES,
        key=f"register:{change.pk}:{step}",
        clause=CLAUSE,
        subject=Text(
            subject,
            deal=change.deal.name,
            change=LowerFirst(RegisterChange.Kind(change.kind).label),  # lazy: each reader's language
            name=entry.name,
            party=Named.of(entry.party),
            until=beijing_clock(change.cooling_off_ends_at),
        ),
    )


def _kind_en(change) -> str:
    return "addition" if change.kind == RegisterChange.Kind.ADD else "removal"


def _start_of(day) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=BEIJING)
