"""The history in the reader's language, rendered when it is read.

A history entry is hashed into its chain, English `summary` included, and never changes (the legal
record, docs/architecture.md "Languages"). A Chinese reader reads each entry from its action and its
structured details instead: `HistoryWords(deal).summary(entry)` builds the sentence through the
catalogue; the action, states and the acting party are words (`action_label`, `state_label`,
`party_label`), never codes. An English reader reads the stored summary itself. An entry whose kind
has no sentence here reads as its action's name, so no reader ever gets a code or a stray English
sentence. Pages, the CSV and the PDF exports all read through here.
"""

import re

from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from escrow.models import Deal, HistoryAction, Instrument, Role, TrancheState
from escrow.queries.words import auth_method_label, beijing_time, local_name, money_text, shares_text
from parties.language import in_language, reads_chinese
from parties.models import Organisation

ACTION_LABELS = {
    HistoryAction.DEAL_CREATED: _("Deal created"),
    HistoryAction.PARTY_ADDED: _("Party added"),
    HistoryAction.PARTY_ROLE_CHANGED: _("Party's role changed"),
    HistoryAction.PARTY_ENDED: _("Party left the deal"),
    HistoryAction.AUDITOR_APPROVED: _("Accounting firm approved"),
    HistoryAction.REGISTER_CHANGE_PROPOSED: _("Signatory register change proposed"),
    HistoryAction.REGISTER_CHANGE_CONFIRMED: _("Signatory register change confirmed"),
    HistoryAction.REGISTER_CHANGE_OBJECTED: _("Objection to a signatory register change"),
    HistoryAction.DEPOSIT_CONFIRMED: _("Deposit confirmed"),
    HistoryAction.YEAR_ENDED: _("Assessment year ended"),
    HistoryAction.REPORT_FILED: _("Audited report filed"),
    HistoryAction.QUANTITY_COMPUTED: _("Release quantity computed"),
    HistoryAction.QUANTITY_CHANGED: _("Release quantity changed"),
    HistoryAction.JOINT_INSTRUCTION_ISSUED: _("Joint instruction issued"),
    HistoryAction.SETTLEMENT_ISSUED: _("Settlement agreement issued"),
    HistoryAction.ADJUSTMENT_ISSUED: _("Adjustment agreement issued"),
    HistoryAction.SIGNED: _("Signed"),
    HistoryAction.INSTRUMENT_SEALED: _("Signed document sealed"),
    HistoryAction.INSTRUCTED: _("Instruction in force"),
    HistoryAction.RELEASE_PREPARED: _("Release prepared"),
    HistoryAction.PREPARATION_WITHDRAWN: _("Preparation withdrawn"),
    HistoryAction.CALL_BACK_RECORDED: _("Call-back recorded"),
    HistoryAction.CALL_BACK_WAIVER_SET: _("Call-back waiver changed"),
    HistoryAction.RELEASED: _("Shares released"),
    HistoryAction.RETURNED_FOR_CANCELLATION: _("Shares returned for cancellation"),
    HistoryAction.DISPUTE_RAISED: _("Dispute raised"),
    HistoryAction.SUSPENDED: _("Release suspended"),
    HistoryAction.SUSPENSION_LIFTED: _("Suspension lifted"),
    HistoryAction.AWARD_FILED: _("Award or ruling filed"),
    HistoryAction.DEADLINE_MISSED: _("Deadline missed"),
    HistoryAction.PENALTY_REVALUED: _("Delay penalty revalued"),
    HistoryAction.FEE_INVOICE_ISSUED: _("Escrow fee invoice issued"),
    HistoryAction.FEE_PAYMENT_RECORDED: _("Escrow fee payment recorded"),
    HistoryAction.CORPORATE_ACTION_PROPOSED: _("Split or consolidation proposed"),
    HistoryAction.CORPORATE_ACTION_CONFIRMED: _("Split or consolidation confirmed"),
    HistoryAction.DIVIDEND_RECORDED: _("Dividend recorded"),
    HistoryAction.DIVIDEND_PASSED_THROUGH: _("Dividend paid to the seller, or its new shares received in escrow"),
    HistoryAction.DIVIDEND_RECEIPT_CONFIRMED: _("Dividend receipt confirmed"),
    HistoryAction.MEETING_RECORDED: _("Shareholder meeting recorded"),
    HistoryAction.VOTE_INSTRUCTED: _("Voting instruction given"),
    HistoryAction.PROXY_LODGED: _("Proxy lodged"),
    HistoryAction.ORGANISATION_ADDED: _("Organisation added"),
    HistoryAction.ORGANISATION_CHANGED: _("Organisation changed"),
    HistoryAction.SHARE_PRICE_ENTERED: _("Share price entered"),
    HistoryAction.SHARE_PRICE_CORRECTED: _("Share price corrected"),
    HistoryAction.CALENDAR_OVERRIDE_SET: _("Calendar override set"),
    HistoryAction.DEADLINE_RECOMPUTED: _("Deadline recomputed"),
    HistoryAction.PERSON_ADDED: _("Person added"),
    HistoryAction.PERSON_CHANGED: _("Person changed"),
    HistoryAction.MEMBERSHIP_CHANGED: _("Membership changed"),
    HistoryAction.LOGIN: _("Signed in"),
    HistoryAction.LOGIN_FAILED: _("Failed sign-in"),
    HistoryAction.TWO_FACTOR_ENROLLED: _("Two-factor device enrolled"),
    HistoryAction.API_TOKEN_CREATED: _("API token created"),
    HistoryAction.API_TOKEN_REVOKED: _("API token revoked"),
}

