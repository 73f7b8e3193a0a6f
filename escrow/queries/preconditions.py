"""What must hold, beyond the role table and the register, before an action may run: the state of the deal,
year or document, four eyes, "already signed", the approved firm, the call-back (issue 12 item 3).

One rule, one place: each action calls its check here after taking its locks, and raises what the check
raises; escrow.queries.available asks the very same checks, without running anything, so a page offers an
action exactly when the action would accept it. A check raises a DomainError whose message says what
happened (in the reader's language) or returns nothing; it never looks at what a person typed in a form
(amounts, hashes, passwords: those are the action's own input checks).
"""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from escrow.contract.errors import DomainError, InvalidInput, NotAllowed, NotFound, WrongState
from escrow.contract.fees import started_years, year_of
from escrow.contract.moments import beijing_clock
from escrow.models import Deal, DealParty, FeeInvoice, Instrument, Role, TrancheState
from escrow.models.clock import contract_today
from escrow.models.tranche import HOLDABLE
from escrow.queries import reports
from escrow.queries.callbacks import call_back_status, effective_instruction
from escrow.queries.fees import escrow_period, years_to_invoice
from escrow.queries.holdings import contract_now
from escrow.queries.quantities import rebase_sources

S = TrancheState
BEIJING = ZoneInfo(settings.CONTRACT_TIME_ZONE)
# SPA 5.3: a pending release, held or not, may be adjusted.
ADJUSTABLE = (*HOLDABLE, S.DISPUTED, S.SUSPENDED)
# Issue 10 item 2: the call-back is made once the instruction is effective and before the approval.
CALL_BACK_STATES = (S.INSTRUCTED, S.RELEASE_PREPARED)


def beijing_minute(moment) -> str:
    """A moment as a refusal names it: Beijing time to the minute (the words say "Beijing time")."""
    return beijing_clock(moment)  # one way to write a moment (escrow.contract.moments)


def expect_state(obj, *states, doing):
    """WrongState unless `obj` (a deal or a tranche) is in one of `states`; `doing` is a translated phrase
    ("approve the release"). The message names the state it is in now."""
    if obj.state not in states:
        labels = ", ".join(str(s.label) if hasattr(s, "label") else str(s) for s in states)
        raise WrongState(
            _("Cannot %(doing)s: the %(thing)s is %(state)s (needs: %(needs)s).")
            % {
                "doing": doing,
                "thing": obj._meta.verbose_name,
                "state": obj.get_state_display().lower(),
                "needs": labels.lower(),
            }
        )


# --- the deal (EA 1.1, SPA 4.2, SPA 5.2(1)) ------------------------------------------------------------


def deposit_pending(deal):
    """EA 1.1: the deposit is confirmed once."""
    expect_state(deal, Deal.State.AWAITING_DEPOSIT, doing=_("confirm the deposit"))


def returnable(deal):
    """SPA 5.2(1): what is left goes back for cancellation once, after the last year is released."""
    expect_state(deal, Deal.State.IN_ESCROW, doing=_("return shares for cancellation"))
    open_years = deal.tranches.exclude(state=S.RELEASED).values_list("year", flat=True)
    if open_years:
        raise WrongState(
            _(
                "Years %(years)s are not released yet; the agreement expires only after the last "
                "year is settled (SPA 5.2(1))."
            )
            % {"years": ", ".join(map(str, open_years))}
        )


APPROVE_AUDITOR = gettext_lazy("approve an accounting firm")


def escrow_open(deal, doing):
    """SPA 5.2(1): once the escrow has closed there is no year left to report on, approve a firm for or release."""
    expect_state(deal, Deal.State.AWAITING_DEPOSIT, Deal.State.IN_ESCROW, doing=doing)


def approved_firm(deal, organisation_id, at):
    """The auditor party of that organisation if the issuer approved it before `at` (SPA 4.2), else None."""
    party = DealParty.objects.filter(
        deal=deal, organisation_id=organisation_id, role=Role.AUDITOR, ended_at__isnull=True
    ).first()
    if party is None:
        raise NotFound(_("No such deal."))
    return party if party.approved_at and party.approved_at <= at else None


