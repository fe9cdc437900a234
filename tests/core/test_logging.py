"""JSON log lines carry the request id, the organization and the user."""

import json
import logging

import pytest

from oneclicktag.core.logging import JsonFormatter
from tests.fixtures.tenants import TenantHandle


def _access_record(caplog: pytest.LogCaptureFixture) -> logging.LogRecord:
    records = [r for r in caplog.records if r.name == "oneclicktag.request"]
    assert len(records) == 1
    return records[0]


def test_the_access_line_names_request_organization_and_user(
    alice: TenantHandle, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="oneclicktag.request"):
        response = alice.client.get("/api/v1/members/", HTTP_X_REQUEST_ID="trace-42")
    record = _access_record(caplog)
    assert record.request_id == "trace-42" == response["X-Request-ID"]  # type: ignore[attr-defined]
    assert record.organization_id == str(alice.organization.pk)  # type: ignore[attr-defined]
    assert record.user_id == str(alice.owner.pk)  # type: ignore[attr-defined]
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "trace-42"
    assert line["organization_id"] == str(alice.organization.pk)
    assert line["user_id"] == str(alice.owner.pk)
    assert (line["method"], line["path"], line["status"]) == ("GET", "/api/v1/members/", 200)


def test_an_api_key_request_names_the_key(
    alice: TenantHandle, caplog: pytest.LogCaptureFixture
) -> None:
    client = alice.api_key_client("viewer")
    with caplog.at_level(logging.INFO, logger="oneclicktag.request"):
        client.get("/api/v1/members/")
    record = _access_record(caplog)
    assert record.user_id == f"api_key:{client.api_key.pk}"  # type: ignore[attr-defined]
    assert record.organization_id == str(alice.organization.pk)  # type: ignore[attr-defined]


def test_logs_outside_a_request_carry_empty_context(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        logging.getLogger("oneclicktag.test").info("between requests")
    record = caplog.records[-1]
    assert record.request_id is None  # type: ignore[attr-defined]
    assert record.user_id is None  # type: ignore[attr-defined]


def test_djangos_own_warning_lines_carry_the_request_id(
    alice: TenantHandle, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        response = alice.client_for("viewer").get("/api/v1/api-keys/")
    assert response.status_code == 403
    django_lines = [r for r in caplog.records if r.name == "django.request"]
    assert django_lines
    assert django_lines[0].request_id == response["X-Request-ID"]  # type: ignore[attr-defined]
    # ...and once the request is over, the context is empty again.
    logging.getLogger("oneclicktag.test").info("after")
    assert caplog.records[-1].request_id is None  # type: ignore[attr-defined]
