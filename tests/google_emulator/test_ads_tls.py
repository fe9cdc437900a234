"""The Ads emulator's certificate, and the recipe by which the real client trusts it."""

from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from google_emulator.tls import ensure_certificate
from integrations.google.grpc_trust import GRPC_ROOTS_ENV, install_grpc_trust

from .ads_support import MANAGER, ads_client, owner_credentials

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_it_generates_a_self_signed_certificate_for_the_loopback_names(tmp_path: Path) -> None:
    cert_pem, key_pem = ensure_certificate(tmp_path)

    cert = x509.load_pem_x509_certificate(cert_pem)
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sans.get_values_for_type(x509.DNSName) == ["localhost"]
    assert [str(ip) for ip in sans.get_values_for_type(x509.IPAddress)] == ["127.0.0.1", "::1"]
    assert cert.issuer == cert.subject
    assert (tmp_path / "ca.pem").read_bytes() == cert_pem
    assert (tmp_path / "ca-key.pem").stat().st_mode & 0o077 == 0
    assert b"PRIVATE KEY" in key_pem


def test_it_reuses_the_stored_certificate_across_runs(tmp_path: Path) -> None:
    assert ensure_certificate(tmp_path) == ensure_certificate(tmp_path)


def test_it_replaces_a_damaged_certificate(tmp_path: Path) -> None:
    first, _ = ensure_certificate(tmp_path)
    (tmp_path / "ca.pem").write_bytes(b"not a certificate")

    second, _ = ensure_certificate(tmp_path)

    assert second != first
    x509.load_pem_x509_certificate(second)


def test_the_trust_bundle_keeps_the_roots_already_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    system_roots = tmp_path / "system.pem"
    other_cert, _ = ensure_certificate(tmp_path / "other")
    system_roots.write_bytes(other_cert)
    monkeypatch.setenv(GRPC_ROOTS_ENV, str(system_roots))
    emulator_cert, _ = ensure_certificate(tmp_path / "emulator")

    bundle = install_grpc_trust(emulator_cert, tmp_path / "bundle.pem")

    assert os.environ[GRPC_ROOTS_ENV] == str(bundle)
    assert bundle.read_bytes() == emulator_cert + other_cert


def test_the_emulator_presents_the_certificate_it_serves(google_emulator: Any) -> None:
    host, port = google_emulator.grpc_target.rsplit(":", 1)
    served = google_emulator.ca_pem_path.read_bytes()
    context = ssl.create_default_context(cadata=served.decode())
    context.set_alpn_protocols(["h2"])

    for server_name in ("127.0.0.1", "localhost"):
        with (
            socket.create_connection((host, int(port)), timeout=10) as raw,
            context.wrap_socket(raw, server_hostname=server_name) as tls,
        ):
            presented = tls.getpeercert(binary_form=True)
        assert presented == x509.load_pem_x509_certificate(served).public_bytes(Encoding.DER)


def test_the_real_client_trusts_it_through_the_roots_bundle(google_emulator: Any) -> None:
    # The session fixture ran install_grpc_trust before this process made any gRPC channel.
    bundle = Path(os.environ[GRPC_ROOTS_ENV])
    assert google_emulator.ca_pem_path.read_bytes() in bundle.read_bytes()

    response = (
        ads_client(google_emulator).get_service("CustomerService").list_accessible_customers()
    )

    assert list(response.resource_names) == [f"customers/{MANAGER}"]


CHILD = """
import json, sys
from google.ads.googleads.client import GoogleAdsClient
from google.oauth2.credentials import Credentials
from integrations.google.grpc_trust import install_grpc_trust

target, token, cert_path = sys.argv[1:4]

def call():
    client = GoogleAdsClient(credentials=Credentials(token=token), developer_token="dev",
                             endpoint=target, use_proto_plus=True)
    try:
        client.get_service("CustomerService").list_accessible_customers(timeout=10)
        return "ok"
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"

before = call()
install_grpc_trust(open(cert_path, "rb").read(), cert_path + ".bundle")
print(json.dumps({"before": before, "after_first_channel": call()}))
"""


@pytest.mark.slow
def test_untrusted_and_too_late_trust_are_both_refused_by_the_real_client(
    google_emulator: Any, tmp_path: Path
) -> None:
    stranger, _ = ensure_certificate(tmp_path / "stranger")
    env = {**os.environ, GRPC_ROOTS_ENV: str(tmp_path / "stranger" / "ca.pem")}
    token = str(owner_credentials(google_emulator.http_url).token)

    child = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD,
            google_emulator.grpc_target,
            token,
            str(google_emulator.ca_pem_path),
        ],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )

    outcome = json.loads(child.stdout.strip().splitlines()[-1])
    assert "CERTIFICATE_VERIFY_FAILED" in outcome["before"]
    # gRPC read its roots when the first channel was made: trusting afterwards changes nothing.
    assert "CERTIFICATE_VERIFY_FAILED" in outcome["after_first_channel"]
    assert stranger not in google_emulator.ca_pem_path.read_bytes()


TRUSTING_CHILD = """
import json, sys
from google.ads.googleads.client import GoogleAdsClient
from google.oauth2.credentials import Credentials
from integrations.google.grpc_trust import install_grpc_trust

target, token, cert_path, bundle_path = sys.argv[1:5]
install_grpc_trust(open(cert_path, "rb").read(), bundle_path)
client = GoogleAdsClient(credentials=Credentials(token=token), developer_token="dev",
                         endpoint=target, use_proto_plus=True)
try:
    client.get_service("CustomerService").list_accessible_customers(timeout=10)
    print(json.dumps("ok"))
except Exception as exc:
    print(json.dumps(f"{type(exc).__name__}: {exc}"))
"""


def test_two_emulators_certificates_do_not_share_a_name(tmp_path: Path) -> None:
    first, _ = ensure_certificate(tmp_path / "first")
    second, _ = ensure_certificate(tmp_path / "second")

    subjects = {x509.load_pem_x509_certificate(pem).subject for pem in (first, second)}

    assert len(subjects) == 2


@pytest.mark.slow
def test_a_bundle_that_already_trusts_another_emulator_still_reaches_this_one(
    google_emulator: Any, tmp_path: Path
) -> None:
    # A process that inherited a bundle trusting a test emulator (make run started from a
    # shell where one ran) must still reach its own emulator once it adds that certificate.
    other, _ = ensure_certificate(tmp_path / "other")
    inherited = tmp_path / "inherited.pem"
    inherited.write_bytes(other)
    token = str(owner_credentials(google_emulator.http_url).token)

    child = subprocess.run(
        [
            sys.executable,
            "-c",
            TRUSTING_CHILD,
            google_emulator.grpc_target,
            token,
            str(google_emulator.ca_pem_path),
            str(tmp_path / "bundle.pem"),
        ],
        env={**os.environ, GRPC_ROOTS_ENV: str(inherited)},
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )

    assert json.loads(child.stdout.strip().splitlines()[-1]) == "ok"
