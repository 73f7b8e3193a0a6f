"""A local RFC 3161 timestamp authority for the tests (issue 10 item 4: "tests run a local one").

pyHanko's DummyTimeStamper behind a tiny HTTP server on 127.0.0.1 (a free port), with a self-signed TSA
certificate (extended key usage timeStamping, critical, as RFC 3161 requires). The `tsa` fixture points
TSA_URL and TSA_CERT_FILE at it; if the server cannot start the fixture fails, loudly, instead of letting a
test pass without a timestamp.
"""

import threading
import urllib.request
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest
from asn1crypto import keys, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper


def tsa_pair(common_name="Escrow tests local timestamp authority"):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, cert


class _Handler(BaseHTTPRequestHandler):
    stamper: DummyTimeStamper

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        response = self.server.stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(response)))
        self.end_headers()
        self.wfile.write(response)

    def do_GET(self):
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def tsa_server(tmp_path_factory):
    key, cert = tsa_pair()
    cert_file = tmp_path_factory.mktemp("tsa") / "tsa-cert.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    private = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    try:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    except OSError as failure:
        pytest.fail(f"the local timestamp authority cannot start on 127.0.0.1: {failure}")
    server.stamper = DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        tsa_key=keys.PrivateKeyInfo.load(private),
    )
    thread = threading.Thread(target=server.serve_forever, name="local-tsa", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        urllib.request.urlopen(url, timeout=5).close()
    except OSError as failure:
        server.shutdown()
        pytest.fail(f"the local timestamp authority does not answer at {url}: {failure}")
    yield SimpleNamespace(url=url, cert_file=str(cert_file), server=server)
    server.shutdown()
    server.server_close()


@pytest.fixture
def tsa(tsa_server, settings):
    """TSA_URL and TSA_CERT_FILE pointed at the local authority for one test."""
    settings.TSA_URL = tsa_server.url
    settings.TSA_CERT_FILE = tsa_server.cert_file
    return tsa_server
