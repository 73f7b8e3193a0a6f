"""A deal's history as CSV and PDF, with the chain's head hash, so any party can keep a copy and
check it later (`manage.py verify_history --deal SLUG --head SEQ:HASH`)."""

import io
from datetime import UTC

from defusedcsv import csv
from django.utils import timezone

from escrow.documents.pdf import render_table_pdf
from escrow.history.chain import chain_key_for, verify_chain
from escrow.models import HistoryChain
from escrow.queries.penalties import deal_penalties
from escrow.queries.transfers import entry_references, transfer_lines

COLUMNS = [
    "seq",
    "at (UTC)",
    "actor",
    "acting for",
    "year",
    "action",
    "from",
    "to",
    "clause",
    "summary",
    "prev_hash",
    "hash",
    "references",  # issue 12 item 5: the transfer agent's record or reference the entry's details carry
]


def _chain(deal):
    chain, _ = HistoryChain.objects.get_or_create(key=chain_key_for(deal))
    return chain


def history_rows(deal):
    entries = _chain(deal).entries.select_related("tranche").order_by("seq")
    for e in entries.iterator():
        yield [
            e.seq,
            e.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f"),
            e.actor_name,
            e.acting_for,
            e.tranche.year if e.tranche else "",
            e.action,
            e.from_state,
            e.to_state,
            e.clause,
            e.summary,
            e.prev_hash,
            e.hash,
            _references(e.details),
        ]


def _references(details) -> str:
    refs = entry_references(details)
    return refs.in_words() if refs else ""


def _heading(deal, check):
    status = "verified" if check.ok else f"BROKEN: {check.problem}"
    return [
        f"History of {deal.name} ({deal.slug})",
        f"Chain {check.key}: {check.length} entries, head #{check.length} {check.head_hash} ({status})",
        f"Exported {timezone.now():%Y-%m-%d %H:%M:%S %Z}. Check later with: "
        f"python manage.py verify_history --deal {deal.slug} --head {check.length}:{check.head_hash}",
        *penalty_lines(deal),
        *transfer_lines(deal),  # issue 11 item 4: the transfer agent's records
    ]


def penalty_lines(deal) -> list:
    """SPA 8.2: each tranche's delay penalty as accrued so far, after the cap, and each liable party's share
    (the sum of its days' charged amounts), in English like the rest of the record."""
    currency, lines = deal.price_currency, []
    for t in deal_penalties(deal).tranches:
        if t.accrued_through is None:
            continue
        shares = "; ".join(
            f"{party} {t.by_party.get(party, 0):,.2f} ({days} day(s) of delay)" for party, days in t.liable_days.items()
        )
        cap = "" if t.cap is None else f" (cap {t.cap:,.2f}{', reached' if t.capped else ''})"
        lines.append(
            f"Delay penalty (SPA 8.2), year {t.tranche.year}, through {t.accrued_through}: {currency} "
            f"{t.total:,.2f} after the cap{cap}" + (f"; {shares}" if shares else "")
        )
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
    writer.writerow(COLUMNS)
    writer.writerows([inert(cell) for cell in row] for row in history_rows(deal))
    return buffer.getvalue().encode("utf-8-sig"), check


def _with(summary, references):
    """The PDF's summary cell carries the entry's references below it (issue 12 item 5)."""
    return f"{summary} [{references}]" if references else summary


def export_pdf(deal):
    check = verify_chain(_chain(deal))
    rows = [
        [r[0], r[1][:19], r[2], r[3], r[4], r[5], f"{r[6]}→{r[7]}" if r[7] else "", r[8], _with(r[9], r[12]), r[11]]
        for r in history_rows(deal)
    ]
    header = ["#", "at (UTC)", "actor", "for", "yr", "action", "state", "clause", "summary", "hash"]
    return render_table_pdf(_heading(deal, check), header, rows), check
