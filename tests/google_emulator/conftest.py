"""Fixtures of the HTTP-half emulator tests: a signed-in owner and the official API clients."""

from __future__ import annotations

from typing import Any

import pytest

from .http_support import ga4_service, gtm_service, sign_in


@pytest.fixture
def owner_creds(google_emulator: Any) -> Any:
    return sign_in(google_emulator.http_url)


@pytest.fixture
def gtm(google_emulator: Any, owner_creds: Any) -> Any:
    return gtm_service(google_emulator.http_url, owner_creds)


@pytest.fixture
def ga4(google_emulator: Any, owner_creds: Any) -> Any:
    return ga4_service(google_emulator.http_url, owner_creds)
