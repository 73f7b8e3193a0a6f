#!/usr/bin/env python3
"""Verify an escrow portal evidence pack offline (issue 11 item 5).

    python3 verify_pack.py PACK.zip        (or the folder the zip was extracted into)

Standard library only. With `cryptography` installed it also checks the platform's signatures over the
manifest and the checkpoint statement; with `pyHanko` installed, the platform's seal (PAdES) on each PDF.
Checks:
  1. manifest.json is intact (its own SHA-256) and every file it lists is present with that SHA-256;
     a file changed, missing or not listed (added) is named;
  2. the history slice (history/entries.jsonl): positions consecutive, each entry links to the one before
     (prev_hash), the last one is the chain head (history/chain-head.json); a slice from #1 starts at the
     genesis hash. The entries' own hashes are HMACs keyed with a secret only the platform holds, so they
     cannot be recomputed here: the signed checkpoint statement witnesses them instead;
  3. the signed checkpoint statement (history/checkpoint-statement.json), if any: same chain, its head is in
     the slice with the same hash;
  4. each sealed PDF's signature covers the file unchanged.
Exit status 0 when everything checked is intact, 1 when something is not (each problem names its file),
2 when the pack cannot be read at all. This file is copied into every pack; the portal's copy is
escrow/documents/verify_pack.py.
"""

import base64
import hashlib
import io
import json
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

FORMAT = "escrow-evidence-pack/1"
MANIFEST = "manifest.json"
ENTRIES = "history/entries.jsonl"
HEAD = "history/chain-head.json"
STATEMENT = "history/checkpoint-statement.json"
CERTIFICATE = "platform-certificate.pem"
GENESIS = "0" * 64
HEX = frozenset("0123456789abcdef")


def canonical_json(data) -> bytes:
    """The one spelling of a JSON file in a pack: sorted keys, two-space indent, UTF-8, final newline."""
    return (json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


def signed_part(manifest: dict) -> bytes:
    """What the platform signs: the manifest without its signature and its own hash, compact and ASCII."""
    body = {k: v for k, v in manifest.items() if k not in ("platform_signature", "manifest_sha256")}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def self_hash(manifest: dict) -> str:
    """The manifest's SHA-256 over everything in it but this hash (catches a change to the manifest)."""
    body = {k: v for k, v in manifest.items() if k != "manifest_sha256"}
    return hashlib.sha256(canonical_json(body)).hexdigest()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Report:
    problems: list = field(default_factory=list)  # (file, message)
    notes: list = field(default_factory=list)

    def problem(self, name, message):
        self.problems.append((name, message))

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def named(self) -> set:
        return {name for name, _ in self.problems}


def read_pack(path) -> tuple[dict, Report]:
    """{name: bytes} from a zip or a folder; a zip member that cannot be read (CRC) is a problem."""
    report, files = Report(), {}
    path = Path(path)
    if path.is_dir():
        for item in sorted(p for p in path.rglob("*") if p.is_file()):
            files[item.relative_to(path).as_posix()] = item.read_bytes()
        return files, report
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            try:
                files[info.filename] = archive.read(info)
            except Exception as exc:  # a bad CRC (BadZipFile) or a corrupted deflate stream (zlib.error)
                report.problem(info.filename, f"changed: it cannot be read from the zip ({exc})")
    return files, report


def verify(path) -> Report:
    files, report = read_pack(path)
    return verify_files(files, report)


def verify_files(files: dict, report: Report | None = None) -> Report:
    """The checks over the pack's files as {name: bytes}."""
    report = report or Report()
    manifest = check_manifest(files, report)
    if manifest is None:
        return report
    check_files(files, manifest, report)
    entries, head = check_chain(files, manifest, report)
    check_statement(files, entries, head, report)
    check_signature(files, manifest, report)
    check_seals(files, report)
    return report


def check_manifest(files, report):
    data = files.get(MANIFEST)
    if data is None:
        if MANIFEST not in report.named:
            report.problem(MANIFEST, "missing: without it nothing can be checked")
        return None
    try:
        manifest = json.loads(data.decode())
    except (UnicodeDecodeError, ValueError):
        report.problem(MANIFEST, "changed: it is no longer valid JSON")
        return None
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != FORMAT
        or not isinstance(manifest.get("files"), list)
    ):
        report.problem(MANIFEST, f"changed: it is not a manifest of the format {FORMAT}")
        return None
    if canonical_json(manifest) != data or manifest.get("manifest_sha256") != self_hash(manifest):
        report.problem(MANIFEST, "changed: its content does not match its own SHA-256 (manifest_sha256)")
    return manifest


