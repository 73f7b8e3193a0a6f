"""The evidence pack of a release (one tranche) or of a whole deal (issue 11 item 5): one zip a party can
keep and check offline, without the portal.

It holds every stored document of the release or deal, a folder per kind (so kinds added later, such as the
sealed instrument and the transfer agent's confirmation, are included without a change here), the
instruments and their signatures, the tranche's figures and calculation as JSON, the calendar basis of every
deadline (EA 1.1, SPA 5.1, EA 3.2: which holiday notice or override each business-day count rests on), the
slice of the deal's hash-chained history with the chain head, the latest signed checkpoint statement, the
platform's certificate, README.txt, the verifier (escrow/documents/verify_pack.py) and manifest.json with
the SHA-256 of every file, signed by the platform.

The zip is deterministic: files in path order, one fixed timestamp, fixed permissions, so the same state
gives the same bytes (with an RSA platform key; an ECDSA signature differs each time).
"""

import json
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, timedelta
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import translation
from django.utils.text import slugify

from escrow.contract.calendar import deposit_due, make_holidays
from escrow.documents import platform_key
from escrow.documents import verify_pack as spec
from escrow.documents.storage import document_bytes, sha256_of
from escrow.history.chain import chain_key_for
from escrow.models import CalendarOverride, Checkpoint, HistoryChain, HistoryEntry, Instrument, StoredDocument
from escrow.queries.checkpoints import deal_statement, heads_of
from escrow.queries.clock import calendar_for

BEIJING = ZoneInfo(settings.CONTRACT_TIME_ZONE)  # a document's day in file names is the contract's day
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can say: no file carries the moment it was packed
VERIFIER = Path(spec.__file__)
README = Path(spec.__file__).with_name("evidence_readme.txt")


@dataclass(frozen=True)
class Pack:
    filename: str
    data: bytes


def pack_for_tranche(tranche) -> Pack:
    """EA 3.1-3.2: the evidence of one release, with the deal's history from its first entry about this year."""
    deal = tranche.deal
    files = _common(deal, [tranche], StoredDocument.objects.filter(tranche=tranche), with_deposit=False)
    files.update(_history(deal, tranche=tranche))
    return _pack(deal, files, scope="release", year=tranche.year)


def pack_for_deal(deal) -> Pack:
    """The evidence of the whole deal: every document, every year, the deal's whole history."""
    tranches = list(deal.tranches.order_by("year"))
    files = _common(deal, tranches, StoredDocument.objects.filter(deal=deal), with_deposit=True)
    files.update(_history(deal))
    return _pack(deal, files, scope="deal", year=None)


def _common(deal, tranches, documents, *, with_deposit) -> dict:
    files = {spec.CERTIFICATE: platform_key.platform_key().cert_pem.encode()}
    files.update(_documents(deal, documents))
    for tranche in tranches:
        files[f"years/year-{tranche.year}/tranche.json"] = _json(_row(tranche))
        files[f"years/year-{tranche.year}/calculation.json"] = _json(tranche.calculation or {})
        files[f"years/year-{tranche.year}/instruments.json"] = _json(_instruments(tranche))
    files["deadlines.json"] = _json(_deadlines(deal, tranches, with_deposit=with_deposit))
    return files


# --- documents ------------------------------------------------------------------------------------------


def _documents(deal, documents) -> dict:
    """documents/<kind>/<year or deal>-<Beijing date>-<sha256 prefix>.pdf, plus an index with each one's record."""
    files, index = {}, []
    for doc in documents.select_related("tranche", "uploaded_by").order_by("uploaded_at", "pk"):
        where = f"year-{doc.tranche.year}" if doc.tranche else "deal"
        name = (
            f"documents/{slugify(doc.kind)}/{where}-{doc.uploaded_at.astimezone(BEIJING):%Y%m%d}-{doc.sha256[:12]}.pdf"
        )
        files[name] = document_bytes(doc)  # refuses a stored file that no longer matches its recorded hash
        index.append(
            {
                "file": name,
                "kind": doc.kind,
                "kind_label": _english_label(doc.kind),
                "year": doc.tranche.year if doc.tranche else None,
                "sha256": doc.sha256,
                "size": doc.size,
                "original_name": doc.original_name,
                "uploaded_by": str(doc.uploaded_by) if doc.uploaded_by else "",
                "uploaded_at": doc.uploaded_at,
            }
        )
    files["documents/index.json"] = _json(index)
    return files