# --- the year: report, instruction, the four-eyes transfer (SPA 4.2, 5.1; EA 3.1, 3.2) ---------------


def firm_approved(deal, party, now=None):
    """SPA 4.2: a report counts only from a firm the issuer approved before it is filed."""
    if approved_firm(deal, party.organisation_id, now or timezone.now()) is None:
        raise NotAllowed(
            _(
                "%(organisation)s has not been approved by the issuer; a report counts only from a "
                "firm approved before it is filed (SPA 4.2)."
            )
            % {"organisation": party.organisation},
            clause="SPA 4.2",
        )


def report_due(tranche, party, now=None):
    """SPA 4.2, EA 3.1(a): only a firm the issuer approved files, once the year is open, in year order."""
    firm_approved(tranche.deal, party, now)
    expect_state(tranche, S.AWAITING_REPORT, doing=_("file the report"))
    missing = tranche.deal.tranches.filter(year__lt=tranche.year, audited_revenue__isnull=True)
    if missing.exists():
        years = ", ".join(str(y) for y in missing.values_list("year", flat=True))
        raise WrongState(
            _("Year %(years)s has no audited report yet; offsets run in year order (SPA 5.2(2)).") % {"years": years}
        )


def correctable(tranche, party):
    """Issue 12 item 8 (SPA 4.2, EA 3.1(a)): the firm that filed the year's report may correct it while nobody
    has signed for the year and no later report reads its revenue (escrow.queries.reports.correction_blocked)."""
    firm_approved(tranche.deal, party)
    blocked = reports.correction_blocked(tranche)
    if blocked == reports.NO_REPORT:
        raise WrongState(_("Year %(year)s has no report to correct; file it instead.") % {"year": tranche.year})
    if blocked == reports.SIGNED_OR_MOVED:
        raise WrongState(
            _(
                "The report for year %(year)s can no longer be corrected: a party has signed for this year or "
                "the year has moved on (it is %(state)s). If the figure is wrong, raise a dispute over the "
                "quantity (EA 3.3) and settle it, or propose an adjustment (SPA 5.3)."
            )
            % {"year": tranche.year, "state": tranche.get_state_display().lower()},
            clause="EA 3.3",
        )
    if blocked == reports.LATER_REPORT:
        raise WrongState(
            _(
                "A later year's report is filed and its offsets read this year's revenue (SPA 5.2(2)); the "
                "figure can no longer be corrected here. Raise a dispute (EA 3.3) or propose an adjustment "
                "(SPA 5.3)."
            )
        )
    current = reports.report_in_force(tranche)
    if current.firm_id != party.pk:
        raise NotAllowed(
            _("Only %(firm)s, which filed the report, may correct it (SPA 4.2).") % {"firm": current.firm.organisation},
            clause="SPA 4.2, EA 3.1(a)",
        )


# The clause each kind of document is signed under (EA 3.1(b), EA 3.3, SPA 5.3); escrow.actions.instruments reads it.
INSTRUMENT_CLAUSE = {
    Instrument.Kind.JOINT_INSTRUCTION: "EA 3.1(b)",
    Instrument.Kind.SETTLEMENT: "EA 3.3",
    Instrument.Kind.ADJUSTMENT: "SPA 5.3",
}


def declinable(instrument, party):
    """Issue 12 item 8: a required party that has neither signed nor declined this open document may decline."""
    if instrument.status != Instrument.Status.OPEN:
        raise WrongState(
            _("This document is %(status)s; there is nothing to decline.")
            % {"status": instrument.get_status_display().lower()}
        )
    if party.role not in instrument.required_roles:
        clause = INSTRUMENT_CLAUSE.get(instrument.kind, "")
        raise NotAllowed(
            _("%(role)s is not a signatory of this document (%(clause)s).")
            % {"role": party.get_role_display(), "clause": clause},
            clause=clause,
        )
    if instrument.signatures.filter(party=party).exists():
        raise WrongState(
            _(
                "%(organisation)s has already signed this document; a signature is not withdrawn by declining. "
                "If the quantity is wrong, raise a dispute (EA 3.3)."
            )
            % {"organisation": party.organisation}
        )
    earlier = instrument.declines.filter(party=party).first()
    if earlier is not None:
        raise WrongState(
            _("%(organisation)s already declined this document on %(day)s; its reason stands until it signs.")
            % {"organisation": party.organisation, "day": timezone.localtime(earlier.declined_at, BEIJING).date()}
        )


