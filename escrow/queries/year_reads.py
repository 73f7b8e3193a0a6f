"""A year's instruments with their signatures, its audited reports and its documents, read with hand-written SQL
built once per process (issue 13 item 1): the tranche page, /api/tranches/<id>/ and /api/instruments/<id>/ built
these queries through the ORM on every request (select_related over six tables and a prefetch: about 4,500
function calls for the instruments alone). Same rows, same order, same objects as the ORM queries they replace
(tests/escrow/queries/test_year_reads.py compares them on PostgreSQL and SQLite); the rows become model objects
through escrow.queries.rows, each related object set as select_related sets it, each list as prefetch_related
leaves it.
"""

from django.utils.translation import gettext as _

from escrow.contract.errors import NotFound
from escrow.history.chain import chain_key_for
from escrow.models import (
    AuditReport,
    DealParty,
    HistoryChain,
    HistoryEntry,
    Instrument,
    Signature,
    StoredDocument,
    Tranche,
)
from escrow.queries import deals
from escrow.queries.deals import BIGGEST_ID
from escrow.queries.rows import columns, loader, rows, width
from escrow.queries.year_parts import PARTS_SQL, year_parts
from parties.models import Organisation, User

_USERS, _ORGS = User._meta.db_table, Organisation._meta.db_table
_DOC, _USER, _PARTY, _ORG = width(StoredDocument), width(User), width(DealParty), width(Organisation)

# An instrument, its document and the signed one (null until sealed), each with who uploaded it (null for the
# portal's own documents). The ORM's select_related("document__uploaded_by", "sealed_document__uploaded_by").
_INSTRUMENTS = (
    f"SELECT {columns(Instrument, 'i')}, {columns(StoredDocument, 'd')}, {columns(User, 'du')},"  # noqa: S608 (constant SQL)
    f" {columns(StoredDocument, 's')}, {columns(User, 'su')}"
    " FROM escrow_instrument i JOIN escrow_storeddocument d ON d.id = i.document_id"
    f" LEFT JOIN {_USERS} du ON du.id = d.uploaded_by_id"
    " LEFT JOIN escrow_storeddocument s ON s.id = i.sealed_document_id"
    f" LEFT JOIN {_USERS} su ON su.id = s.uploaded_by_id"
)
# A signature with its party, the party's organisation and the signer, in the model's order (signed_at).
_SIGNATURES = (
    f"SELECT {columns(Signature, 'g')}, {columns(DealParty, 'p')}, {columns(Organisation, 'o')},"  # noqa: S608 (constant SQL)
    f" {columns(User, 'u')}"
    " FROM escrow_signature g JOIN escrow_dealparty p ON p.id = g.party_id"
    f" JOIN {_ORGS} o ON o.id = p.organisation_id JOIN {_USERS} u ON u.id = g.signer_id"
)
# A report with its firm's party and organisation, who filed it, its document and who uploaded that.
_REPORTS = (
    f"SELECT {columns(AuditReport, 'r')}, {columns(DealParty, 'p')}, {columns(Organisation, 'o')},"  # noqa: S608 (constant SQL)
    f" {columns(User, 'f')}, {columns(StoredDocument, 'd')}, {columns(User, 'du')}"
    " FROM escrow_auditreport r JOIN escrow_dealparty p ON p.id = r.firm_id"
    f" JOIN {_ORGS} o ON o.id = p.organisation_id JOIN {_USERS} f ON f.id = r.filed_by_id"
    " JOIN escrow_storeddocument d ON d.id = r.document_id"
    f" LEFT JOIN {_USERS} du ON du.id = d.uploaded_by_id"
    " WHERE r.tranche_id = %s ORDER BY r.filed_at"
)
_DOCUMENTS = (
    f"SELECT {columns(StoredDocument, 'd')}, {columns(User, 'du')}"  # noqa: S608 (constant SQL)
    f" FROM escrow_storeddocument d LEFT JOIN {_USERS} du ON du.id = d.uploaded_by_id"
    " WHERE d.tranche_id = %s ORDER BY d.uploaded_at"
)
BY_TRANCHE = (
    _INSTRUMENTS + " WHERE i.tranche_id = %s ORDER BY i.created_at",
    _SIGNATURES + " WHERE g.instrument_id IN (SELECT id FROM escrow_instrument WHERE tranche_id = %s)"  # noqa: S608
    " ORDER BY g.signed_at",
)
BY_ID = (_INSTRUMENTS + " WHERE i.id = %s", _SIGNATURES + " WHERE g.instrument_id = %s ORDER BY g.signed_at")


def instruments_of(tranche):
    """The year's instruments oldest first, each with its documents and their uploaders and its signatures (party,
    organisation, signer): what Prefetch("instruments", select_related(...).prefetch_related(signatures)) gives.
    The instruments' `tranche` is the one passed."""
    found = _instruments(*BY_TRANCHE, tranche.pk)
    for instrument in found:
        Instrument.tranche.field.set_cached_value(instrument, tranche)
    return found


def instrument_by_id(pk):
    """One instrument as `instruments_of` reads it, or None (its tranche is not read)."""
    found = _instruments(*BY_ID, pk)
    return found[0] if found else None


