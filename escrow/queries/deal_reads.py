"""What the deal page and /api/deals/<ref>/ read on every request, in hand-written SQL built once per process
(issue 13 item 1): built through the ORM, the deal's years with their open documents, its ledger with the
evidence, and its parties with their people cost 16,000 of the deal page's 49,000 function calls, most of it
compiling the same queries again. The rows become model objects as the ORM makes them (escrow.queries.rows);
tests/escrow/queries/test_deal_reads.py compares each read with the ORM query it replaced, on PostgreSQL and
SQLite."""

from collections import defaultdict

from django.contrib.auth import get_user_model

from escrow.models import DealParty, Instrument, ShareMovement, Signature, StoredDocument, Tranche
from escrow.models.transfers import TransferEvidence
from escrow.queries.rows import columns, loader, rows, width
from escrow.queries.year_parts import PARTS_SQL
from parties.models import Organisation

User = get_user_model()


def deal_tranches(deal, *parts) -> list:
    """The deal's years in year order, each with the deal object itself and `open_instruments` (its open documents
    in the order they were made, each with its signatures and their parties prefetched), what
    escrow.queries.steps.tranches_with_context reads for next_step; `parts`: escrow.queries.year_parts columns
    read with them (has(tranche, part)). Two queries, three when a year has an open document."""
    extra = [(name, PARTS_SQL[name]) for name in parts]
    sql = (
        f"SELECT {_TRANCHE_COLUMNS}"  # noqa: S608 (constant SQL, bound values)
        + "".join(f", EXISTS ({part_sql})" for _name, (part_sql, _params) in extra)
        + " FROM escrow_tranche WHERE escrow_tranche.deal_id = %s ORDER BY escrow_tranche.year"
    )
    params = [value for _name, (_sql, part_params) in extra for value in part_params]
    tranches = _tranches(sql, (*params, deal.pk), deal, [name for name, _part in extra])
    for tranche in tranches:
        tranche.open_instruments = []
    if tranches:
        _add_open_instruments(deal, {t.pk: t for t in tranches})
    return tranches


def tranches_of(deal) -> list:
    """The deal's years in year order, each with the deal object itself: deal.tranches.order_by("year")."""
    return _tranches(_TRANCHES_SQL, (deal.pk,), deal)


def _tranches(sql, params, deal, parts=()):
    load = loader(Tranche)
    tranches = []
    for row in rows(sql, params):
        tranche = load(row)
        for i, name in enumerate(parts):
            setattr(tranche, name, bool(row[_TRANCHE_WIDTH + i]))  # SQLite answers 0 or 1
        tranche.deal = deal
        tranches.append(tranche)
    return tranches


def _add_open_instruments(deal, by_pk):
    sql = (
        f"SELECT {_INSTRUMENT_COLUMNS} FROM escrow_instrument i"  # noqa: S608 (constant SQL, bound values)
        " WHERE i.status = %s AND i.tranche_id IN (SELECT t.id FROM escrow_tranche t WHERE t.deal_id = %s)"
        " ORDER BY i.created_at"  # the prefetch's order (tranches_with_context)
    )
    load = loader(Instrument)
    instruments = []
    for row in rows(sql, (Instrument.Status.OPEN.value, deal.pk)):
        instrument = load(row)
        tranche = by_pk[instrument.tranche_id]
        instrument.tranche = tranche  # as the prefetch leaves it: the instrument knows its year
        tranche.open_instruments.append(instrument)
        instruments.append(instrument)
    if not instruments:
        return
    signatures, by_instrument = defaultdict(list), {i.pk: i for i in instruments}
    sql = (
        f"SELECT {_SIGNATURE_COLUMNS}, {_PARTY_COLUMNS} FROM escrow_signature s"  # noqa: S608 (constant SQL)
        " JOIN escrow_dealparty p ON p.id = s.party_id"
        f" WHERE s.instrument_id IN ({', '.join(['%s'] * len(instruments))})"
        " ORDER BY s.signed_at"  # the model's order
    )
    load_signature, load_party = loader(Signature), loader(DealParty)
    for row in rows(sql, [i.pk for i in instruments]):
        signature = load_signature(row)
        signature.party = load_party(row[_SIGNATURE_WIDTH:])
        signature.instrument = by_instrument[signature.instrument_id]
        signatures[signature.instrument_id].append(signature)
    for instrument in instruments:
        _prefetched(instrument, "signatures", signatures[instrument.pk])


def _prefetched(instance, name, found):
    """`found` kept as instance.<name>.all(), as prefetch_related keeps it (Django's prefetch_one_level)."""
    manager = getattr(instance, name)
    queryset = manager.get_queryset()
    queryset._result_cache = found
    queryset._prefetch_done = True
    cache = instance.__dict__.setdefault("_prefetched_objects_cache", {})
    cache[manager.field.remote_field.cache_name] = queryset