def check_files(files, manifest, report):
    listed = {}
    for item in manifest["files"]:
        if isinstance(item, dict) and isinstance(item.get("path"), str):
            listed[item["path"]] = item
    for name, item in sorted(listed.items()):
        if name in report.named:
            continue  # already named: unreadable from the zip
        if name not in files:
            report.problem(name, "missing: the manifest lists it but the pack does not have it")
        elif sha256(files[name]) != item.get("sha256") or len(files[name]) != item.get("size"):
            report.problem(name, "changed: its SHA-256 is not the one in the manifest")
    for name in sorted(set(files) - set(listed) - {MANIFEST}):
        report.problem(name, "added: the manifest does not list it")
    report.notes.append(f"{len(listed)} files listed in the manifest")


def _json(files, name, report, *, lines=False):
    data = files.get(name)
    if data is None:
        return None
    try:
        text = data.decode()
        return [json.loads(line) for line in text.splitlines() if line.strip()] if lines else json.loads(text)
    except (UnicodeDecodeError, ValueError):
        if name not in report.named:
            report.problem(name, "changed: it is no longer valid JSON")
        return None


def _is_hash(value) -> bool:
    return isinstance(value, str) and len(value) == 64 and set(value) <= HEX


def check_chain(files, manifest, report):
    """The slice's links and its head. Hashes are keyed (HMAC): links and head are checked, not recomputed."""
    entries, head = _json(files, ENTRIES, report, lines=True), _json(files, HEAD, report)
    if entries is None or head is None:
        return entries or [], head or {}
    problem = _chain_problem(entries, head, manifest)
    if problem:
        report.problem(*problem)
    elif entries:
        first, last = entries[0]["seq"], entries[-1]["seq"]
        report.notes.append(f"history: entries #{first} to #{last} link up to the chain head {head['head_hash']}")
    return entries, head


def _chain_problem(entries, head, manifest):
    if head.get("chain") != manifest.get("chain", {}).get("key"):
        return HEAD, "changed: it names another chain than the manifest"
    previous = None
    for entry in entries:
        if not isinstance(entry, dict) or not _is_hash(entry.get("hash")) or not _is_hash(entry.get("prev_hash")):
            return ENTRIES, "changed: an entry has no well-formed hash or prev_hash"
        if previous is None:
            if entry.get("seq") == 1 and entry["prev_hash"] != GENESIS:
                return ENTRIES, "changed: entry #1 does not start from the genesis hash"
        elif entry.get("seq") != previous["seq"] + 1:
            return ENTRIES, f"changed: entry #{previous['seq'] + 1} is missing (next is #{entry.get('seq')})"
        elif entry["prev_hash"] != previous["hash"]:
            return ENTRIES, f"changed: entry #{entry.get('seq')} does not link to entry #{previous['seq']}"
        previous = entry
    if previous is None:
        return ENTRIES, "changed: the history slice is empty"
    if previous["seq"] != head.get("length") or previous["hash"] != head.get("head_hash"):
        return ENTRIES, f"changed: the slice ends at #{previous['seq']}, not at the chain head #{head.get('length')}"
    return None


def check_statement(files, entries, head, report):
    statement = _json(files, STATEMENT, report)
    if statement is None:
        if STATEMENT not in files:
            report.notes.append("no signed checkpoint statement in the pack (none made yet for this deal)")
        return
    by_seq = {e.get("seq"): e.get("hash") for e in entries if isinstance(e, dict)}
    length = statement.get("length")
    if statement.get("chain") != head.get("chain"):
        report.problem(STATEMENT, "changed: it is about another chain than the history slice")
    elif isinstance(length, int) and length in by_seq and by_seq[length] != statement.get("head_hash"):
        report.problem(ENTRIES, f"changed: entry #{length} has another hash than the signed checkpoint witnessed")
    elif isinstance(length, int) and length in by_seq:
        report.notes.append(f"the signed checkpoint of {statement.get('day')} witnesses entry #{length}")
    else:
        report.notes.append(f"the signed checkpoint's entry #{length} is outside this slice")
    _check_rsa(files, report, STATEMENT, _statement_body(statement), statement.get("signature", ""))
    certificate = files.get(CERTIFICATE)
    if certificate is not None and statement.get("certificate_sha256") != _certificate_fingerprint(certificate):
        report.problem(STATEMENT, "it names another certificate than platform-certificate.pem")


