"""Reading and checking the daily signed checkpoints (issue 10 item 4).

A checkpoint's payload lists every chain's (key, length, head hash); it is signed with the platform's key
and, when an authority was configured, timestamped (RFC 3161). Each deal's parties hold a signed statement
of their deal's head only (no other deal's) that quotes the payload's digest. verify_history checks every
checkpoint (`checkpoint_problems`) and every chain against the heads the checkpoints witnessed
(`witnessed_heads`, passed to escrow.history.chain.verify_chain).
"""

import hashlib
import json

from escrow.documents import platform_key, timestamp
from escrow.history.chain import GENESIS, ChainCheck
from escrow.models import Checkpoint

STATEMENT = "escrow portal history checkpoint"
DEAL_STATEMENT = "escrow portal history checkpoint: one deal's head"


def canonical(data) -> bytes:
    """The signed bytes of a statement: sorted keys, no spaces, ASCII only (one spelling for one content)."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def digest(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


def heads_of(checkpoint) -> list[tuple[str, int, str]]:
    return [(c["chain"], c["length"], c["head_hash"]) for c in json.loads(checkpoint.payload)["chains"]]


def label(checkpoint) -> str:
    return f"the checkpoint of {checkpoint.day.isoformat()}"


def witnessed_heads(checkpoints=None) -> dict[str, list[tuple[int, str, str]]]:
    """{chain key: [(length, head hash, which checkpoint)]} over every checkpoint (or the ones given)."""
    witnessed: dict[str, list] = {}
    for checkpoint in Checkpoint.objects.order_by("day") if checkpoints is None else checkpoints:
        for key, length, head in heads_of(checkpoint):
            if length:
                witnessed.setdefault(key, []).append((length, head, label(checkpoint)))
    return witnessed


def checkpoint_problem(checkpoint) -> str:
    """ "" when the checkpoint is what the platform signed (and the authority timestamped); else what is not."""
    payload = checkpoint.payload.encode()
    if digest(payload) != checkpoint.digest:
        return "its digest does not match its content"
    problem = platform_key.verify(payload, checkpoint.signature, checkpoint.certificate)
    if problem:
        return problem
    content = json.loads(payload)
    if content.get("statement") != STATEMENT or content.get("day") != checkpoint.day.isoformat():
        return f"its signed content is the checkpoint of {content.get('day')}, not of {checkpoint.day.isoformat()}"
    if checkpoint.timestamp_token:
        return timestamp.check(checkpoint.timestamp_token, payload).problem
    return ""


def checkpoint_problems(checkpoints=None) -> list[tuple[Checkpoint, str]]:
    checkpoints = Checkpoint.objects.order_by("day") if checkpoints is None else checkpoints
    return [(c, p) for c in checkpoints if (p := checkpoint_problem(c))]


def deal_statement(key, fields: dict) -> dict:
    """One deal's head as its parties keep it: the fields, the certificate's fingerprint and the signature."""
    body = {"statement": DEAL_STATEMENT, **fields, "certificate_sha256": _fingerprint(key)}
    return {**body, "signature": key.sign(canonical(body))}


def deal_statement_problem(statement: dict) -> str:
    """What a party can check with the platform's certificate: "" when their statement is the platform's."""
    body = {k: v for k, v in statement.items() if k != "signature"}
    cert_pem = platform_key.platform_key().cert_pem
    if body.get("certificate_sha256") != _fingerprint(platform_key.platform_key()):
        return "it names another certificate than the platform's"
    return platform_key.verify(canonical(body), statement.get("signature", ""), cert_pem)


def _fingerprint(key) -> str:
    from cryptography.hazmat.primitives import serialization

    return hashlib.sha256(key.certificate.public_bytes(serialization.Encoding.DER)).hexdigest()


def lost_chain(key, heads) -> ChainCheck:
    """A chain the checkpoints witnessed that the database no longer has (removed with the triggers off)."""
    length, _, who = max(heads)
    return ChainCheck(key, 0, GENESIS, False, f"the chain is gone: {who} witnessed {length} entries", 1)