def signable(instrument, tranche, party, actor, clause):
    """EA 3.1(b), EA 3.3, SPA 5.3: an open document, signed once per required party and by a person once;
    a joint instruction only while the year awaits it."""
    if instrument.status not in (Instrument.Status.OPEN, Instrument.Status.EFFECTIVE):
        raise WrongState(
            _("This document is %(status)s; sign the current one.")
            % {"status": instrument.get_status_display().lower()}
        )
    if instrument.status == Instrument.Status.EFFECTIVE:
        raise WrongState(
            _("This document was signed by every required party and took effect on %(when)s (Beijing time).")
            % {"when": beijing_minute(instrument.effective_at) if instrument.effective_at else "—"}
        )
    signatures = list(instrument.signatures.all())
    mine = next((s for s in signatures if s.signer_id == actor.pk), None)
    if mine is not None:
        raise InvalidInput(
            _(
                "You already signed this document on %(when)s (Beijing time) for %(organisation)s; one person "
                "signs for one party only."
            )
            % {"when": beijing_minute(mine.signed_at), "organisation": mine.party.organisation}
        )
    if party.role not in instrument.required_roles:
        raise NotAllowed(
            _("%(role)s is not a signatory of this document (%(clause)s).")
            % {"role": party.get_role_display(), "clause": clause}
        )
    ours = next((s for s in signatures if s.party_id == party.pk), None)
    if ours is not None:
        raise WrongState(
            _("%(organisation)s already signed this document: %(signer)s on %(when)s (Beijing time).")
            % {"organisation": party.organisation, "signer": ours.signer, "when": beijing_minute(ours.signed_at)}
        )
    if instrument.kind == Instrument.Kind.JOINT_INSTRUCTION and tranche.state != S.AWAITING_INSTRUCTION:
        raise WrongState(
            _("The tranche is %(state)s; the instruction cannot be signed now.")
            % {"state": tranche.get_state_display().lower()}
        )
    if instrument.kind != Instrument.Kind.JOINT_INSTRUCTION and tranche.state not in ADJUSTABLE:
        # EA 3.3, SPA 5.3: a settlement or adjustment changes a pending release; a released year has none.
        raise WrongState(
            _("The tranche is %(state)s; this agreement cannot be signed now.")
            % {"state": tranche.get_state_display().lower()}
        )


def preparable(tranche):
    """EA 3.2: officer 1 prepares the transfer of a year whose joint instruction took effect."""
    expect_state(tranche, S.INSTRUCTED, doing=_("prepare the release"))


def withdrawable(tranche):
    """EA 3.2 four eyes: a preparation can be sent back while it waits for the second officer."""
    expect_state(tranche, S.RELEASE_PREPARED, doing=_("send the preparation back"))


def approvable(tranche, actor):
    """EA 3.2: a second, different officer approves a prepared transfer whose instruction a call-back
    confirmed (or the deal waives the call-back). Returns the confirmed call-back, or None when waived."""
    expect_state(tranche, S.RELEASE_PREPARED, doing=_("approve the release"))
    if tranche.prepared_by_id == actor.pk:
        raise NotAllowed(_("You prepared this release; a second, different officer must approve it (four eyes)."))
    return call_back_for_approval(tranche, effective_instruction(tranche))


def call_back_for_approval(tranche, instruction):
    """Issue 10 item 2 (EA 3.2 four eyes plus the banks' call-back practice): the confirmed call-back the
    approval relies on, or None when the deal waives it; refused when there is none for this instruction
    or a signatory denied it."""
    status = call_back_status(tranche)
    if status.waived:
        return None
    if status.denied is not None:
        raise WrongState(
            _(
                "%(name)s did not confirm this instruction on the call-back; it cannot be approved. Send the "
                "preparation back and raise a dispute until the parties sign a new instruction (EA 3.3)."
            )
            % {"name": status.denied.signatory.name},
            clause="EA 3.2",
        )
    confirmed = status.confirmed
    if confirmed is None or instruction is None or confirmed.instrument_sha256 != instruction.document.sha256:
        raise WrongState(
            _(
                "Record a confirmed call-back first: an officer must call a registered signatory of the issuer "
                "or the purchaser, other than the one who signed last, and confirm this instruction (EA 3.2)."
            ),
            clause="EA 3.2",
        )
    return confirmed


