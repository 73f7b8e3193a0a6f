"""The platform's signing key and its X.509 certificate: the daily history checkpoints (issue 10 item 4) and
the documents' seal (issue 11, through pyHanko: `signer()`).

In production both come from PEM files named by PLATFORM_KEY_FILE and PLATFORM_CERT_FILE (production.py
refuses to start without them). Elsewhere, when they are not set, a self-signed RSA DEMO pair is generated
once under settings.PLATFORM_DEMO_KEY_DIR (var/platform): NOT FOR PRODUCTION, its certificate says so.
A signature verifies only with the current certificate or one listed in PLATFORM_PREVIOUS_CERT_FILES (a
rotated key), so a database owner cannot swap in a certificate of their own (docs/deployment.md "Keys").
"""

import base64
import fcntl
import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID
from django.conf import settings

DEMO_NAME = "Escrow portal platform seal (DEMO, NOT FOR PRODUCTION)"


@dataclass(frozen=True)
class PlatformKey:
    key_file: Path
    cert_file: Path
    private_key: object
    certificate: x509.Certificate

    @property
    def cert_pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()

    def sign(self, data: bytes) -> str:
        """Base64 of an RSA PKCS#1 v1.5 (or ECDSA) SHA-256 signature over data."""
        if isinstance(self.private_key, ec.EllipticCurvePrivateKey):
            signature = self.private_key.sign(data, ec.ECDSA(hashes.SHA256()))
        else:
            signature = self.private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(signature).decode()

    def signer(self):
        """A pyHanko signer for PDF seals (PAdES), from the same files."""
        from pyhanko.sign.signers import SimpleSigner

        return SimpleSigner.load(str(self.key_file), str(self.cert_file))


def platform_key() -> PlatformKey:
    key_file, cert_file = settings.PLATFORM_KEY_FILE, settings.PLATFORM_CERT_FILE
    if not key_file or not cert_file:
        key_file, cert_file = _demo_pair(Path(settings.PLATFORM_DEMO_KEY_DIR))
    return _load(str(key_file), str(cert_file))


@lru_cache(maxsize=4)
def _load(key_file, cert_file) -> PlatformKey:
    key = serialization.load_pem_private_key(Path(key_file).read_bytes(), password=None)
    cert = x509.load_pem_x509_certificate(Path(cert_file).read_bytes())
    return PlatformKey(Path(key_file), Path(cert_file), key, cert)


def verify(data: bytes, signature_b64: str, cert_pem: str) -> str:
    """ "" when the signature over data verifies with a trusted platform certificate; else what is wrong."""
    try:
        cert = x509.load_pem_x509_certificate(cert_pem.encode())
    except ValueError:
        return "its certificate cannot be read"
    if _fingerprint(cert) not in trusted_fingerprints():
        return f"it is signed by a certificate the platform does not trust ({cert.subject.rfc4514_string()})"
    public_key = cert.public_key()
    try:
        signature = base64.b64decode(signature_b64, validate=True)
        if isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        else:
            public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return "its signature does not verify: the signed content was changed"
    return ""


def trusted_fingerprints() -> set[str]:
    certs = [platform_key().certificate]
    certs += [x509.load_pem_x509_certificate(Path(p).read_bytes()) for p in settings.PLATFORM_PREVIOUS_CERT_FILES]
    return {_fingerprint(c) for c in certs}


def _fingerprint(cert) -> str:
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def _demo_pair(folder: Path) -> tuple[Path, Path]:
    """Generate the demo pair once; a lock keeps two processes from writing mismatched halves."""
    key_file, cert_file = folder / "platform-key.pem", folder / "platform-cert.pem"
    if key_file.exists() and cert_file.exists():
        return key_file, cert_file
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (key_file.exists() and cert_file.exists()):
            key, cert = _self_signed(DEMO_NAME)
            _write(key_file, key.private_bytes(*_PRIVATE), mode=0o600)
            _write(cert_file, cert.public_bytes(serialization.Encoding.PEM), mode=0o644)
    return key_file, cert_file


_PRIVATE = (serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def _write(path: Path, data: bytes, *, mode):
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def _self_signed(common_name, *, days=3650):
    """An RSA-3072 key and a self-signed certificate for signing documents (digitalSignature, nonRepudiation)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return key, cert
