"""What the report tests share: the GA4 Data API client, a web stream with a Measurement Protocol
secret, and `/_emulator/traffic`."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build

from google_emulator import seed

from .http_support import GA4_SCOPES, sign_in

READONLY = "https://www.googleapis.com/auth/analytics.readonly"
PROPERTY = seed.GA4_PROPERTY


def reports_creds(http_url: str) -> Credentials:
    return sign_in(http_url, (*GA4_SCOPES, READONLY))


def data_service(http_url: str, creds: Credentials) -> Any:
    return build(
        "analyticsdata",
        "v1beta",
        credentials=creds,
        static_discovery=True,
        cache_discovery=False,
        client_options={"api_endpoint": http_url},
    )


def post(url: str, payload: Any) -> tuple[int, Any]:
    req = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST")
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            raw = resp.read()
            return resp.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def record_traffic(http_url: str, **body: Any) -> dict[str, Any]:
    status, answer = post(f"{http_url}/_emulator/traffic", body)
    assert status == 200, answer
    return dict(answer)


def web_stream_with_secret(ga4: Any) -> tuple[str, str]:
    """(measurement id, api secret) of a new web stream of the seeded property."""
    stream = (
        ga4.properties()
        .dataStreams()
        .create(
            parent=PROPERTY,
            body={
                "type": "WEB_DATA_STREAM",
                "displayName": "shop",
                "webStreamData": {"defaultUri": "https://shop.example.com"},
            },
        )
        .execute()
    )
    secret = (
        ga4.properties()
        .dataStreams()
        .measurementProtocolSecrets()
        .create(parent=stream["name"], body={"displayName": "tests"})
        .execute()
    )
    return stream["webStreamData"]["measurementId"], secret["secretValue"]


def rows_of(report: dict[str, Any]) -> list[tuple[list[str], list[str]]]:
    return [
        ([d["value"] for d in row["dimensionValues"]], [m["value"] for m in row["metricValues"]])
        for row in report.get("rows", [])
    ]