def _instruments(instruments_sql, signatures_sql, key):
    load_instrument, load_document, load_user = loader(Instrument), loader(StoredDocument), loader(User)
    at_doc = width(Instrument)
    at_doc_user, at_sealed = at_doc + _DOC, at_doc + _DOC + _USER
    at_sealed_user = at_sealed + _DOC
    found = []
    for row in rows(instruments_sql, (key,)):
        instrument = load_instrument(row)
        document = load_document(row[at_doc:])
        _set(StoredDocument.uploaded_by, document, _maybe(load_user, row, at_doc_user))
        _set(Instrument.document, instrument, document)
        sealed = _maybe(load_document, row, at_sealed)
        if sealed is not None:
            _set(StoredDocument.uploaded_by, sealed, _maybe(load_user, row, at_sealed_user))
        _set(Instrument.sealed_document, instrument, sealed)
        found.append(instrument)
    signatures = {instrument.pk: [] for instrument in found}
    if found:
        for signature in _signatures(signatures_sql, key):
            signatures[signature.instrument_id].append(signature)
    for instrument in found:
        prefetched(instrument, "signatures", signatures[instrument.pk])
    return found


def _signatures(sql, key):
    load, load_party, load_org, load_user = loader(Signature), loader(DealParty), loader(Organisation), loader(User)
    at_party = width(Signature)
    at_org, at_user = at_party + _PARTY, at_party + _PARTY + _ORG
    found = []
    for row in rows(sql, (key,)):
        signature, party = load(row), load_party(row[at_party:])
        _set(DealParty.organisation, party, load_org(row[at_org:]))
        _set(Signature.party, signature, party)
        _set(Signature.signer, signature, load_user(row[at_user:]))
        found.append(signature)
    return found


def reports_read(tranche, documents=None):
    """Every report of the year oldest first (escrow.queries.reports.reports_of's rows), each with its firm's party
    and organisation, who filed it, its document and the document's uploader; a document among `documents` (the
    year's, when the caller read them) is taken from them. The reports' `tranche` is the one passed."""
    load, load_party, load_org, load_user, load_document = (
        loader(AuditReport),
        loader(DealParty),
        loader(Organisation),
        loader(User),
        loader(StoredDocument),
    )
    at_party = width(AuditReport)
    at_org, at_filer = at_party + _PARTY, at_party + _PARTY + _ORG
    at_doc = at_filer + _USER
    by_pk = {document.pk: document for document in documents or ()}
    found = []
    for row in rows(_REPORTS, (tranche.pk,)):
        report, party = load(row), load_party(row[at_party:])
        _set(DealParty.organisation, party, load_org(row[at_org:]))
        _set(AuditReport.firm, report, party)
        _set(AuditReport.filed_by, report, load_user(row[at_filer:]))
        document = by_pk.get(report.document_id)
        if document is None:
            document = load_document(row[at_doc:])
            _set(StoredDocument.uploaded_by, document, _maybe(load_user, row, at_doc + _DOC))
        _set(AuditReport.document, report, document)
        AuditReport.tranche.field.set_cached_value(report, tranche)
        found.append(report)
    return found


def documents_read(tranche):
    """The year's stored documents oldest first with who uploaded each: tranche.documents.select_related(
    "uploaded_by").order_by("uploaded_at"). Their `tranche` is the one passed."""
    load_document, load_user = loader(StoredDocument), loader(User)
    found = []
    for row in rows(_DOCUMENTS, (tranche.pk,)):
        document = load_document(row)
        _set(StoredDocument.uploaded_by, document, _maybe(load_user, row, _DOC))
        StoredDocument.tranche.field.set_cached_value(document, tranche)
        found.append(document)
    return found


def prefetched(obj, relation, items):
    """`obj.<relation>.all()` answering `items` without a query, as prefetch_related leaves it
    (django.db.models.query.prefetch_one_level): the relation's own queryset, so a further filter on it
    (escrow.queries.preconditions: "has this party signed?") still asks the database."""
    done = getattr(obj, relation).get_queryset()
    done._result_cache, done._prefetch_done = list(items), True
    obj.__dict__.setdefault("_prefetched_objects_cache", {})[relation] = done


def _maybe(load, row, at):
    """The object whose columns start at `at`, or None when a LEFT JOIN found none (its id is null)."""
    return None if row[at] is None else load(row[at:])


def _set(descriptor, obj, value):
    """A forward relation's object kept on `obj` as select_related keeps it (no query when it is read)."""
    descriptor.field.set_cached_value(obj, value)


def tranche_by_id(user, pk) -> Tranche:
    """/api/tranches/<id>/: the year if its deal is visible to the person (NotFound "No such tranche." otherwise),
    with who prepared its calculation and the year-parts columns (escrow.queries.year_parts), then its deal with
    the person's party (deal_for: NotFound "No such deal." without one, NotAllowed as `require` says). What
    deals.tranche_for(user, pk, related=["prepared_by"], annotate=year_parts()) reads, in the same two queries
    (tests/escrow/queries/test_year_reads.py)."""
    found = _visible_rows(user, _TRANCHE, pk, _PARTS_PARAMS)
    if not found:
        raise NotFound(_("No such tranche."))
    tranche = _year_from(found[0])
    tranche.deal = deals.deal_for(user, tranche.deal_id)
    return tranche