def _english_label(kind) -> str:
    """The kind's name in English whatever the reader's language: the same state gives the same pack."""
    if kind not in StoredDocument.Kind:
        return ""
    with translation.override("en"):
        return str(StoredDocument.Kind(kind).label)


def _instruments(tranche) -> list:
    """Each instrument of the year and its signatures over the SHA-256 of the exact bytes (EA 3.1(b), 3.3)."""
    instruments = Instrument.objects.filter(tranche=tranche).select_related("document")
    return [
        {
            "kind": i.kind,
            "status": i.status,
            "quantity": i.quantity,
            "document_sha256": i.document.sha256,
            "required_roles": i.required_roles,
            "created_at": i.created_at,
            "effective_at": i.effective_at,
            "signatures": [_signature(s) for s in i.signatures.select_related("party__organisation", "signer")],
        }
        for i in instruments.order_by("created_at", "pk")
    ]


def _signature(s) -> dict:
    return {
        "party": s.party.role,
        "organisation": str(s.party.organisation),
        "signer": str(s.signer),
        "sha256": s.sha256,
        "signed_at": s.signed_at,
        "method": s.auth_method,
        "ip_address": s.ip_address,
        "user_agent": s.user_agent,
    }


def _row(instance) -> dict:
    """Every column of the row, by name (fields added later, such as the transfer evidence, come along)."""
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


# --- deadlines and their calendar basis (P6) -------------------------------------------------------------


def _deadlines(deal, tranches, *, with_deposit) -> dict:
    cal = calendar_for(deal)
    table = make_holidays(cal.code)
    rows = CalendarOverride.objects.filter(calendar=cal.code)
    overrides = {o.day: o for o in rows}
    deadlines = []
    if with_deposit:
        due = deposit_due(deal.effective_date, cal).due
        deadlines.append(_business("deposit_due", "EA 1.1", None, deal.effective_date, due, 15, cal, table, overrides))
    for t in tranches:
        if t.release_due_date:
            deadlines.append(_calendar_days(t))
        if t.transfer_due_date and t.documents_complete_on:
            args = (t.documents_complete_on, t.transfer_due_date, 10, cal, table, overrides)
            deadlines.append(_business("transfer_due_date", "EA 3.2", t.year, *args))
    return {"calendar": cal.code, "holidays_package": _package_version(), "deadlines": deadlines}


def _calendar_days(tranche) -> dict:
    return {
        "deadline": "release_due_date",
        "clause": "SPA 5.1",
        "year": tranche.year,
        "start": tranche.period_end,
        "due": tranche.release_due_date,
        "rule": "60 calendar days after the end of the assessment year; no business-day calendar is involved",
        "basis": [],
    }


def _business(name, clause, year, start, due, days, cal, table, overrides) -> dict:
    """A business-day deadline: each year it counts over (announced, overridden or provisional) and every day
    in (start, due] that is not an ordinary weekday, with what makes it so."""
    span = [start + timedelta(days=n) for n in range(1, (due - start).days + 1)]
    return {
        "deadline": name,
        "clause": clause,
        "year": year,
        "start": start,
        "due": due,
        "rule": f"{days} business days after {start.isoformat()} (that day not counted), {cal.code} calendar",
        "years": [_year_basis(y, cal, table, overrides) for y in range(start.year, due.year + 1)],
        "basis": [b for d in span if (b := _day_basis(d, cal, table, overrides))],
    }


def _year_basis(year, cal, table, overrides) -> dict:
    overridden = sorted(d for d in overrides if d.year == year)
    date(year, 1, 1) in table  # noqa: B015  (the membership test makes the package load that year)
    if cal.is_provisional(year):
        source = "provisional: the holiday notice for this year is not in the calendar yet (P6)"
    elif any(d.year == year for d in table.weekend_workdays):
        source = f"State Council holiday notice for {year}, as published in the holidays package"
    else:
        source = "calendar overrides entered by the platform" if overridden else "the holidays package's rules"
    return {"year": year, "source": source, "overrides": len(overridden)}


def _day_basis(day: date, cal, table, overrides) -> dict | None:
    business = cal.is_business_day(day)
    weekend = day.weekday() >= 5
    if day in overrides:
        o = overrides[day]
        why = f"override by the platform ({o.note})" if o.note else "override by the platform"
    elif business == (not weekend):
        return None  # an ordinary weekday or weekend day: nothing to explain
    elif business:
        why = "make-up working day (a weekend day worked under the State Council holiday notice)"
    else:
        why = f"public holiday: {table.get(day) or 'in the holiday notice'}"
    return {"day": day, "business_day": business, "why": why}