def call_back_due(tranche):
    """Issue 10 item 2: a call-back confirms the effective instruction, before the approval. Returns it."""
    expect_state(tranche, *CALL_BACK_STATES, doing=_("record a call-back"))
    instruction = effective_instruction(tranche)
    if instruction is None:
        raise WrongState(_("There is no signed joint instruction to confirm (EA 3.1(b))."), clause="EA 3.1(b)")
    return instruction


# --- holds and changes (EA 3.3, SPA 8.1, SPA 5.3, SPA 10.2) ----------------------------------------------


HOLD_DOING = {"raise_dispute": gettext_lazy("raise a dispute"), "suspend_release": gettext_lazy("suspend the release")}


def holdable(tranche, action):
    """EA 3.3, SPA 8.1: only a pending release can be disputed ("raise_dispute") or suspended
    ("suspend_release")."""
    expect_state(tranche, *HOLDABLE, doing=HOLD_DOING[action])


def suspended(tranche):
    expect_state(tranche, S.SUSPENDED, doing=gettext_lazy("lift the suspension"))


def needs_settlement(tranche) -> bool:
    return tranche.state == S.DISPUTED or (
        tranche.state == S.AWAITING_INSTRUCTION and bool(tranche.calculation.get("requires_settlement"))
    )


def settleable(tranche):
    """EA 3.3, P5: a settlement settles a dispute, or a missed year under `settlement-only`."""
    if not needs_settlement(tranche):
        raise WrongState(
            _(
                "A settlement is needed only while the quantity is disputed (EA 3.3) or the policy "
                "requires one for a missed target (P5)."
            )
        )


def adjustable(tranche):
    """SPA 5.3: the quantity and timing of a pending release change by written agreement of all."""
    if tranche.state not in ADJUSTABLE:
        raise WrongState(
            _("The tranche is %(state)s; only a pending release can be adjusted.")
            % {"state": tranche.get_state_display().lower()}
        )


def disputed(tranche):
    """EA 3.3, SPA 10.2: an award resolves a dispute."""
    if tranche.state != S.DISPUTED:
        raise WrongState(_("An award resolves a dispute; this tranche is not disputed."))


def fees_to_invoice(deal, today=None):
    """EA 4.4, EA 2: a started escrow year has no fee invoice yet (the period starts with the deposit)."""
    expect_state(deal, Deal.State.IN_ESCROW, Deal.State.CLOSED, doing=_("issue escrow fee invoices"))
    today = today or contract_today()
    if not years_to_invoice(deal, today):
        start, end = escrow_period(deal)
        if end is not None:
            raise WrongState(
                _("Every started escrow year is invoiced (EA 4.4); the escrow period ended on %(end)s (EA 2).")
                % {"end": end.isoformat()},
                clause="EA 4.4",
            )
        following = year_of(start, len(started_years(start, today)) + 1).start
        raise WrongState(
            _("Every started escrow year is invoiced (EA 4.4); the next escrow year starts on %(day)s.")
            % {"day": following.isoformat()},
            clause="EA 4.4",
        )


def fee_unpaid(deal, invoice=None):
    """EA 4.4: a payment is recorded once, on an issued invoice not yet paid."""
    unpaid = FeeInvoice.objects.filter(deal=deal, paid_on__isnull=True)
    if invoice is not None:
        unpaid = unpaid.filter(pk=invoice.pk)
    if not unpaid.exists():
        raise WrongState(
            _("Invoice %(number)s is already paid.") % {"number": invoice.number}
            if invoice is not None
            else _("No escrow fee invoice is waiting for payment (EA 4.4)."),
            clause="EA 4.4",
        )


# --- corporate actions (issue 14 item 4) ---------------------------------------------------------------