REGISTER_KINDS = {"add": _("addition"), "remove": _("removal"), "change": _("change")}

# "Kaixin Holdings (issuer)": how actions write `acting_for` (the organisation, then the role code).
ACTING_FOR = re.compile(r"^(?P<name>.*) \((?P<role>[a-z_]+)\)$")


def action_label(action) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else str(action or "").replace("_", " ")


def state_label(state) -> str:
    """A tranche's or the deal's state in words (the history holds both)."""
    for choices in (TrancheState, Deal.State):
        try:
            return str(choices(state).label)
        except ValueError:
            continue
    return str(state or "")


def role_label(role) -> str:
    try:
        return str(Role(role).label)
    except ValueError:
        return str(role or "")


class HistoryWords:
    """Renders a deal's entries for the active language; looks up the deal's organisations and
    instruments once (a page or an export renders many entries)."""

    def __init__(self, deal):
        self.deal = deal
        self._orgs = None
        self._instruments = None

    # Names -----------------------------------------------------------------------------------

    def org(self, name) -> str:
        """An organisation named in a record, in the reader's language (its Chinese name when known)."""
        if not reads_chinese():  # the English name is the one recorded: nothing to look up
            return str(name or "")
        if self._orgs is None:
            ids = self.deal.parties.values("organisation_id") if self.deal else []
            self._orgs = {o.name: o for o in Organisation.objects.filter(pk__in=ids)}
        found = self._orgs.get(name)
        return local_name(found) if found else str(name or "")

    def party_label(self, acting_for) -> str:
        """`Kaixin Holdings (issuer)` as `开心控股 · 发行人（甲方）` for a Chinese reader."""
        match = ACTING_FOR.match(acting_for or "")
        if not match:
            return self.org(acting_for)
        return f"{self.org(match['name'])} · {role_label(match['role'])}"

    def instrument(self, pk):
        if self._instruments is None:
            found = Instrument.objects.filter(tranche__deal=self.deal) if self.deal else Instrument.objects.none()
            self._instruments = {i.pk: i for i in found}
        return self._instruments.get(pk)

    # Sentences -------------------------------------------------------------------------------

    def summary(self, entry) -> str:
        """The entry's summary in the reader's language: the stored English for an English reader,
        a sentence built from the entry's details for a Chinese one."""
        if not reads_chinese():
            return entry.summary
        render = SENTENCES.get(entry.action)
        details = entry.details or {}
        try:
            text = render(self, entry, details) if render else None
        except (KeyError, TypeError, ValueError, AttributeError):
            text = None  # a record older than its sentence's fields: its action's name still says what happened
        if not text:
            text = action_label(entry.action)
            if entry.tranche_id and entry.tranche:
                text = gettext("%(what)s, year %(year)s") % {"what": text, "year": entry.tranche.year}
        return text