def _package_version() -> str:
    import holidays

    return getattr(holidays, "__version__", "")


# --- history -------------------------------------------------------------------------------------------


def _history(deal, *, tranche=None) -> dict:
    """The chain slice with its head and the latest signed checkpoint statement. For a release the slice
    starts at the earlier of its first entry about this year and the entry the statement witnesses, so the
    statement can be checked against it; it always runs to the head."""
    chain = HistoryChain.objects.get(key=chain_key_for(deal))
    statement = _statement(deal, chain)
    entries = HistoryEntry.objects.filter(chain=chain, seq__lte=chain.length)
    start = 1
    if tranche is not None:
        first = entries.filter(tranche=tranche).order_by("seq").values_list("seq", flat=True).first()
        start = min(s for s in (first, statement and statement["length"], chain.length) if s)
    lines = [_line(e) for e in entries.filter(seq__gte=start).select_related("tranche").order_by("seq")]
    files = {
        spec.ENTRIES: b"".join(lines),
        spec.HEAD: _json({"chain": chain.key, "length": chain.length, "head_hash": chain.head_hash}),
    }
    if statement:
        files[spec.STATEMENT] = _json(statement)
    return files


def _line(e) -> bytes:
    entry = {
        "seq": e.seq,
        "at": e.at.astimezone(UTC).isoformat(),
        "actor": e.actor_name,
        "acting_for": e.acting_for,
        "year": e.tranche.year if e.tranche else None,
        "action": e.action,
        "from_state": e.from_state,
        "to_state": e.to_state,
        "clause": e.clause,
        "summary": e.summary,
        "details": e.details,
        "prev_hash": e.prev_hash,
        "hash": e.hash,
        "key_id": e.key_id,
    }
    return (json.dumps(entry, sort_keys=True, ensure_ascii=False, cls=DjangoJSONEncoder) + "\n").encode()


def _statement(deal, chain) -> dict | None:
    """The deal's head as the latest checkpoint witnessed it, signed as its parties received it."""
    for checkpoint in Checkpoint.objects.order_by("-day"):
        for key, length, head in heads_of(checkpoint):
            if key == chain.key and 0 < length <= chain.length:
                fields = {"day": checkpoint.day.isoformat(), "deal": deal.slug, "chain": key}
                fields |= {"length": length, "head_hash": head, "checkpoint_digest": checkpoint.digest}
                return deal_statement(platform_key.platform_key(), fields)
    return None


# --- the zip -------------------------------------------------------------------------------------------


def _json(data) -> bytes:
    return spec.canonical_json(json.loads(json.dumps(data, cls=DjangoJSONEncoder)))


def _pack(deal, files, *, scope, year) -> Pack:
    files["README.txt"] = README.read_bytes()
    files["verify_pack.py"] = VERIFIER.read_bytes()
    files[spec.MANIFEST] = _manifest(deal, files, scope=scope, year=year)
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type, info.create_system, info.external_attr = zipfile.ZIP_DEFLATED, 3, 0o100644 << 16
            archive.writestr(info, files[name])
    suffix = f"year-{year}-evidence" if year else "evidence"
    return Pack(f"{deal.slug}-{suffix}.zip", buffer.getvalue())


def _manifest(deal, files, *, scope, year) -> bytes:
    key = platform_key.platform_key()
    head = json.loads(files[spec.HEAD])
    manifest = {
        "format": spec.FORMAT,
        "scope": scope,
        "deal": deal.slug,
        "deal_name": deal.name,
        "year": year,
        "chain": {"key": head["chain"], "length": head["length"], "head_hash": head["head_hash"]},
        "files": [{"path": n, "sha256": sha256_of(d), "size": len(d)} for n, d in sorted(files.items())],
    }
    manifest["platform_signature"] = {
        "signed": "manifest.json without platform_signature and manifest_sha256, compact sorted ASCII JSON",
        "certificate": spec.CERTIFICATE,
        "signature": key.sign(spec.signed_part(manifest)),
    }
    manifest["manifest_sha256"] = spec.self_hash(manifest)
    return spec.canonical_json(manifest)
