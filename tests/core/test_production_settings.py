"""ENVIRONMENT=production refuses to start with DEBUG, a default secret or an emulator."""

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

GOOD_PRODUCTION_ENV = {
    "ENVIRONMENT": "production",
    "DEBUG": "false",
    "SECRET_KEY": "a-real-production-secret-key-with-enough-entropy-0123456789",
    "TOKEN_ENCRYPTION_KEYS": "Jq3n9oWm1k0Y7yB8f1uJ2Xb8d7G7cQk1oYp4o3Q0b5E=",
    "DATABASE_URL": "postgres://oneclicktag@db.internal:5432/oneclicktag",
    "REDIS_URL": "redis://cache.internal:6379/0",
    "FIREBASE_PROJECT_ID": "oneclicktag-prod",
    "GOOGLE_BACKEND": "live",
    "GOOGLE_OAUTH_CLIENT_ID": "1234.apps.googleusercontent.com",
    "GOOGLE_OAUTH_CLIENT_SECRET": "oauth-client-secret",
    "GOOGLE_ADS_DEVELOPER_TOKEN": "ads-developer-token",
    "ALLOWED_HOSTS": "api.oneclicktag.example",
}


UNSAFE_CHANGES = {
    "debug": ({"DEBUG": "true"}, "DEBUG is on"),
    "default-secret": (
        {"SECRET_KEY": "insecure-development-secret-key-change-me-0123456789"},
        "SECRET_KEY",
    ),
    "firebase-emulator": (
        {"FIREBASE_AUTH_EMULATOR_HOST": "127.0.0.1:9099"},
        "FIREBASE_AUTH_EMULATOR_HOST",
    ),
    "google-emulator": ({"GOOGLE_BACKEND": "emulator"}, "Google emulator"),
    # Issue 13: both of these started.
    "weak-secret": ({"SECRET_KEY": "a" * 36}, "SECRET_KEY has fewer than 10 different"),
    "malformed-token-key": (
        {"TOKEN_ENCRYPTION_KEYS": GOOD_PRODUCTION_ENV["TOKEN_ENCRYPTION_KEYS"] + ",not-a-key"},
        "TOKEN_ENCRYPTION_KEYS key 2 is not a valid Fernet key",
    ),
    # The site check's browser may reach private addresses only where a test or a developer
    # says so: never in production (issue 11).
    "site-check-private-networks": (
        {"SITE_CHECK_ALLOWED_NETWORKS": "127.0.0.1/32"},
        "SITE_CHECK_ALLOWED_NETWORKS is set",
    ),
}


# Starts Django and prints what a browser is told about transport security.
STARTUP = """
import django
django.setup()
from django.conf import settings
print('started', settings.SECURE_HSTS_SECONDS, settings.SESSION_COOKIE_SECURE,
      settings.CSRF_COOKIE_SECURE)
"""


@dataclass
class Started:
    returncode: int
    stdout: str
    stderr: str


def _spawn(env: dict[str, str]) -> subprocess.Popen[str]:
    # A clean environment: nothing leaks in from the test process (which sets the emulator).
    base = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    return subprocess.Popen(
        [sys.executable, "-c", STARTUP],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "oneclicktag.settings", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture(scope="module")
def startups() -> dict[str, Started]:
    """All start-ups at once (each imports the whole project; in parallel they cost one)."""
    envs = {"good": GOOD_PRODUCTION_ENV} | {
        name: {**GOOD_PRODUCTION_ENV, **change} for name, (change, _) in UNSAFE_CHANGES.items()
    }
    processes = {name: _spawn(env) for name, env in envs.items()}
    results = {}
    for name, process in processes.items():
        stdout, stderr = process.communicate(timeout=120)
        results[name] = Started(process.returncode, stdout, stderr)
    return results


@pytest.mark.slow
def test_a_correct_production_environment_starts(startups: dict[str, Started]) -> None:
    result = startups["good"]
    assert result.returncode == 0, result.stderr
    # HSTS for a year and cookies only over HTTPS (issue 13: no HSTS).
    assert "started 31536000 True True" in result.stdout


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(UNSAFE_CHANGES))
def test_production_refuses_to_start_unsafely(startups: dict[str, Started], name: str) -> None:
    message = UNSAFE_CHANGES[name][1]
    result = startups[name]
    assert result.returncode != 0
    assert "Refusing to start in production" in result.stderr
    assert message in result.stderr
    assert "started" not in result.stdout