def _statement_body(statement) -> bytes:
    body = {k: v for k, v in statement.items() if k != "signature"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def check_signature(files, manifest, report):
    signature = manifest.get("platform_signature") or {}
    _check_rsa(files, report, MANIFEST, signed_part(manifest), signature.get("signature", ""))


def _certificate_fingerprint(pem: bytes) -> str:
    text = pem.decode(errors="replace")
    body = text.split("-----BEGIN CERTIFICATE-----")[-1].split("-----END CERTIFICATE-----")[0]
    try:
        return sha256(base64.b64decode("".join(body.split())))
    except ValueError:
        return ""


def _check_rsa(files, report, name, data: bytes, signature_b64: str):
    """The platform's signature with the pack's certificate; skipped (noted) without `cryptography`."""
    try:
        from cryptography import x509
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec, padding
    except ImportError:
        report.notes.append(f"{name}: platform signature not checked (install `cryptography` to check it)")
        return
    pem = files.get(CERTIFICATE)
    if pem is None:
        return  # named as missing by the manifest
    try:
        public_key = x509.load_pem_x509_certificate(pem).public_key()
        signature = base64.b64decode(signature_b64, validate=True)
        if isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        else:
            public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError, TypeError):
        report.problem(name, "changed: the platform's signature over it does not verify")
        return
    report.notes.append(f"{name}: the platform's signature verifies")


def check_seals(files, report):
    """Each PDF carrying a signature: pyHanko checks it covers the file unchanged and was made by the platform."""
    sealed = [n for n, d in sorted(files.items()) if n.lower().endswith(".pdf") and b"/ByteRange" in d]
    if not sealed:
        return
    try:
        from pyhanko.pdf_utils.reader import PdfFileReader
        from pyhanko.sign.validation import validate_pdf_signature
        from pyhanko_certvalidator import ValidationContext
    except ImportError:
        report.notes.append(f"{len(sealed)} sealed PDF(s): seals not checked (install `pyHanko` to check them)")
        return
    context = _validation_context(files, ValidationContext)
    for name in sealed:
        problem = _seal_problem(files[name], context, PdfFileReader, validate_pdf_signature)
        if problem:
            report.problem(name, problem)
        else:
            report.notes.append(f"{name}: the platform's seal is intact")


def _validation_context(files, context_class):
    pem = files.get(CERTIFICATE)
    if pem is None:
        return context_class(trust_roots=[])
    from asn1crypto import pem as asn1_pem
    from asn1crypto import x509 as asn1_x509

    try:
        _, _, der = asn1_pem.unarmor(pem)
        return context_class(trust_roots=[asn1_x509.Certificate.load(der)])
    except (ValueError, TypeError):  # a damaged certificate (named by the manifest): no trust root at all
        return context_class(trust_roots=[])


def _seal_problem(data, context, reader_class, validate) -> str:
    try:
        signatures = reader_class(io.BytesIO(data), strict=False).embedded_signatures
        if not signatures:
            return ""
        for signature in signatures:
            status = validate(signature, context)
            if not status.intact or not status.valid:
                return "changed: its seal does not cover the file as it is (the signed bytes were altered)"
            if not status.trusted:
                return "its seal is not the platform's (not made with platform-certificate.pem)"
    except Exception as exc:  # a damaged PDF raises anything from the parser
        return f"changed: its seal cannot be read ({exc.__class__.__name__})"
    return ""


def say(line):
    sys.stdout.write(line + "\n")


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        say(__doc__ or "")
        return 2
    try:
        report = verify(argv[0])
    except (OSError, zipfile.BadZipFile) as exc:
        say(f"CANNOT READ {argv[0]}: {exc}")
        return 2
    for note in report.notes:
        say(f"ok    {note}")
    for name, message in report.problems:
        say(f"FAIL  {name}: {message}")
    say("PACK INTACT" if report.ok else f"PACK NOT INTACT: {', '.join(sorted(report.named))}")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
