"""What a person can do now on a deal and its years (issue 12 item 3): the role table and the signatory register
(escrow.usecases.permissions) and each action's own preconditions (escrow.queries.preconditions: state, four
eyes, "already signed", the approved firm, the call-back), asked without running anything.

Pages offer exactly what `Now` allows, and answer a stale form posted anyway with `why_not`: the words the
action itself would refuse with, in the reader's language. The actions call the same precondition functions
after taking their locks, so an offer and an acceptance cannot disagree.
"""

import functools

from django.db.models import Prefetch

from escrow.contract.errors import DomainError
from escrow.models import DealParty, Instrument, Signature
from escrow.queries import preconditions as P
from escrow.queries.deals import viewer_party, viewer_signs
from escrow.queries.rows import columns, loader, rows, width
from escrow.usecases import CONTRACT_USE_CASES
from escrow.usecases.permissions import (
    ROLE_ACTIONS,
    SIGNING_POWER,
    may,
    require,
    signing_power_sql,
)
from parties.models import Organisation


def _report(asked):
    P.report_due(asked.tranche, asked.party)


def _sign(asked):
    P.signable(asked.instrument, asked.tranche, asked.party, asked.user, ROLE_ACTIONS[asked.action][1])


# Use case -> its preconditions beyond the role table (None: none). Every contract use case that writes and is
# done on a page of the deal is here (tests/escrow/queries/test_available.py checks it); the signatory
# register's changes are forms of the register page, which checks them itself.
PRECONDITIONS = {
    "confirm_deposit": lambda a: P.deposit_pending(a.deal),
    "approve_auditor": lambda a: P.escrow_open(a.deal, P.APPROVE_AUDITOR),  # SPA 4.2: any time until the end
    "return_for_cancellation": lambda a: P.returnable(a.deal),
    "issue_fee_invoices": lambda a: P.fees_to_invoice(a.deal),  # EA 4.4, EA 2: a started year not invoiced
    "record_fee_payment": lambda a: P.fee_unpaid(a.deal),  # EA 4.4: an invoice waiting for payment
    "enter_share_prices": None,  # SPA 8.2: closes are reference data, entered whenever they are known
    "propose_corporate_action": lambda a: P.corporate_action_proposable(a.deal),  # issue 14 item 4
    "confirm_corporate_action": lambda a: P.corporate_action_confirmable(a.deal),
    # Issue 14 items 2, 3 (SPA 3.2, EA 1.3): offered when some dividend or meeting of the deal is ready for it;
    # the "Dividends and votes" page asks the same checks row by row (escrow.queries.preconditions).
    "record_dividend": lambda a: P.holding_shares(a.deal, P.RECORD_DIVIDEND),
    "record_dividend_pass_through": lambda a: P.some_dividend_payable(a.deal),
    "confirm_dividend_receipt": lambda a: P.some_dividend_receivable(a.deal),
    "record_meeting": lambda a: P.holding_shares(a.deal, P.RECORD_MEETING),
    "instruct_vote": lambda a: P.some_meeting_instructable(a.deal),
    "record_proxy_lodged": lambda a: P.some_proxy_lodgeable(a.deal),
    "file_report": _report,
    "correct_report": lambda a: P.correctable(a.tranche, a.party),  # issue 12 item 8: before any signature
    "sign_joint_instruction": _sign,
    "sign_settlement": _sign,
    "sign_adjustment": _sign,
    "decline_to_sign": lambda a: P.declinable(a.instrument, a.party),  # issue 12 item 8: not a dispute
    "prepare_release": lambda a: P.preparable(a.tranche),
    "approve_release": lambda a: P.approvable(a.tranche, a.user),
    "withdraw_preparation": lambda a: P.withdrawable(a.tranche),
    "record_call_back": lambda a: P.call_back_due(a.tranche),
    "raise_dispute": lambda a: P.holdable(a.tranche, "raise_dispute"),
    "suspend_release": lambda a: P.holdable(a.tranche, "suspend_release"),
    "lift_suspension": lambda a: P.suspended(a.tranche),
    "propose_settlement": lambda a: P.settleable(a.tranche),
    "propose_adjustment": lambda a: P.adjustable(a.tranche),
    "file_award": lambda a: P.disputed(a.tranche),
}
SCOPE = {name: CONTRACT_USE_CASES[name].scope for name in PRECONDITIONS}
DEAL_ACTIONS = [name for name in PRECONDITIONS if SCOPE[name] == "deal"]
TRANCHE_ACTIONS = [name for name in PRECONDITIONS if SCOPE[name] == "tranche"]
SIGN_ACTIONS = {
    name: Instrument.Kind(name.removeprefix("sign_"))
    for name in PRECONDITIONS
    if SCOPE[name] == "instrument" and name.startswith("sign_")
}


class _Asked:
    """One question to a precondition: who, acting for which party, about what."""

    __slots__ = ("action", "deal", "instrument", "party", "tranche", "user")

    def __init__(self, action, user, party, deal, tranche, instrument):
        self.action, self.user, self.party = action, user, party
        self.deal, self.tranche, self.instrument = deal, tranche, instrument


