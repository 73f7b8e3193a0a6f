"""Dividends and votes on the escrowed shares (SPA 3.2, EA 1.3; issue 14 items 2, 3).

The seller keeps the dividend and voting rights on the shares in escrow; the escrow agent holds them without
owning them (EA 1.3) and helps the seller exercise those rights:
- the issuer records a dividend; the portal computes the seller's entitlement on the shares in escrow at the
  record date from the ledger (escrow.queries.holdings); the agent records the pass-through (date, reference,
  amount, any withholding) and the seller confirms receipt. A stock dividend's new shares are issued to the
  agent and stay in escrow: when the agent records them received (its pass-through step), they are allocated
  to the tranches (escrow.contract.holdings.stock_dividend_weights, allocate) and written as signed `rebase`
  movements, one per tranche that gets new shares, in the same transaction as the history entry. A stock
  dividend is the issuer's corporate action on the escrowed shares: like a split it changes the count held,
  so it is a rebase under the EA 4.2 guard, never a fifth kind of movement (the lead's decision, issue 14).
- the issuer records a shareholder meeting with its resolutions and a cut-off (default 5 business days before
  the meeting, 17:00 Beijing time); the seller instructs each resolution before the cut-off (a later
  instruction replaces an earlier one); the agent records the proxy lodged as instructed.
Each step is in the deal's history with its clause, and the parties concerned are told.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from escrow.actions.accrual import rebase_stored_days
from escrow.actions.base import lock_deal_for, lock_row_of, lock_tranches, record
from escrow.actions.movements import write_movement
from escrow.contract import holdings as rules
from escrow.contract.corporate_actions import FLOOR, stock_dividend_ratio
from escrow.contract.errors import InvalidInput
from escrow.contract.numbers import InputProblem, parse_amount, parse_iso_date
from escrow.models import Dividend, HistoryAction, Meeting, Role, ShareMovement, VotingInstruction
from escrow.notifications.notify import notify_roles
from escrow.notifications.texts import Text
from escrow.queries import preconditions
from escrow.queries.clock import contract_today
from escrow.queries.holdings import (
    BEIJING,
    STOCK_DIVIDEND_KEY,
    contract_now,
    default_cut_off,
    dividend_view,
    in_escrow_on,
    new_shares_allocation,
)
from escrow.queries.quantities import consideration_today, forget_rebases

CLAUSE = rules.CLAUSE
EVERY_PARTY = [Role.ISSUER, Role.PURCHASER, Role.SELLER, Role.ESCROW_AGENT]

DIVIDEND_RECORDED = gettext_lazy("%(deal)s: dividend recorded, record date %(record_date)s")
DIVIDEND_RECORDED_BODY = gettext_lazy(
    "%(per_share)s %(currency)s per share, payable %(payment_date)s. The seller's entitlement is computed on the "
    "shares in escrow at the record date (SPA 3.2, EA 1.3)."
)
DIVIDEND_PASSED = gettext_lazy("%(deal)s: dividend of record date %(record_date)s paid to the seller")
DIVIDEND_PASSED_BODY = gettext_lazy(
    "Paid %(amount)s %(currency)s on %(day)s, reference %(reference)s. Please confirm receipt (SPA 3.2)."
)
NEW_SHARES_RECEIVED = gettext_lazy(
    "%(deal)s: %(shares)s new shares of the stock dividend of record date %(record_date)s are in escrow"
)
NEW_SHARES_RECEIVED_BODY = gettext_lazy(
    "Received on %(day)s, reference %(reference)s. They follow the tranches still in escrow and are released "
    "with them (SPA 3.2, EA 1.3); the escrow agent holds them like the others and may not dispose of them (EA 4.2)."
)
DIVIDEND_RECEIVED = gettext_lazy(
    "%(deal)s: the seller confirmed receipt of the dividend of record date %(record_date)s"
)
MEETING_RECORDED = gettext_lazy("%(deal)s: shareholder meeting on %(meeting_date)s")
MEETING_RECORDED_BODY = gettext_lazy(
    "Record date %(record_date)s, %(count)s resolutions. The seller's voting instructions for the escrowed shares "
    "are due by %(cut_off)s Beijing time (SPA 3.2, EA 1.3)."
)
VOTE_INSTRUCTED = gettext_lazy("%(deal)s: the seller instructed the vote for the meeting on %(meeting_date)s")
PROXY_LODGED = gettext_lazy("%(deal)s: proxy lodged for the meeting on %(meeting_date)s, reference %(reference)s")


def _problem(message, field):
    problem = InvalidInput(message, clause=CLAUSE)
    problem.field = field
    return problem


def _date(value, field):
    try:
        return parse_iso_date(value)
    except InputProblem as exc:
        raise exc.translated(_, field=field, clause=CLAUSE) from None


def _amount(value, field):
    try:
        return parse_amount(value)
    except InputProblem as exc:
        raise exc.translated(_, field=field, clause=CLAUSE) from None


def _lock_dividend(deal, dividend_id):
    return lock_row_of(Dividend, deal, dividend_id, _("No such dividend."))


def _lock_meeting(deal, meeting_id):
    return lock_row_of(Meeting, deal, meeting_id, _("No such meeting."))


@transaction.atomic
def record_dividend(
    actor, deal, *, kind, declared_on, record_date, payment_date, per_share, currency="", stock_policy=""
):
    """SPA 3.2: the issuer records a dividend it declared; the seller's entitlement follows from the ledger."""
    deal, party = lock_deal_for(actor, deal, "record_dividend")
    preconditions.holding_shares(deal, preconditions.RECORD_DIVIDEND)
    if kind not in rules.DIVIDEND_KINDS:
        raise _problem(_("Choose a cash or a stock dividend."), "kind")
    declared_on = _date(declared_on, "declared_on")
    record_date = _date(record_date, "record_date")
    payment_date = _date(payment_date, "payment_date")
    if not declared_on <= record_date <= payment_date:
        raise _problem(_("The dates run declared, then record, then payment date."), "record_date")
    try:
        per_share = rules.parse_per_share(per_share)
    except (ValueError, TypeError):
        raise _problem(
            _("Enter the amount per share as a positive number with at most eight decimals (0.0125)."), "per_share"
        ) from None
    currency = (currency or "").strip().upper()
    if kind == rules.CASH and not (len(currency) == 3 and currency.isalpha() and currency.isascii()):
        raise _problem(_("Enter the currency as a three-letter code (USD)."), "currency")
    stock_policy = stock_policy or rules.DEFAULT_STOCK_DIVIDEND_POLICY
    if stock_policy not in rules.STOCK_DIVIDEND_POLICIES:
        raise _problem(_("Choose which tranches the new shares follow."), "stock_policy")
    dividend = Dividend.objects.create(
        deal=deal,
        kind=kind,
        declared_on=declared_on,
        record_date=record_date,
        payment_date=payment_date,
        per_share=per_share,
        currency=currency if kind == rules.CASH else "",
        stock_policy=stock_policy,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    view = dividend_view(dividend)
    details = {
        "dividend": dividend.pk,
        "kind": kind,
        "declared_on": declared_on.isoformat(),
        "record_date": record_date.isoformat(),
        "payment_date": payment_date.isoformat(),
        "per_share": str(per_share),
        "currency": dividend.currency,
        "shares_in_escrow_at_record_date": view.shares,
        "provisional": view.provisional,
    }
    if kind == rules.CASH:
        details["entitlement"] = str(view.cash)
        what = f"cash dividend of {per_share} {currency} per share"
    else:
        details |= {
            "new_shares": view.new_shares.as_dict(),
            "stock_policy": stock_policy,
            "allocation": {str(k): v for k, v in view.allocation.items()},
            "movement": "written as rebases when the escrow agent records the new shares received",
        }
        what = f"stock dividend of {per_share} new shares per share"
    record(
        deal,
        action=HistoryAction.DIVIDEND_RECORDED,
        actor=actor,
        party=party,
        clause=CLAUSE,
        summary=f"{actor} recorded a {what}, record date {record_date}, payable {payment_date}; "
        f"{view.shares:,} shares in escrow at the record date",
        details=details,
    )
    notify_roles(
        deal,
        EVERY_PARTY,
        key=f"dividend:{dividend.pk}:recorded",
        clause=CLAUSE,
        subject=Text(DIVIDEND_RECORDED, deal=deal.name, record_date=record_date.isoformat()),
        body=Text(
            DIVIDEND_RECORDED_BODY,
            per_share=str(per_share),
            currency=dividend.currency or _("new shares"),
            payment_date=payment_date.isoformat(),
        ),
    )
    return dividend


@transaction.atomic
def record_dividend_pass_through(
    actor, deal, dividend_id, *, paid_on, reference, amount="", withheld="", withholding_note=""
):
    """EA 1.3: the escrow agent records paying the seller its cash dividend; the entitlement is frozen. For a
    stock dividend: the agent records the new shares received into escrow, and the ledger gets them."""
    deal, party = lock_deal_for(actor, deal, "record_dividend_pass_through")
    dividend = _lock_dividend(deal, dividend_id)
    preconditions.dividend_payable(dividend)
    paid_on = _date(paid_on, "paid_on")
    if paid_on < dividend.record_date:
        raise _problem(_("The payment cannot be before the record date."), "paid_on")
    if paid_on > contract_today():
        raise _problem(_("The payment date cannot be after today."), "paid_on")
    reference = (reference or "").strip()
    if not reference:
        raise _problem(_("Enter the payment reference."), "reference")
    if dividend.kind == Dividend.Kind.SHARES:
        preconditions.rebases_in_day_order(deal, paid_on)  # the new shares count from their receipt (SPA 3.2)
        return _receive_new_shares(
            actor, deal, party, dividend, received_on=paid_on, reference=reference, shares=amount
        )
    amount = _amount(amount, "amount")
    withheld = _amount(withheld, "withheld") if str(withheld or "").strip() else None
    withholding_note = (withholding_note or "").strip()
    if withheld and not withholding_note:
        raise _problem(_("Say why the amount was withheld (tax, fees)."), "withholding_note")
    shares = in_escrow_on(deal, dividend.record_date)
    entitlement = rules.cash_entitlement(shares, dividend.per_share)
    dividend.entitled_shares, dividend.entitlement = shares, entitlement
    dividend.passed_on, dividend.pass_reference, dividend.paid_amount = paid_on, reference, amount
    dividend.withholding_amount, dividend.withholding_note = withheld, withholding_note
    dividend.passed_by, dividend.passed_at = actor, timezone.now()
    dividend.save()
    withheld_words = f"; withheld {withheld} {dividend.currency}: {withholding_note}" if withheld else ""
    record(
        deal,
        action=HistoryAction.DIVIDEND_PASSED_THROUGH,
        actor=actor,
        party=party,
        clause=CLAUSE,
        summary=f"{actor} recorded paying the seller {amount} {dividend.currency} on {paid_on} (reference "
        f"{reference}) for the dividend of record date {dividend.record_date}: entitlement {entitlement} "
        f"{dividend.currency} on {shares:,} shares{withheld_words}",
        details={
            "dividend": dividend.pk,
            "record_date": dividend.record_date.isoformat(),
            "shares_in_escrow_at_record_date": shares,
            "entitlement": str(entitlement),
            "currency": dividend.currency,
            "paid_on": paid_on.isoformat(),
            "reference": reference,
            "amount": str(amount),
            "withheld": str(withheld) if withheld is not None else None,
            "withholding_note": withholding_note,
        },
    )
    notify_roles(
        deal,
        [Role.SELLER, Role.ISSUER],
        key=f"dividend:{dividend.pk}:passed",
        clause=CLAUSE,
        subject=Text(DIVIDEND_PASSED, deal=deal.name, record_date=dividend.record_date.isoformat()),
        body=Text(
            DIVIDEND_PASSED_BODY,
            amount=str(amount),
            currency=dividend.currency,
            day=paid_on.isoformat(),
            reference=reference,
        ),
    )
    return dividend


def _receive_new_shares(actor, deal, party, dividend, *, received_on, reference, shares):
    """SPA 3.2, EA 1.3, EA 4.2: the new shares of a stock dividend enter the ledger as one signed `rebase` per
    tranche that gets some (fact key `stock-dividend:<dividend>:<year>`, the agent's reference), allocated by
    the dividend's policy over what remains in escrow per tranche. Conservation holds (deposited + rebased =
    released + returned + in escrow); each tranche still to be released grows by its new shares (its size is
    read from the ledger, escrow.queries.quantities.sizes_for); what was released is untouched."""
    tranches = lock_tranches(deal)
    entitled = in_escrow_on(deal, dividend.record_date)
    new = rules.share_entitlement(entitled, dividend.per_share)
    if str(shares or "").strip() and _amount(shares, "amount") != new.shares:
        raise _problem(
            _("The entitlement is %(shares)s new shares on the shares in escrow at the record date; enter that.")
            % {"shares": f"{new.shares:,}"},
            "amount",
        )
    allocation = new_shares_allocation(deal, dividend, new.shares, tranches)
    before, total_before = deal.movements.balances(), consideration_today(deal)
    by_year, rebases = {t.year: t for t in tranches}, []
    for year, quantity in allocation.items():
        if quantity:  # EA 4.2: a rebase, one of the four movements the agreement allows
            rebases.append({"tranche": by_year[year].pk, "year": year, "quantity": quantity})
            write_movement(
                deal=deal,
                tranche=by_year[year],
                kind=ShareMovement.Kind.REBASE,
                quantity=quantity,
                fact_key=f"{STOCK_DIVIDEND_KEY}:{dividend.pk}:{year}",
                reference=reference,
                actor=actor,
            )
    forget_rebases(deal)
    after = deal.movements.balances()
    dividend.entitled_shares, dividend.entitlement, dividend.paid_amount = entitled, new.shares, new.shares
    dividend.passed_on, dividend.pass_reference = received_on, reference
    dividend.passed_by, dividend.passed_at = actor, timezone.now()
    dividend.save()
    words = ", ".join(f"year {y}: +{n:,}" for y, n in allocation.items() if n)
    record(
        deal,
        action=HistoryAction.DIVIDEND_PASSED_THROUGH,
        actor=actor,
        party=party,
        clause="SPA 3.2, EA 1.3, EA 4.2",
        summary=f"{actor} recorded {new.shares:,} new shares of the stock dividend of record date "
        f"{dividend.record_date} received into escrow on {received_on} (reference {reference}), on {entitled:,} "
        f"shares in escrow at the record date; written as rebases of the tranches still in escrow ({words}), "
        f"{dividend.stock_policy}: {before['in_escrow']:,} shares in escrow became {after['in_escrow']:,}, the "
        f"consideration on today's basis {total_before:,} became {consideration_today(deal):,} (SPA 3.2, EA 1.3: "
        "the seller's shares, held by the agent; EA 4.2: a rebase, not a disposal)",
        details={
            "dividend": dividend.pk,
            "kind": dividend.kind,
            "record_date": dividend.record_date.isoformat(),
            "shares_in_escrow_at_record_date": entitled,
            "new_shares": new.as_dict(),
            "stock_policy": dividend.stock_policy,
            "allocation": {str(y): n for y, n in allocation.items()},
            "rebases": rebases,  # as a confirmed split records them (escrow.queries.reconcile)
            "received_on": received_on.isoformat(),
            "reference": reference,
            "balances_before": before,
            "balances_after": after,
            "consideration_before": total_before,
            "consideration_after": consideration_today(deal),
        },
    )
    # SPA 8.2, P7 (issue 14): penalty days already stored from the day of receipt go on the grown count now, the
    # new shares rounded as the dividend's own (whole shares, SPA 3.2).
    rebase_stored_days(
        deal,
        tranches,
        effective=received_on,
        ratio=stock_dividend_ratio(dividend.per_share),
        policy=FLOOR,
        today=contract_today(),
    )
    notify_roles(
        deal,
        EVERY_PARTY,
        key=f"dividend:{dividend.pk}:shares-received",
        clause=CLAUSE,
        subject=Text(
            NEW_SHARES_RECEIVED,
            deal=deal.name,
            shares=f"{new.shares:,}",
            record_date=dividend.record_date.isoformat(),
        ),
        body=Text(NEW_SHARES_RECEIVED_BODY, day=received_on.isoformat(), reference=reference),
    )
    return dividend


@transaction.atomic
def confirm_dividend_receipt(actor, deal, dividend_id):
    """SPA 3.2: the seller confirms it received the dividend the agent paid through."""
    deal, party = lock_deal_for(actor, deal, "confirm_dividend_receipt")
    dividend = _lock_dividend(deal, dividend_id)
    preconditions.dividend_receivable(dividend)
    dividend.receipt_confirmed_by, dividend.receipt_confirmed_at = actor, timezone.now()
    dividend.save()
    record(
        deal,
        action=HistoryAction.DIVIDEND_RECEIPT_CONFIRMED,
        actor=actor,
        party=party,
        clause=CLAUSE,
        summary=f"{actor} confirmed receiving {dividend.paid_amount} {dividend.currency} (reference "
        f"{dividend.pass_reference}) for the dividend of record date {dividend.record_date}",
        details={
            "dividend": dividend.pk,
            "record_date": dividend.record_date.isoformat(),
            "amount": str(dividend.paid_amount),
            "currency": dividend.currency,
            "reference": dividend.pass_reference,
        },
    )
    notify_roles(
        deal,
        [Role.ESCROW_AGENT, Role.ISSUER],
        key=f"dividend:{dividend.pk}:received",
        clause=CLAUSE,
        subject=Text(DIVIDEND_RECEIVED, deal=deal.name, record_date=dividend.record_date.isoformat()),
    )
    return dividend


def _cut_off(deal, meeting_date, cut_off):
    """The instructions' cut-off: given (a Beijing moment `YYYY-MM-DD HH:MM`, or a date: 17:00 that day), or
    the default, 17:00 Beijing time 5 business days before the meeting on the deal's calendar."""
    if cut_off in (None, ""):
        return default_cut_off(deal, meeting_date)
    if isinstance(cut_off, datetime):
        moment = cut_off if timezone.is_aware(cut_off) else cut_off.replace(tzinfo=BEIJING)
    else:
        text = str(cut_off).strip()
        try:
            moment = datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=BEIJING)
        except ValueError:
            day = _date(text, "cut_off")
            moment = datetime.combine(day, datetime.min.time().replace(hour=17), tzinfo=BEIJING)
    if moment.astimezone(BEIJING).date() > meeting_date:
        raise _problem(_("The cut-off must be no later than the meeting."), "cut_off")
    return moment


