"""Issue 13 item 1: some API reads written as plain dicts, the very shape their serializers give (the serializers
stay the schema's description), without DRF's field machinery per field and item (as escrow.api.serializers
does for the long lists: due_action_data, deal_summary_data). Each field is its serializer field's
to_representation: CharField str, IntegerField int, DateField ISO 8601, BooleanField bool, a value of None kept
None (as Serializer.to_representation keeps it); the decimal and date-time fields call a DRF field of the same
settings, so rounding, normalising and the time zone are DRF's own. tests/escrow/api/test_plain_reads.py
compares each with its serializer for every kind of item, in both languages."""

from rest_framework import serializers

from escrow.api.serializers import _day, _int, _money, _text

_MOMENT = serializers.DateTimeField()  # HistoryEntrySerializer.at: the current time zone, ISO 8601
_MONEY = _money("")  # the penalty's amounts (24 digits, 8 places, normalised)


def _bool(value):
    return None if value is None else bool(value)


def _field(field, value):
    return None if value is None else field.to_representation(value)


def history_entry_data(entry, year) -> dict:
    """HistoryEntrySerializer(entry).data, `year` its tranche's year (None: an entry about the whole deal)."""
    return {
        "seq": _int(entry.seq),
        "at": _field(_MOMENT, entry.at),
        "actor": _text(entry.actor_name),
        "acting_for": _text(entry.acting_for),
        "tranche_year": _int(year),
        "action": _text(entry.action),
        "from_state": _text(entry.from_state),
        "to_state": _text(entry.to_state),
        "clause": _text(entry.clause),
        "summary": _text(entry.summary),
        "details": entry.details,  # JSONField: the value itself, rendered by the JSON renderer
        "prev_hash": _text(entry.prev_hash),
        "hash": _text(entry.hash),
    }


def _parties(summary) -> list:
    """escrow.api.serializers._parties: each liable party's capped share and days, in the summary's order."""
    return [
        {"party": _text(p), "charged": _field(_MONEY, summary.by_party.get(p, 0)), "days": _int(n)}
        for p, n in summary.liable_days.items()
    ]


def deal_penalty_data(penalties) -> dict:
    """DealPenaltySerializer(penalties).data for escrow.queries.penalties.deal_penalties' answer."""
    deal = penalties.deal
    return {
        "deal": _text(deal.slug),
        "currency": _text(deal.price_currency),
        "total": _field(_MONEY, penalties.total),
        "parties": _parties(penalties),
        "tranches": [
            {
                "total": _field(_MONEY, t.total),
                "cap": _field(_MONEY, t.cap),
                "capped": _bool(t.capped),
                "accrued_through": _day(t.accrued_through),
                "parties": _parties(t),
                "tranche": _int(t.tranche.pk),
                "year": _int(t.tranche.year),
                "missing_price_days": _int(t.missing_price_days),
            }
            for t in penalties.tranches
        ],
    }