class Now:
    """What one person can do on one deal at this moment. `party` and `signs` may be given when the caller
    read them for many deals at once (the dashboard); otherwise they are read here."""

    _UNREAD = object()

    def __init__(self, user, deal, *, party=_UNREAD, signs=None):
        self.user, self.deal = user, deal
        self.party = viewer_party(user, deal) if party is Now._UNREAD else party
        self.role = self.party.role if self.party else None
        if self.party and signs is None:
            signs = viewer_signs(user, deal)
        # The role table, with signing and approving only for a person on the deal's register (issue 10 item 1).
        self.can = dict(_can(self.role, bool(signs))) if self.role else {}  # a copy: callers may change theirs

    def why_not(self, action, tranche=None, instrument=None) -> str:
        """ "" when the person can take `action` now; otherwise why not, as the action would say it."""
        if not self.can.get(action):
            try:
                require(self.user, self.deal, action)
            except DomainError as exc:
                return exc.message
        check = PRECONDITIONS.get(action)
        if check is None:
            return ""
        if tranche is None and instrument is not None:
            tranche = instrument.tranche
        try:
            check(_Asked(action, self.user, self.party, self.deal, tranche, instrument))
        except DomainError as exc:
            return exc.message
        return ""

    def may(self, action, tranche=None, instrument=None) -> bool:
        return self.can.get(action, False) and not self.why_not(action, tranche, instrument)

    def deal_actions(self) -> list:
        """The deal's own actions (deposit, auditor, return, prices) the person can take now."""
        return [a for a in DEAL_ACTIONS if self.may(a)]

    def tranche_actions(self, tranche) -> list:
        """The year's actions (not signing: see `to_sign`) the person can take now, in declaration order."""
        return [a for a in TRANCHE_ACTIONS if self.may(a, tranche)]

    def to_sign(self, tranche) -> list:
        """The year's open documents the person can sign now."""
        return [i for i in open_instruments(tranche) if self.may(f"sign_{i.kind}", tranche, i)]

    def may_sign_kind(self, action, tranche) -> bool:
        return any(i.kind == SIGN_ACTIONS[action] for i in self.to_sign(tranche))


@functools.cache
def _can(role, signs) -> dict:
    """The role table for a role, with signing and approving only for a person on the deal's register (issue 10
    item 1): the same for every deal, so worked out once per role."""
    return {a: True for a in ROLE_ACTIONS if may(role, a) and (signs or a not in SIGNING_POWER)}


def now_for_each(user, deals) -> dict:
    """deal id -> Now for each of these deals, reading the person's parties and register entries once: one
    hand-written query (issue 13 item 1: built through the ORM it cost 5,300 function calls even for no deal),
    the parties made as the ORM makes them (escrow.queries.rows) and each role's actions worked out once."""
    deals = list(deals)
    parties = _parties_of(user, [d.pk for d in deals]) if deals and user.organisation_id else {}
    return {d.pk: Now(user, d, party=parties.get(d.pk), signs=d.pk in parties and parties[d.pk].signs) for d in deals}


def _parties_of(user, deal_ids) -> dict:
    """deal id -> the person's party on it that has not ended, with its organisation and `signs` (whether they
    are on the deal's register now, escrow.usecases.permissions.signing_power_sql)."""
    signs, signs_params = signing_power_sql(user, "p.deal_id")
    sql = (
        f"SELECT {_PARTY_COLUMNS}, {_ORGANISATION_COLUMNS}, {signs}"  # noqa: S608 (constant SQL, bound values)
        f" FROM escrow_dealparty p JOIN {Organisation._meta.db_table} o ON o.id = p.organisation_id"
        f" WHERE p.deal_id IN ({', '.join(['%s'] * len(deal_ids))}) AND p.organisation_id = %s AND p.ended_at IS NULL"
        " ORDER BY p.deal_id, p.role"  # the model's order (deal, role): a later role of the same deal wins, as before
    )
    load_party, load_organisation = loader(DealParty), loader(Organisation)
    parties = {}
    for row in rows(sql, (*signs_params, *deal_ids, user.organisation_id)):
        party = load_party(row)
        party.organisation = load_organisation(row[_AT_ORGANISATION:])
        party.signs = bool(row[-1])  # SQLite answers 0 or 1
        parties[party.deal_id] = party
    return parties


_PARTY_COLUMNS, _ORGANISATION_COLUMNS = columns(DealParty, "p"), columns(Organisation, "o")
_AT_ORGANISATION = width(DealParty)


def open_instruments(tranche):
    """The year's open documents with their signatures: the prefetched `open_instruments` when present."""
    instruments = getattr(tranche, "open_instruments", None)
    if instruments is None:
        signatures = Prefetch("signatures", queryset=Signature.objects.select_related("party", "signer"))
        instruments = list(
            tranche.instruments.filter(status=Instrument.Status.OPEN)
            .select_related("document")
            .prefetch_related(signatures)
            .order_by("created_at")
        )
        tranche.open_instruments = instruments
    return instruments
