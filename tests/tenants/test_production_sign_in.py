"""ENVIRONMENT=production signs people in with ID tokens verified against published keys.

A process started as production (no emulator, no service account, no Application Default
Credentials) gets tokens signed with our own RSA key, whose certificate a key endpoint on
127.0.0.1 publishes as Google publishes Firebase's. Before issue 13 every Bearer request there
answered 500; any token that does not verify must be a 401.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.conf import settings
from google.auth import crypt, jwt

from tenants.emulator_tokens import emulator_id_token
from tenants.models import User
from tests.core.test_production_settings import GOOD_PRODUCTION_ENV

ROOT = Path(__file__).resolve().parents[2]
PROJECT = GOOD_PRODUCTION_ENV["FIREBASE_PROJECT_ID"]
KID = "test-key-1"

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _key_pair() -> tuple[bytes, str]:
    """A private key (PEM) and a self-signed certificate for it (PEM), like Google's."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "securetoken.system.test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return private, cert.public_bytes(serialization.Encoding.PEM).decode()


class KeyEndpoint:
    def __init__(self, certificates: dict[str, str]) -> None:
        self.certificates = certificates
        self.fetches = 0
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                endpoint.fetches += 1
                body = json.dumps(endpoint.certificates).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Cache-Control", "public, max-age=300")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/keys"


@pytest.fixture
def signing_key() -> Iterator[tuple[crypt.RSASigner, KeyEndpoint]]:
    private, certificate = _key_pair()
    endpoint = KeyEndpoint({KID: certificate})
    thread = threading.Thread(target=endpoint.server.serve_forever, daemon=True)
    thread.start()
    yield crypt.RSASigner.from_string(private, key_id=KID), endpoint
    endpoint.server.shutdown()
    endpoint.server.server_close()


def _token(signer: crypt.RSASigner, **overrides: Any) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": f"https://securetoken.google.com/{PROJECT}",
        "aud": PROJECT,
        "auth_time": now - 10,
        "sub": "prod-uid-1",
        "user_id": "prod-uid-1",
        "iat": now - 10,
        "exp": now + 3600,
        "email": "prod-person@example.com",
        "email_verified": True,
        "firebase": {"sign_in_provider": "password"},
    }
    claims.update(overrides)
    return jwt.encode(signer, {k: v for k, v in claims.items() if v is not None}).decode()


SCRIPT = """
import json, sys
import django
django.setup()
from django.test import Client
client = Client()
statuses = []
for token in json.loads(sys.stdin.read()):
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}", secure=True)
    statuses.append(response.status_code)
print(json.dumps(statuses))
"""


def _statuses_in_production(tokens: list[str], certs_url: str) -> list[int]:
    database = settings.DATABASES["default"]
    env = {
        **{key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ},
        **GOOD_PRODUCTION_ENV,
        "DJANGO_SETTINGS_MODULE": "oneclicktag.settings",
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
        ),
        "REDIS_URL": settings.REDIS_URL or "",
        "ALLOWED_HOSTS": "testserver",
        "FIREBASE_CERTS_URL": certs_url,
        "LOG_LEVEL": "WARNING",
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        check=False,
        cwd=ROOT,
        env=env,
        input=json.dumps(tokens),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return list(json.loads(result.stdout.strip().splitlines()[-1]))


def test_production_accepts_a_signed_token_and_refuses_every_bad_one_with_401(
    signing_key: tuple[crypt.RSASigner, KeyEndpoint],
) -> None:
    signer, endpoint = signing_key
    impostor = crypt.RSASigner.from_string(_key_pair()[0], key_id=KID)
    now = int(time.time())
    tokens = {
        "valid": _token(signer),
        "again": _token(signer),
        "garbage": "not-a-token",
        "other key": _token(impostor),
        "unsigned (emulator)": emulator_id_token("prod-person@example.com", "prod-uid-1"),
        "expired": _token(signer, iat=now - 7200, exp=now - 3600),
        "other project": _token(signer, aud="someone-elses-project"),
        "other issuer": _token(signer, iss="https://accounts.google.com"),
        "no subject": _token(signer, sub=""),
        "unknown key id": jwt.encode(
            crypt.RSASigner.from_string(_key_pair()[0], key_id="unknown"),
            {"sub": "x", "aud": PROJECT},
        ).decode(),
    }
    statuses = dict(
        zip(tokens, _statuses_in_production(list(tokens.values()), endpoint.url), strict=True)
    )
    assert statuses == {name: 200 if name in ("valid", "again") else 401 for name in tokens}
    assert User.objects.filter(firebase_uid="prod-uid-1", email="prod-person@example.com").exists()
    # The keys were fetched once and then served from the cache (max-age=300).
    assert endpoint.fetches == 1


def test_unreachable_keys_are_a_401_not_a_500(
    signing_key: tuple[crypt.RSASigner, KeyEndpoint],
) -> None:
    signer, endpoint = signing_key
    endpoint.server.shutdown()
    endpoint.server.server_close()
    assert _statuses_in_production([_token(signer)], endpoint.url) == [401]
