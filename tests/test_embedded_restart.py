"""`make run` stopped and started again: the emulator kept Google's side under `var/emulator`,
so the product's customers still point at their containers, streams and conversion actions, and
a health check run after the restart finds every tracking healthy.

Like tests/test_embedded_mode.py this runs the product as a newcomer would, in child processes on
SQLite and the filesystem broker; the Google connection goes through the real OAuth redirect.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from google_emulator import seed
from tests.test_embedded_mode import MANAGE, ROOT, embedded_env, free_port, wait_until_healthy

DONE = ("succeeded", "failed", "partially_failed", "cancelled")


def call(method: str, url: str, *, data: Any = None, token: str | None = None) -> tuple[int, Any]:
    headers = {"Accept": "application/json"}
    body = None
    if data is not None:
        body = json.dumps(data).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            raw = response.read().decode()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        raw = error.read().decode()
        try:
            return error.code, json.loads(raw)
        except ValueError:
            return error.code, raw


def start(port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, MANAGE, "run_embedded", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    wait_until_healthy(f"http://127.0.0.1:{port}", process, log)
    return process


def stop(process: subprocess.Popen[bytes], log: Path) -> None:
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 0, log.read_text()[-4000:]


def wait_for(base: str, token: str, deployment_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    deployment: dict[str, Any] = {}
    while time.monotonic() < deadline:
        status, deployment = call("GET", f"{base}/api/v1/deployments/{deployment_id}/", token=token)
        assert status == 200, deployment
        if deployment["status"] in DONE:
            return deployment
        time.sleep(0.5)
    raise AssertionError(f"deployment did not finish: {deployment}")


def connect_google(base: str, token: str, customer_id: str) -> None:
    status, answer = call(
        "POST", f"{base}/api/v1/customers/{customer_id}/google/authorize/", data={}, token=token
    )
    assert status == 200, answer
    consent = requests.get(answer["authorization_url"], allow_redirects=False, timeout=20)
    assert consent.status_code == 302, consent.text
    callback = consent.headers["Location"]
    assert urlsplit(callback).path == "/api/v1/google/oauth/callback", callback
    status, answer = call("GET", callback)
    assert status == 200, answer
    choices = {
        "gtm_account_id": seed.GTM_ACCOUNT_ID,
        "gtm_container_id": "create",
        "ads_customer_id": seed.ADS_CLIENT_CUSTOMER_ID,
        "ads_login_customer_id": seed.ADS_MANAGER_CUSTOMER_ID,
        "ga4_property_id": "create",
        "ga4_stream_id": "create",
    }
    status, answer = call(
        "PATCH", f"{base}/api/v1/customers/{customer_id}/google/", data=choices, token=token
    )
    assert status == 200, answer


@pytest.mark.slow
def test_after_make_run_restarts_a_health_check_finds_every_tracking_healthy(
    tmp_path: Path,
) -> None:
    port, emulator_http, emulator_grpc = free_port(), free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    env = embedded_env(tmp_path / "var", emulator_http, emulator_grpc)
    (tmp_path / "var").mkdir()
    subprocess.run(
        [sys.executable, MANAGE, "migrate", "--noinput"],
        check=True,
        env=env,
        cwd=ROOT,
        capture_output=True,
        timeout=180,
    )
    log = tmp_path / "run_embedded.log"
    process = start(port, env, log)
    try:
        token = subprocess.run(
            [sys.executable, MANAGE, "dev_token", "restart@example.com"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout.strip()
        status, answer = call(
            "POST", f"{base}/api/v1/organizations/", data={"name": "Restart Agency"}, token=token
        )
        assert status == 201, answer
        status, customer = call(
            "POST",
            f"{base}/api/v1/customers/",
            data={"name": "Restart Shoes", "website_url": "https://restart.example"},
            token=token,
        )
        assert status == 201, customer
        connect_google(base, token, customer["id"])
        for name, destinations in (("Lead form", ["ga4", "google_ads"]), ("Contact", ["ga4"])):
            status, answer = call(
                "POST",
                f"{base}/api/v1/trackings/",
                data={
                    "customer": customer["id"],
                    "name": name,
                    "type": "form_submit",
                    "config": {"selector": f"form#{name.split()[0].lower()}"},
                    "destinations": destinations,
                },
                token=token,
            )
            assert status in (201, 202), answer
        status, queued = call(
            "POST", f"{base}/api/v1/customers/{customer['id']}/deploy/", data={}, token=token
        )
        assert status == 202, queued
        deployed = wait_for(base, token, queued["id"])
        assert deployed["status"] == "succeeded", deployed
    finally:
        stop(process, log)

    process = start(port, env, log)
    try:
        status, queued = call(
            "POST", f"{base}/api/v1/customers/{customer['id']}/health-check/", data={}, token=token
        )
        assert status == 202, queued
        checked = wait_for(base, token, queued["id"])
        assert checked["status"] == "succeeded", checked
        status, page = call(
            "GET", f"{base}/api/v1/trackings/?customer={customer['id']}", token=token
        )
        assert status == 200, page
        health = {row["name"]: row["health"] for row in page["results"]}
        assert health == {"Lead form": "healthy", "Contact": "healthy"}, page
    finally:
        stop(process, log)
