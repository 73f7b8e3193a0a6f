"""A deal's history as CSV and PDF, with the chain's head hash, so any party can keep a copy and
check it later (`manage.py verify_history --deal SLUG --head SEQ:HASH`)."""

import io

from defusedcsv import csv
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from escrow.contract.moments import beijing_clock
from escrow.documents.pdf import render_table_pdf
from escrow.history.chain import chain_key_for, verify_chain
from escrow.models import HistoryChain
from escrow.queries.history_words import HistoryWords, action_label, role_label, state_label
from escrow.queries.penalties import deal_penalties
from escrow.queries.transfers import entry_references, transfer_lines
from escrow.queries.words import amount_text, money_text
from parties.language import in_language

# Column heads in the reader's language. The action, states and party are words (issue 12); the summary is
# the reader's language and the English record beside it (hashed into the chain, never changed).
COLUMNS = [
    _("seq"),
    _("at (Beijing time, UTC+8)"),
    _("actor"),
    _("acting for"),
    _("year"),
    _("action"),
    _("from"),
    _("to"),
    _("clause"),
    _("summary"),
    _("summary (the record, English)"),
    "prev_hash",
    "hash",
    _("references"),  # issue 12 item 5: the transfer agent's record or reference the entry's details carry
]


def _chain(deal):
    chain, _ = HistoryChain.objects.get_or_create(key=chain_key_for(deal))
    return chain


def history_rows(deal):
    entries = _chain(deal).entries.select_related("tranche").order_by("seq")
    words = HistoryWords(deal)
    for e in entries.iterator():
        yield [
            e.seq,
            # Beijing time like every page (issue 12 item 2); the hashed record keeps its UTC instant.
            beijing_clock(e.at, seconds=True),
            e.actor_name,
            words.party_label(e.acting_for) if e.acting_for else "",
            e.tranche.year if e.tranche else "",
            action_label(e.action),
            state_label(e.from_state) if e.from_state else "",
            state_label(e.to_state) if e.to_state else "",
            e.clause,
            words.summary(e),
            e.summary,
            e.prev_hash,
            e.hash,
            _references(e.details),
        ]


def _references(details) -> str:
    refs = entry_references(details)
    return refs.in_words() if refs else ""


def _heading(deal, check):
    """The export's heading in the reader's language; the command to check it later stays as typed."""
    status = gettext("verified") if check.ok else gettext("BROKEN: %(problem)s") % {"problem": check.problem}
    return [
        gettext("History of %(deal)s (%(slug)s)") % {"deal": in_language(deal.name, deal.name_zh), "slug": deal.slug},
        gettext("Chain %(key)s: %(length)s entries, head #%(length)s %(hash)s (%(status)s)")
        % {"key": check.key, "length": check.length, "hash": check.head_hash, "status": status},
        gettext("Exported %(when)s Beijing time (UTC+8); times below are Beijing time. Check later with: %(command)s")
        % {
            "when": beijing_clock(timezone.now(), seconds=True),
            "command": f"python manage.py verify_history --deal {deal.slug} --head {check.length}:{check.head_hash}",
        },
        *penalty_lines(deal),
        *transfer_lines(deal),  # issue 11 item 4: the transfer agent's records
    ]


def penalty_lines(deal) -> list:
    """SPA 8.2: each tranche's delay penalty as accrued so far, after the cap, and each liable party's share
    (the sum of its days' charged amounts), in the reader's language."""
    currency, lines = deal.price_currency, []
    for t in deal_penalties(deal).tranches:
        if t.accrued_through is None:
            continue
        shares = "; ".join(
            gettext("%(party)s %(amount)s (%(days)s day(s) of delay)")
            % {"party": role_label(party), "amount": amount_text(t.by_party.get(party, 0), 2), "days": days}
            for party, days in t.liable_days.items()
        )
        words = {
            "year": t.tranche.year,
            "through": t.accrued_through,
            "total": money_text(t.total, currency),
            "cap": amount_text(t.cap, 2) if t.cap is not None else "—",
        }
        if t.capped:
            line = gettext(
                "Delay penalty (SPA 8.2), year %(year)s, through %(through)s: %(total)s after the cap (cap %(cap)s, "
                "reached)"
            )
        else:
            line = gettext(
                "Delay penalty (SPA 8.2), year %(year)s, through %(through)s: %(total)s after the cap (cap %(cap)s)"
            )
        line = line % words
        lines.append(line + (f"; {shares}" if shares else ""))
    return lines


# defusedcsv quotes cells starting with = + - @ | %; a spreadsheet also runs a formula after a leading tab or
# carriage return, so those are made inert the same way (a leading apostrophe).
CONTROL_STARTS = ("\t", "\r")


def inert(cell):
    """A cell a spreadsheet shows as text, never runs as a formula (CSV injection): what a party typed into a
    summary or a reason reaches the other parties' spreadsheets (SPA 9 confidentiality)."""
    if isinstance(cell, str) and cell.startswith(CONTROL_STARTS):
        return "'" + cell
    return cell


def export_csv(deal):
    check = verify_chain(_chain(deal))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in _heading(deal, check):
        writer.writerow([f"# {line}"])
    writer.writerow([str(c) for c in COLUMNS])
    writer.writerows([inert(cell) for cell in row] for row in history_rows(deal))
    return buffer.getvalue().encode("utf-8-sig"), check


def _both(shown, record):
    """The reader's summary, then the English record when they differ (the PDF's summary cell)."""
    return shown if shown == record else f"{shown} / {record}"


def _with(summary, references):
    """The PDF's summary cell carries the entry's references below it (issue 12 item 5)."""
    return f"{summary} [{references}]" if references else summary


def export_pdf(deal):
    check = verify_chain(_chain(deal))
    rows = [
        [
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            r[5],
            f"{r[6]}→{r[7]}" if r[7] else "",
            r[8],
            _with(_both(r[9], r[10]), r[13]),
            r[12],
        ]
        for r in history_rows(deal)
    ]
    header = [
        "#",
        gettext("at (Beijing time)"),
        gettext("actor"),
        gettext("for"),
        gettext("yr"),
        gettext("action"),
        gettext("state"),
        gettext("clause"),
        gettext("summary"),
        gettext("hash"),
    ]
    return render_table_pdf(_heading(deal, check), header, rows), check
