"""The emulator's TLS certificate: one self-signed certificate for the loopback names.

The Google Ads client only speaks gRPC over TLS, so the emulator needs a certificate the client
can be told to trust (see ``google_emulator/ads/README.md`` for the recipe). It is generated
once and kept in the process's data directory (``var/emulator/``): clients that saved it keep
trusting it across emulator restarts. It is its own CA (CA:TRUE) so it can be installed as the
one root.
"""

from __future__ import annotations

import datetime
import fcntl
import ipaddress
import os
import secrets
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from . import process

CERT_FILENAME = "ca.pem"
KEY_FILENAME = "ca-key.pem"
DNS_NAMES = ("localhost",)
IP_ADDRESSES = ("127.0.0.1", "::1")
VALIDITY = datetime.timedelta(days=825)
# A certificate this close to expiry is replaced rather than handed out.
RENEW_BEFORE = datetime.timedelta(days=30)


def certificate_dir(directory: Path | str | None = None) -> Path:
    """Where the certificate lives: the given directory, else the process's data directory."""
    if directory is not None:
        return Path(directory)
    return process.OPTIONS.data_dir


def certificate_path(directory: Path | str | None = None) -> Path:
    return certificate_dir(directory) / CERT_FILENAME


def ensure_certificate(directory: Path | str | None = None) -> tuple[bytes, bytes]:
    """Return ``(cert_pem, key_pem)``, generating and storing them the first time.

    Two emulators may start at once (``pytest -n 2``): an exclusive lock on the directory
    makes one generate while the other waits and then reuses the same pair.
    """
    folder = certificate_dir(directory)
    folder.mkdir(parents=True, exist_ok=True)
    cert_file, key_file = folder / CERT_FILENAME, folder / KEY_FILENAME
    with (folder / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if cert_file.exists() and key_file.exists():
                cert_pem, key_pem = cert_file.read_bytes(), key_file.read_bytes()
                if _is_usable(cert_pem, key_pem):
                    return cert_pem, key_pem
            cert_pem, key_pem = _generate()
            _write_atomically(key_file, key_pem, mode=0o600)
            _write_atomically(cert_file, cert_pem, mode=0o644)
            return cert_pem, key_pem
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _generate() -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "OneClickTag Google emulator"),
            # A name of its own: a trust bundle holding two emulators' certificates (a test's
            # and `make run`'s) must not offer gRPC two roots of one name, or it may check this
            # certificate against the other's key and refuse it.
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, secrets.token_hex(8)),
            x509.NameAttribute(NameOID.COMMON_NAME, "localhost"),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    alt_names: list[x509.GeneralName] = [x509.DNSName(n) for n in DNS_NAMES]
    alt_names += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in IP_ADDRESSES]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def _is_usable(cert_pem: bytes, key_pem: bytes) -> bool:
    """A stored pair is reused only if it parses, matches, covers our names and is not expiring."""
    try:
        cert = x509.load_pem_x509_certificate(cert_pem)
        key = serialization.load_pem_private_key(key_pem, password=None)
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (ValueError, TypeError, x509.ExtensionNotFound):
        return False
    if key.public_key() != cert.public_key():
        return False
    names = set(sans.get_values_for_type(x509.DNSName))
    ips = {str(ip) for ip in sans.get_values_for_type(x509.IPAddress)}
    if not set(DNS_NAMES) <= names or not set(IP_ADDRESSES) <= ips:
        return False
    return cert.not_valid_after_utc - datetime.datetime.now(datetime.UTC) > RENEW_BEFORE


def _write_atomically(path: Path, data: bytes, *, mode: int) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)