def movements_with_evidence(deal, tranches) -> list:
    """The deal's share movements in the ledger's order (recorded_at, id), each with who recorded it and its
    transfer evidence (None when none was recorded) read with it, and its year taken from `tranches` (the deal's,
    already read): escrow.queries.transfers.ledger_records' read of the movements."""
    sql = (
        f"SELECT {_MOVEMENT_COLUMNS}, {_USER_COLUMNS}, {_EVIDENCE_COLUMNS}"  # noqa: S608 (constant SQL)
        " FROM escrow_sharemovement m"
        f" JOIN {User._meta.db_table} u ON u.id = m.recorded_by_id"
        " LEFT JOIN escrow_transferevidence e ON e.movement_id = m.id"
        " WHERE m.deal_id = %s ORDER BY m.recorded_at, m.id"
    )
    by_pk = {t.pk: t for t in tranches}
    load_movement, load_user, load_evidence = loader(ShareMovement), loader(User), loader(TransferEvidence)
    evidence_cache = ShareMovement.evidence.related
    found = []
    for row in rows(sql, (deal.pk,)):
        movement = load_movement(row)
        movement.recorded_by = load_user(row[_AT_USER:])
        evidence = load_evidence(row[_AT_EVIDENCE:]) if row[_AT_EVIDENCE] is not None else None
        evidence_cache.set_cached_value(movement, evidence)  # select_related's answer, None included
        if evidence is not None:
            evidence.movement = movement
        if movement.tranche_id in by_pk:
            movement.tranche = by_pk[movement.tranche_id]
        found.append(movement)
    return found


def transfer_confirmations(deal) -> list:
    """The deal's transfer agent's confirmations, oldest first (uploaded_at, id)."""
    sql = (
        f"SELECT {_DOCUMENT_COLUMNS} FROM escrow_storeddocument x"  # noqa: S608 (constant SQL, bound values)
        " WHERE x.deal_id = %s AND x.kind = %s ORDER BY x.uploaded_at, x.id"
    )
    load = loader(StoredDocument)
    return [load(row) for row in rows(sql, (deal.pk, StoredDocument.Kind.TRANSFER_CONFIRMATION.value))]


def current_parties(deal) -> list:
    """The deal's parties that have not ended, by role (the model's order within one deal), each with its
    organisation."""
    sql = (
        f"SELECT {_PARTY_COLUMNS}, {_ORGANISATION_COLUMNS} FROM escrow_dealparty p"  # noqa: S608 (constant SQL)
        f" JOIN {Organisation._meta.db_table} o ON o.id = p.organisation_id"
        " WHERE p.deal_id = %s AND p.ended_at IS NULL ORDER BY p.role, p.id"
    )
    load_party, load_organisation = loader(DealParty), loader(Organisation)
    parties = []
    for row in rows(sql, (deal.pk,)):
        party = load_party(row)
        party.organisation = load_organisation(row[_AT_ORGANISATION:])
        parties.append(party)
    return parties


def active_people(organisation_ids) -> list:
    """The active portal users of these organisations, by name (last, first)."""
    if not organisation_ids:
        return []
    sql = (
        f"SELECT {_USER_COLUMNS} FROM {User._meta.db_table} u"  # noqa: S608 (constant SQL, bound values)
        f" WHERE u.is_active AND u.organisation_id IN ({', '.join(['%s'] * len(organisation_ids))})"
        " ORDER BY u.last_name, u.first_name"
    )
    load = loader(User)
    return [load(row) for row in rows(sql, sorted(organisation_ids))]


_TRANCHE_COLUMNS, _TRANCHE_WIDTH = columns(Tranche, "escrow_tranche"), width(Tranche)
_TRANCHES_SQL = (
    f"SELECT {_TRANCHE_COLUMNS} FROM escrow_tranche"  # noqa: S608 (constant SQL, bound values)
    " WHERE escrow_tranche.deal_id = %s ORDER BY escrow_tranche.year"
)
_INSTRUMENT_COLUMNS = columns(Instrument, "i")
_SIGNATURE_COLUMNS, _SIGNATURE_WIDTH = columns(Signature, "s"), width(Signature)
_PARTY_COLUMNS, _ORGANISATION_COLUMNS = columns(DealParty, "p"), columns(Organisation, "o")
_AT_ORGANISATION = width(DealParty)
_MOVEMENT_COLUMNS, _USER_COLUMNS, _EVIDENCE_COLUMNS = (
    columns(ShareMovement, "m"),
    columns(User, "u"),
    columns(TransferEvidence, "e"),
)
_AT_USER = width(ShareMovement)
_AT_EVIDENCE = _AT_USER + width(User)
_DOCUMENT_COLUMNS = columns(StoredDocument, "x")