# A year whose quantity is fixed in shares of before the action (computed, instructed, signed, held) but not
# released: its documents name old shares, so the action is confirmed once they are released (or changed by
# an adjustment, SPA 5.3), never silently rebased under a signed instrument.
FIXED_UNRELEASED = (
    S.REPORT_FILED,
    S.AWAITING_INSTRUCTION,
    S.INSTRUCTED,
    S.RELEASE_PREPARED,
    S.DISPUTED,
    S.SUSPENDED,
)


def pending_corporate_action(deal):
    return deal.corporate_actions.filter(state="proposed").first()


def corporate_action_proposable(deal):
    """Issue 14 item 4: while shares are in escrow, one proposal at a time."""
    expect_state(deal, Deal.State.IN_ESCROW, doing=_("propose a split or consolidation"))
    if pending_corporate_action(deal) is not None:
        raise WrongState(_("A split or consolidation is already proposed; the escrow agent confirms it first."))


def corporate_action_confirmable(deal, today=None):
    """Issue 14 item 4: the proposal waiting, on or after its effective date, no year fixed in old shares."""
    pending = pending_corporate_action(deal)
    if pending is None:
        raise WrongState(_("No split or consolidation is waiting for confirmation."))
    expect_state(deal, Deal.State.IN_ESCROW, doing=_("confirm a split or consolidation"))
    today = today or contract_today()
    if pending.effective_date > today:
        raise WrongState(
            _("The split or consolidation takes effect on %(date)s; confirm it on or after that day.")
            % {"date": pending.effective_date.isoformat()}
        )
    rebases_in_day_order(deal, pending.effective_date)
    fixed = list(deal.tranches.filter(state__in=FIXED_UNRELEASED).values_list("year", flat=True))
    if fixed:
        raise WrongState(
            _(
                "Year(s) %(years)s have a quantity fixed in shares of before the action and not yet released: "
                "release them, or change their quantity by an adjustment (SPA 5.3), before confirming."
            )
            % {"years": ", ".join(map(str, fixed))}
        )
    return pending


def rebases_in_day_order(deal, day):
    """EA 4.2, SPA 3.2, SPA 8.2: a split, consolidation or stock dividend is counted on the shares in escrow as the
    ledger stands when it is recorded, and dated on the day it takes effect (rebase_sources). One taking effect
    before another already recorded would be counted on the later basis and dated before it (a negative or
    doubled size on the days between), so it is refused: the ledger's rebases are recorded in day order."""
    later = max((d for _deal, _key, d, _ratio in rebase_sources([deal.pk]) if d > day), default=None)
    if later is not None:
        raise WrongState(
            _(
                "A split, consolidation or stock dividend taking effect on %(later)s is already recorded. This one "
                "takes effect earlier (%(day)s) and cannot be recorded after it: each is counted on the shares in "
                "escrow on the day it takes effect (EA 4.2). Ask the platform's operators to correct the record."
            )
            % {"later": later.isoformat(), "day": day.isoformat()}
        )


# --- dividends and votes on the escrowed shares (issue 14 items 2, 3; SPA 3.2, EA 1.3) ---------------------


RECORD_DIVIDEND = gettext_lazy("record a dividend")
RECORD_MEETING = gettext_lazy("record a shareholder meeting")


def holding_shares(deal, doing):
    """SPA 3.2: dividends and meetings concern the shares while they are in escrow."""
    expect_state(deal, Deal.State.IN_ESCROW, doing=doing)


def _clause(exc):
    exc.clause = "SPA 3.2, EA 1.3"
    return exc