def _year(entry):
    return entry.tranche.year if entry.tranche_id and entry.tranche else ""


def _deal_created(words, entry, d):
    return gettext(
        "Deal created: %(shares)s shares in %(tranches)s yearly tranches, assessment years %(start)s to %(end)s, "
        "effective %(effective)s."
    ) % {
        "shares": shares_text(d["total_shares"]),
        "tranches": d["tranche_count"],
        "start": d["tranches"][0]["period_start"],
        "end": d["tranches"][-1]["period_end"],
        "effective": d["effective_date"],
    }


def _party_added(words, entry, d):
    return gettext("%(org)s joined the deal as %(role)s.") % {
        "org": words.org(d["organisation"]),
        "role": role_label(d["role"]),
    }


def _demo_clock_moved(words, entry, d):
    return gettext("Demo clock moved from %(from)s to %(to)s (demo only).") % {"from": d["from"], "to": d["to"]}


def _auditor_approved(words, entry, d):
    return gettext("%(org)s approved as the accounting firm (SPA 4.2).") % {"org": words.org(d["organisation"])}


def _register(template):
    def render(words, entry, d):
        kind = REGISTER_KINDS.get(d.get("kind"), d.get("kind"))
        return gettext(template) % {
            "actor": entry.actor_name,
            "kind": kind,
            "name": d["name"],
            "party": role_label(d.get("role")),
            "when": beijing_time(d.get("takes_effect_at") or d.get("cooling_off_ends_at")),
        }

    return render


def _deposit(words, entry, d):
    return gettext("%(shares)s shares deposited in the escrow account (reference %(reference)s).") % {
        "shares": shares_text(d["quantity"]),
        "reference": d.get("reference") or "—",
    }


def _year_ended(words, entry, d):
    return gettext("Assessment year %(year)s ended on %(end)s; the release is due by %(due)s (SPA 5.1).") % {
        "year": _year(entry),
        "end": d["period_end"],
        "due": d["release_due_date"],
    }


def _report_filed(words, entry, d):
    currency = words.deal.target_currency if words.deal else "CNY"
    target = entry.tranche.target_revenue if entry.tranche_id and entry.tranche else None
    return gettext("Audited revenue of year %(year)s: %(revenue)s (target %(target)s).") % {
        "year": _year(entry),
        "revenue": money_text(d["audited_revenue"], currency),
        "target": money_text(target, currency),
    }


def _quantity(words, entry, d):
    c = d["calculation"]
    return gettext(
        "%(total)s shares to release for year %(year)s (own release %(own)s, deducted %(deducted)s, offsets "
        "%(offsets)s)."
    ) % {
        "total": shares_text(c["total_release"]),
        "year": c["year"],
        "own": shares_text(c["own_release"]),
        "deducted": shares_text(c["deducted"]),
        "offsets": shares_text(c["total_release"] - c["own_release"]),
    }


def _issued(words, entry, d):
    return gettext("%(document)s %(reference)s issued for %(shares)s shares, awaiting signatures.") % {
        "document": _instrument_kind(words, entry, d),
        "reference": d.get("reference", ""),
        "shares": shares_text(d["quantity"]),
    }


def _instrument_kind(words, entry, d):
    instrument = words.instrument(d.get("instrument"))
    if instrument is not None:
        return str(instrument.get_kind_display())
    kinds = {
        HistoryAction.JOINT_INSTRUCTION_ISSUED: Instrument.Kind.JOINT_INSTRUCTION,
        HistoryAction.SETTLEMENT_ISSUED: Instrument.Kind.SETTLEMENT,
        HistoryAction.ADJUSTMENT_ISSUED: Instrument.Kind.ADJUSTMENT,
    }
    kind = kinds.get(entry.action)
    return str(kind.label) if kind else gettext("document")


def _signed(words, entry, d):
    return gettext("%(actor)s signed the %(document)s for %(party)s (method: %(method)s).") % {
        "actor": entry.actor_name,
        "document": _instrument_kind(words, entry, d),
        "party": words.party_label(entry.acting_for),
        "method": auth_method_label(d.get("auth_method")),
    }