@transaction.atomic
def record_meeting(actor, deal, *, record_date, meeting_date, resolutions, cut_off=None):
    """SPA 3.2: the issuer records a shareholder meeting and its resolutions; the seller instructs the vote."""
    deal, party = lock_deal_for(actor, deal, "record_meeting")
    preconditions.holding_shares(deal, preconditions.RECORD_MEETING)
    record_date = _date(record_date, "record_date")
    meeting_date = _date(meeting_date, "meeting_date")
    if meeting_date < record_date:
        raise _problem(_("The meeting cannot be before its record date."), "meeting_date")
    if isinstance(resolutions, str):
        resolutions = [line for line in resolutions.splitlines() if line.strip()]
    try:
        numbered = rules.check_resolutions(resolutions)
    except ValueError:
        raise _problem(_("Enter the resolutions, one per line."), "resolutions") from None
    moment = _cut_off(deal, meeting_date, cut_off)
    meeting = Meeting.objects.create(
        deal=deal,
        record_date=record_date,
        meeting_date=meeting_date,
        resolutions=numbered,
        cut_off=moment,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    cut_off_words = f"{timezone.localtime(moment, BEIJING):%Y-%m-%d %H:%M}"
    record(
        deal,
        action=HistoryAction.MEETING_RECORDED,
        actor=actor,
        party=party,
        clause=CLAUSE,
        summary=f"{actor} recorded a shareholder meeting on {meeting_date} (record date {record_date}) with "
        f"{len(numbered)} resolutions; voting instructions by {cut_off_words} Beijing time",
        details={
            "meeting": meeting.pk,
            "record_date": record_date.isoformat(),
            "meeting_date": meeting_date.isoformat(),
            "cut_off": moment.isoformat(),
            "resolutions": numbered,
        },
    )
    notify_roles(
        deal,
        EVERY_PARTY,
        key=f"meeting:{meeting.pk}:recorded",
        clause=CLAUSE,
        subject=Text(MEETING_RECORDED, deal=deal.name, meeting_date=meeting_date.isoformat()),
        body=Text(
            MEETING_RECORDED_BODY,
            record_date=record_date.isoformat(),
            count=len(numbered),
            cut_off=cut_off_words,
        ),
    )
    return meeting


@transaction.atomic
def instruct_vote(actor, deal, meeting_id, *, choices):
    """SPA 3.2: the seller instructs the vote of the escrowed shares, resolution by resolution, before the
    cut-off; a later instruction before the cut-off replaces the earlier one (both stay in the history)."""
    deal, party = lock_deal_for(actor, deal, "instruct_vote")
    meeting = _lock_meeting(deal, meeting_id)
    preconditions.meeting_instructable(meeting)
    try:
        choices = rules.check_instruction([r["number"] for r in meeting.resolutions], choices or {})
    except (ValueError, TypeError):
        raise _problem(_("Choose for, against or abstain for every resolution."), "choices") from None
    shares = in_escrow_on(deal, meeting.record_date)
    instruction = VotingInstruction.objects.create(
        meeting=meeting, choices=choices, shares=shares, given_by=actor, given_at=timezone.now()
    )
    replaces = meeting.instructions.exclude(pk=instruction.pk).order_by("-given_at", "-pk").first()
    words = ", ".join(f"{n}: {c}" for n, c in choices.items())
    record(
        deal,
        action=HistoryAction.VOTE_INSTRUCTED,
        actor=actor,
        party=party,
        clause=CLAUSE,
        summary=f"{actor} instructed the vote of {shares:,} escrowed shares for the meeting on "
        f"{meeting.meeting_date}: {words}" + (" (replacing the earlier instruction)" if replaces else ""),
        details={
            "meeting": meeting.pk,
            "instruction": instruction.pk,
            "choices": choices,
            "shares": shares,
            "replaces": replaces.pk if replaces else None,
        },
    )
    notify_roles(
        deal,
        [Role.ESCROW_AGENT],
        key=f"meeting:{meeting.pk}:instructed:{instruction.pk}",
        clause=CLAUSE,
        subject=Text(VOTE_INSTRUCTED, deal=deal.name, meeting_date=meeting.meeting_date.isoformat()),
    )
    return instruction


@transaction.atomic
def record_proxy_lodged(actor, deal, meeting_id, *, lodged_on, reference):
    """EA 1.3: the escrow agent records that it lodged the proxy as the seller instructed (the latest instruction)."""
    deal, party = lock_deal_for(actor, deal, "record_proxy_lodged")
    meeting = _lock_meeting(deal, meeting_id)
    preconditions.proxy_lodgeable(meeting)
    lodged_on = _date(lodged_on, "lodged_on")
    if lodged_on > meeting.meeting_date:
        raise _problem(_("A proxy is lodged no later than the meeting."), "lodged_on")
    if lodged_on > contract_today():
        raise _problem(_("The lodging date cannot be after today."), "lodged_on")
    reference = (reference or "").strip()
    if not reference:
        raise _problem(_("Enter the proxy's reference."), "reference")
    instruction = meeting.instructions.order_by("-given_at", "-pk").first()
    shares = in_escrow_on(deal, meeting.record_date)  # the record date has passed: the figure is fixed
    meeting.lodged_on, meeting.lodged_reference, meeting.lodged_instruction = lodged_on, reference, instruction
    meeting.lodged_by, meeting.lodged_at = actor, timezone.now()
    meeting.save()
    record(
        deal,
        action=HistoryAction.PROXY_LODGED,
        actor=actor,
        party=party,
        clause=CLAUSE,
        summary=f"{actor} lodged the proxy for {shares:,} escrowed shares at the meeting on "
        f"{meeting.meeting_date} as the seller instructed, on {lodged_on} (reference {reference})",
        details={
            "meeting": meeting.pk,
            "instruction": instruction.pk,
            "choices": instruction.choices,
            "shares": shares,
            "lodged_on": lodged_on.isoformat(),
            "reference": reference,
        },
    )
    notify_roles(
        deal,
        [Role.SELLER, Role.ISSUER],
        key=f"meeting:{meeting.pk}:lodged",
        clause=CLAUSE,
        subject=Text(PROXY_LODGED, deal=deal.name, meeting_date=meeting.meeting_date.isoformat(), reference=reference),
    )
    return meeting


VOTE_REMINDER = gettext_lazy(
    "%(deal)s: voting instruction for the meeting on %(meeting_date)s due by %(cut_off)s Beijing time"
)
VOTE_REMINDER_BODY = gettext_lazy(
    "Give your instruction for each resolution (for, against or abstain) on the Dividends and votes page; after "
    "the cut-off the escrow agent cannot take it into account (SPA 3.2, EA 1.3)."
)


def remind_vote_cut_offs(today) -> int:
    """The sweep's part (escrow.actions.deadlines.sweep): remind the seller 7, 3 and 1 day(s) before a voting
    cut-off, and on its day, while no instruction is given and no proxy lodged. Only the most urgent reminder
    reached is sent; its dedupe key (meeting, cut-off day, milestone) makes a repeated tick send nothing."""
    from escrow.actions.deadlines import milestone  # the sweep's own milestones (7, 3, 1 day)
    from escrow.notifications.notify import Note, notify_many

    now = max(
        contract_now(), datetime.combine(today, datetime.min.time(), tzinfo=BEIJING)
    )  # a cut-off passed: no reminder
    due = (
        Meeting.objects.filter(lodged_at__isnull=True, cut_off__gt=now, instructions__isnull=True)
        .select_related("deal")
        .order_by("pk")
    )
    notes = []
    for meeting in due:
        day = timezone.localtime(meeting.cut_off, BEIJING).date()
        mark = milestone(day, today)
        if mark in (None, "missed"):
            continue
        notes.append(
            Note(
                meeting.deal,
                (Role.SELLER,),
                Text(
                    VOTE_REMINDER,
                    deal=meeting.deal.name,
                    meeting_date=meeting.meeting_date.isoformat(),
                    cut_off=f"{timezone.localtime(meeting.cut_off, BEIJING):%Y-%m-%d %H:%M}",
                ),
                f"meeting:{meeting.pk}:cut-off:{day}:{mark}",
                clause=CLAUSE,
                body=Text(VOTE_REMINDER_BODY),
                due=day,
            )
        )
    if not notes:
        return 0
    with transaction.atomic():
        return notify_many(notes)