def instrument_for(user, pk) -> Instrument:
    """/api/instruments/<id>/: the instrument if its deal is visible to the person (NotFound "No such document."
    otherwise), as `instruments_of` reads it, with its tranche and deal (deal_for: the person's party kept on it).
    What deals.instrument_for reads, its documents and signatures with it."""
    found = _visible_rows(user, _INSTRUMENT_TRANCHE, pk)
    if not found:
        raise NotFound(_("No such document."))
    tranche = loader(Tranche)(found[0])
    tranche.deal = deals.deal_for(user, tranche.deal_id)
    instrument = instrument_by_id(pk)
    Instrument.tranche.field.set_cached_value(instrument, tranche)
    for document in (instrument.document, instrument.sealed_document):
        if document is not None and document.tranche_id == tranche.pk:
            StoredDocument.tranche.field.set_cached_value(document, tranche)  # the tranche just read: no query
    return instrument


def tranche_of_year(user, deal, year) -> Tranche:
    """The tranche page's year: `deal`'s tranche of that year with the year-parts columns (NotFound "No such
    tranche." when there is none), for a `deal` deal_for returned for this person. What deals.tranche_for(user,
    deal=deal, year=year, annotate=year_parts()) reads; any other deal object goes through it (checked there)."""
    if not deals._found_for(user, deal):
        return deals.tranche_for(user, deal=deal, year=year, annotate=year_parts())
    found = rows(_TRANCHE_OF_YEAR, (*_PARTS_PARAMS, deal.pk, int(year))) if int(year) <= BIGGEST_ID else []
    if not found:
        raise NotFound(_("No such tranche."))
    tranche = _year_from(found[0])
    tranche.deal = deal
    return tranche


def year_history(deal, tranche):
    """The year's entries of the deal's own chain in chain order, each about `tranche` (set, not joined): what
    history_of(deal, tranche=tranche).select_related(None) reads."""
    load = loader(HistoryEntry)
    found = []
    for row in rows(_YEAR_HISTORY, (deal.pk, chain_key_for(deal), tranche.pk)):
        entry = load(row)
        HistoryEntry.tranche.field.set_cached_value(entry, tranche)
        found.append(entry)
    return found


def _year_from(row):
    """A year read by _TRANCHE's select list: its columns, who prepared it, its year-parts columns."""
    tranche = loader(Tranche)(row)
    Tranche.prepared_by.field.set_cached_value(tranche, _maybe(loader(User), row, _AT_PREPARER))
    for name, value in zip(PARTS_SQL, row[_AT_PARTS:], strict=True):
        setattr(tranche, name, value)
    return tranche


def _visible_rows(user, sql, pk, leading=()):
    """The rows of `sql` (a query on "escrow_tranche" ending in a WHERE; `leading`: the parameters of its select
    list) for id `pk` on a deal visible to `user`."""
    if not user or not user.is_authenticated or int(pk) > BIGGEST_ID:
        return []
    visible, params = deals.visible_deals_sql(user, '"escrow_tranche"."deal_id"')
    return rows(f"{sql} AND {visible}", (*leading, int(pk), *params))


# The year, who prepared it, then one EXISTS column per year part, on the unaliased table the parts name.
_AT_PREPARER = width(Tranche)
_AT_PARTS = _AT_PREPARER + _USER
_PARTS_PARAMS = tuple(param for _sql, params in PARTS_SQL.values() for param in params)
_YEAR = (
    f"SELECT {columns(Tranche, 'escrow_tranche')}, {columns(User, 'pb')}, "  # noqa: S608 (constant SQL)
    + ", ".join(f"EXISTS ({sql})" for sql, _params in PARTS_SQL.values())
    + f' FROM escrow_tranche LEFT JOIN {_USERS} pb ON pb.id = "escrow_tranche"."prepared_by_id"'
)
_TRANCHE = _YEAR + ' WHERE "escrow_tranche"."id" = %s'
# the ORM's .order_by("pk").first() of one deal's year
_TRANCHE_OF_YEAR = _YEAR + ' WHERE "escrow_tranche"."deal_id" = %s AND "escrow_tranche"."year" = %s ORDER BY 1 LIMIT 1'
_YEAR_HISTORY = (
    f"SELECT {columns(HistoryEntry, 'e')} FROM {HistoryEntry._meta.db_table} e"  # noqa: S608 (constant SQL)
    f" JOIN {HistoryChain._meta.db_table} c ON c.id = e.chain_id"
    " WHERE e.deal_id = %s AND c.key = %s AND e.tranche_id = %s ORDER BY e.seq"
)
_INSTRUMENT_TRANCHE = (
    f"SELECT {columns(Tranche, 'escrow_tranche')} FROM escrow_tranche"  # noqa: S608 (constant SQL)
    ' JOIN escrow_instrument i ON i.tranche_id = "escrow_tranche"."id" WHERE i.id = %s'
)