def _sealed(words, entry, d):
    return gettext("The signed %(document)s was sealed by the platform with its certificate of completion.") % {
        "document": _instrument_kind(words, entry, d)
    }


def _instructed(words, entry, d):
    instrument = words.instrument(d.get("instrument"))
    return gettext("The instruction is signed by every required party: %(shares)s shares; transfer due by %(due)s.") % {
        "shares": shares_text(instrument.quantity if instrument else None),
        "due": d.get("transfer_due") or "—",
    }


PREPARED_SHARES = re.compile(r"transfer of ([\d,]+) shares")


def _prepared(words, entry, d):
    # The quantity prepared is in the record's English summary only (the details carry the instruction's hash).
    found = PREPARED_SHARES.search(entry.summary or "")
    quantity = found[1].replace(",", "") if found else None
    return gettext("%(actor)s prepared the transfer of %(shares)s shares; a second officer must approve it.") % {
        "actor": entry.actor_name,
        "shares": shares_text(quantity),
    }


CALL_OUTCOMES = {"confirmed": _("confirmed the instruction"), "denied": _("denied the instruction")}


def _call_back(words, entry, d):
    return gettext("%(officer)s called %(name)s (%(party)s) on %(number)s: %(outcome)s.") % {
        "officer": d.get("officer") or entry.actor_name,
        "name": d["signatory_name"],
        "party": role_label(d.get("signatory_party")),
        "number": d.get("number_called", ""),
        "outcome": CALL_OUTCOMES.get(d.get("outcome"), d.get("outcome", "")),
    }


def _released(words, entry, d):
    transfer = d.get("transfer") or {}
    return gettext("%(shares)s shares released to the seller (transfer reference %(reference)s).") % {
        "shares": shares_text(d["quantity"]),
        "reference": transfer.get("reference") or d.get("reference") or "—",
    }


def payer_words(payer) -> str:
    """P9 `escrow_fee_payer` in the reader's words."""
    if payer == "split":
        return gettext("the issuer and the purchaser, half each")
    return role_label(payer)


def _fee_issued(words, entry, d):
    return gettext(
        "Escrow fee invoice %(number)s issued: %(amount)s for escrow year %(year)s (%(start)s to %(end)s), due "
        "%(due)s; payer: %(payer)s (P9)."
    ) % {
        "number": d["number"],
        "amount": money_text(d["amount"], d.get("currency", "USD")),
        "year": d["year"],
        "start": d["period_start"],
        "end": d["period_end"],
        "due": d["due_on"],
        "payer": payer_words(d.get("payer")),
    }


def _fee_paid(words, entry, d):
    return gettext("Escrow fee invoice %(number)s paid on %(day)s (reference %(reference)s).") % {
        "number": d["number"],
        "day": d["paid_on"],
        "reference": d.get("reference") or "—",
    }


FRACTION_POLICY_WORDS = {
    "round-up": _("fractional entitlements rounded up to a whole share"),
    "floor": _("rounded down, the fraction of a share reported"),
}


def _corporate_action_terms(d) -> dict:
    kind = _("split") if d["ratio_new"] > d["ratio_old"] else _("consolidation")
    return {
        "new": d["ratio_new"],
        "old": d["ratio_old"],
        "kind": str(kind),
        "date": d["effective_date"],
        "policy": str(FRACTION_POLICY_WORDS.get(d["fraction_policy"], d["fraction_policy"])),
    }


def _corporate_action_proposed(words, entry, d):
    return gettext("A %(new)s-for-%(old)s %(kind)s effective %(date)s was proposed (%(policy)s).") % (
        _corporate_action_terms(d)
    )


def _corporate_action_confirmed(words, entry, d):
    rebase = d["rebase"]
    return gettext(
        "The %(new)s-for-%(old)s %(kind)s effective %(date)s was confirmed (%(policy)s): %(before)s shares in "
        "escrow became %(after)s; rounded up %(up)s, remainder %(remainder)s of a share."
    ) % {
        **_corporate_action_terms(d),
        "before": shares_text(rebase["balance_before"]),
        "after": shares_text(rebase["balance_after"]),
        "up": rebase["rounded_up"],
        "remainder": rebase["remainder"],
    }