def dividend_payable(dividend):
    """EA 1.3: the agent records the pass-through of a cash dividend once, from its record date on; for a stock
    dividend, the new shares received into escrow, once, while no year's quantity is fixed in the shares of
    before it (its documents name those shares, as for a split, issue 14 item 4)."""
    if dividend.passed_at and dividend.kind != "cash":
        raise _clause(
            WrongState(
                _("The new shares were recorded received on %(day)s (reference %(reference)s).")
                % {"day": dividend.passed_on.isoformat(), "reference": dividend.pass_reference}
            )
        )
    if dividend.kind != "cash" and not dividend.passed_at:
        fixed = list(dividend.deal.tranches.filter(state__in=FIXED_UNRELEASED).values_list("year", flat=True))
        if fixed:
            raise _clause(
                WrongState(
                    _(
                        "Year(s) %(years)s have a quantity fixed in shares of before the dividend and not yet "
                        "released: release them, or change their quantity by an adjustment (SPA 5.3), before "
                        "recording the new shares."
                    )
                    % {"years": ", ".join(map(str, fixed))}
                )
            )
    if dividend.passed_at:
        raise _clause(
            WrongState(
                _("The dividend was passed through on %(day)s (reference %(reference)s).")
                % {"day": dividend.passed_on.isoformat(), "reference": dividend.pass_reference}
            )
        )
    if contract_today() < dividend.record_date:
        raise _clause(
            WrongState(
                _("The record date %(day)s has not come yet: the entitlement is not fixed.")
                % {"day": dividend.record_date.isoformat()}
            )
        )


def dividend_receivable(dividend):
    """SPA 3.2: the seller confirms receipt once the agent recorded the pass-through, once. A stock dividend's
    new shares stay in escrow with the tranches: nothing reaches the seller to confirm."""
    if dividend.kind != "cash":
        raise _clause(WrongState(_("A stock dividend's new shares stay in escrow and are released with the tranches.")))
    if not dividend.passed_at:
        raise _clause(WrongState(_("The escrow agent has not recorded paying this dividend to you yet.")))
    if dividend.receipt_confirmed_at:
        raise _clause(
            WrongState(
                _("Receipt was confirmed at %(moment)s (Beijing time).")
                % {"moment": beijing_minute(dividend.receipt_confirmed_at)}
            )
        )


def meeting_instructable(meeting):
    """SPA 3.2: the seller instructs the vote before the cut-off, and before the proxy is lodged."""
    if meeting.lodged_at:
        raise _clause(
            WrongState(
                _("The proxy was lodged on %(day)s (reference %(reference)s); the instruction can no longer change.")
                % {"day": meeting.lodged_on.isoformat(), "reference": meeting.lodged_reference}
            )
        )
    if contract_now() >= meeting.cut_off:
        raise _clause(
            WrongState(
                _("The cut-off for voting instructions was %(moment)s (Beijing time).")
                % {"moment": beijing_minute(meeting.cut_off)}
            )
        )


def proxy_lodgeable(meeting):
    """EA 1.3: the agent lodges the proxy once, as the seller instructed, from the record date on."""
    if meeting.lodged_at:
        raise _clause(
            WrongState(
                _("The proxy was lodged on %(day)s (reference %(reference)s).")
                % {"day": meeting.lodged_on.isoformat(), "reference": meeting.lodged_reference}
            )
        )
    if not meeting.instructions.exists():
        raise _clause(WrongState(_("The seller has given no voting instruction for this meeting.")))
    if contract_today() < meeting.record_date:
        raise _clause(
            WrongState(
                _("The record date %(day)s has not come yet: the shares to vote are not fixed.")
                % {"day": meeting.record_date.isoformat()}
            )
        )


def _any(rows, check, nothing):
    """A deal-level question for the pages: does any row pass `check`? Raise the first refusal (or `nothing`)."""
    first = None
    for row in rows:
        try:
            check(row)
        except DomainError as exc:
            first = first or exc
            continue
        return row
    raise first or _clause(WrongState(nothing))


def some_dividend_payable(deal):
    return _any(deal.dividends.order_by("record_date", "pk"), dividend_payable, _("No dividend awaits payment."))


def some_dividend_receivable(deal):
    return _any(
        deal.dividends.order_by("record_date", "pk"), dividend_receivable, _("No dividend awaits your confirmation.")
    )


def some_meeting_instructable(deal):
    return _any(
        deal.meetings.order_by("meeting_date", "pk"), meeting_instructable, _("No meeting takes instructions now.")
    )


def some_proxy_lodgeable(deal):
    return _any(deal.meetings.order_by("meeting_date", "pk"), proxy_lodgeable, _("No proxy awaits lodging."))