VOTE_WORDS = {"for": _("for"), "against": _("against"), "abstain": _("abstain")}


def _choices(d):
    return ", ".join(f"{n}: {VOTE_WORDS.get(c, c)}" for n, c in (d.get("choices") or {}).items())


def _dividend_recorded(words, entry, d):
    """Issue 14 item 2 (SPA 3.2, EA 1.3)."""
    if d["kind"] == "cash":
        return gettext(
            "%(actor)s recorded a cash dividend of %(per_share)s %(currency)s per share, record date %(record)s, "
            "payable %(payment)s; %(shares)s shares in escrow at the record date, entitlement %(amount)s."
        ) % {
            "actor": entry.actor_name,
            "per_share": d["per_share"],
            "currency": d["currency"],
            "record": d["record_date"],
            "payment": d["payment_date"],
            "shares": shares_text(d["shares_in_escrow_at_record_date"]),
            "amount": money_text(d["entitlement"], d["currency"]),
        }
    return gettext(
        "%(actor)s recorded a stock dividend of %(per_share)s new shares per share, record date %(record)s; "
        "%(shares)s shares in escrow at the record date, %(new)s new shares for the tranches, written to the "
        "ledger when the escrow agent records them received."
    ) % {
        "actor": entry.actor_name,
        "per_share": d["per_share"],
        "record": d["record_date"],
        "shares": shares_text(d["shares_in_escrow_at_record_date"]),
        "new": shares_text(d["new_shares"]["shares"]),
    }


def _new_shares_received(entry, d):
    """Issue 14 item 2: a stock dividend's new shares are rebases of the tranches in escrow (SPA 3.2, EA 1.3,
    EA 4.2)."""
    before, after = d["balances_before"]["in_escrow"], d["balances_after"]["in_escrow"]
    allocation = "; ".join(
        gettext("year %(year)s: +%(shares)s") % {"year": year, "shares": shares_text(n)}
        for year, n in d["allocation"].items()
    )
    return gettext(
        "%(actor)s recorded %(new)s new shares of the stock dividend of record date %(record)s received into escrow "
        "on %(day)s (reference %(reference)s), on %(shares)s shares in escrow at the record date. The seller keeps "
        "the dividend on the escrowed shares and the agent holds the new shares like the others (SPA 3.2, EA 1.3); "
        "a stock dividend changes the count held, like a split, so they are written as rebases of the tranches "
        "still in escrow, never a disposal (EA 4.2): %(allocation)s. %(before)s shares in escrow became %(after)s; "
        "the consideration on today's basis is %(total)s; released shares are untouched."
    ) % {
        "actor": entry.actor_name,
        "new": shares_text(d["new_shares"]["shares"]),
        "record": d["record_date"],
        "day": d["received_on"],
        "reference": d["reference"],
        "shares": shares_text(d["shares_in_escrow_at_record_date"]),
        "allocation": allocation,
        "before": shares_text(before),
        "after": shares_text(after),
        "total": shares_text(d["consideration_after"]),
    }


def _dividend_passed(words, entry, d):
    if d.get("kind") == "shares":
        return _new_shares_received(entry, d)
    text = gettext(
        "%(actor)s recorded paying the seller %(amount)s on %(day)s (reference %(reference)s) for the dividend of "
        "record date %(record)s: entitlement %(entitlement)s on %(shares)s shares."
    ) % {
        "actor": entry.actor_name,
        "amount": money_text(d["amount"], d["currency"]),
        "day": d["paid_on"],
        "reference": d["reference"],
        "record": d["record_date"],
        "entitlement": money_text(d["entitlement"], d["currency"]),
        "shares": shares_text(d["shares_in_escrow_at_record_date"]),
    }
    if d.get("withheld"):
        text += " " + gettext("Withheld %(amount)s: %(note)s.") % {
            "amount": money_text(d["withheld"], d["currency"]),
            "note": d.get("withholding_note", ""),
        }
    return text


def _dividend_received(words, entry, d):
    return gettext(
        "%(actor)s confirmed receiving %(amount)s (reference %(reference)s) for the dividend of record date %(record)s."
    ) % {
        "actor": entry.actor_name,
        "amount": money_text(d["amount"], d["currency"]),
        "reference": d["reference"],
        "record": d["record_date"],
    }


def _meeting_recorded(words, entry, d):
    return gettext(
        "%(actor)s recorded a shareholder meeting on %(meeting)s (record date %(record)s) with %(count)s "
        "resolutions; voting instructions by %(cut_off)s."
    ) % {
        "actor": entry.actor_name,
        "meeting": d["meeting_date"],
        "record": d["record_date"],
        "count": len(d["resolutions"]),
        "cut_off": beijing_time(d["cut_off"]),
    }


def _vote_instructed(words, entry, d):
    return gettext("%(actor)s instructed the vote of %(shares)s escrowed shares: %(choices)s.") % {
        "actor": entry.actor_name,
        "shares": shares_text(d["shares"]),
        "choices": _choices(d),
    }


def _proxy_lodged(words, entry, d):
    return gettext(
        "%(actor)s lodged the proxy for %(shares)s escrowed shares as the seller instructed (%(choices)s) on "
        "%(day)s, reference %(reference)s."
    ) % {
        "actor": entry.actor_name,
        "shares": shares_text(d["shares"]),
        "choices": _choices(d),
        "day": d["lodged_on"],
        "reference": d["reference"],
    }


SENTENCES = {
    HistoryAction.FEE_INVOICE_ISSUED: _fee_issued,
    HistoryAction.FEE_PAYMENT_RECORDED: _fee_paid,
    HistoryAction.CORPORATE_ACTION_PROPOSED: _corporate_action_proposed,
    HistoryAction.CORPORATE_ACTION_CONFIRMED: _corporate_action_confirmed,
    HistoryAction.DEAL_CREATED: _deal_created,
    HistoryAction.PARTY_ADDED: _party_added,
    HistoryAction.AUDITOR_APPROVED: _auditor_approved,
    HistoryAction.DEMO_CLOCK_MOVED: _demo_clock_moved,
    HistoryAction.REGISTER_CHANGE_PROPOSED: _register(
        gettext_noop(
            "%(actor)s proposed the %(kind)s of %(name)s (%(party)s) on the signatory register; the cooling-off "
            "period ends %(when)s."
        )
    ),
    HistoryAction.REGISTER_CHANGE_CONFIRMED: _register(
        gettext_noop(
            "%(actor)s confirmed the %(kind)s of %(name)s (%(party)s) on the signatory register; it takes effect "
            "%(when)s."
        )
    ),
    HistoryAction.DEPOSIT_CONFIRMED: _deposit,
    HistoryAction.YEAR_ENDED: _year_ended,
    HistoryAction.REPORT_FILED: _report_filed,
    HistoryAction.QUANTITY_COMPUTED: _quantity,
    HistoryAction.JOINT_INSTRUCTION_ISSUED: _issued,
    HistoryAction.SETTLEMENT_ISSUED: _issued,
    HistoryAction.ADJUSTMENT_ISSUED: _issued,
    HistoryAction.SIGNED: _signed,
    HistoryAction.INSTRUMENT_SEALED: _sealed,
    HistoryAction.INSTRUCTED: _instructed,
    HistoryAction.RELEASE_PREPARED: _prepared,
    HistoryAction.CALL_BACK_RECORDED: _call_back,
    HistoryAction.RELEASED: _released,
    HistoryAction.DIVIDEND_RECORDED: _dividend_recorded,
    HistoryAction.DIVIDEND_PASSED_THROUGH: _dividend_passed,
    HistoryAction.DIVIDEND_RECEIPT_CONFIRMED: _dividend_received,
    HistoryAction.MEETING_RECORDED: _meeting_recorded,
    HistoryAction.VOTE_INSTRUCTED: _vote_instructed,
    HistoryAction.PROXY_LODGED: _proxy_lodged,
}

__all__ = ["HistoryWords", "action_label", "in_language", "role_label", "state_label"]
