"""`make run` from nothing: migrate, then `run_embedded` serves the API with worker, beat and the
Google emulator on SQLite and the filesystem broker, and stops every process it started.

The only test on SQLite: it runs the product as a newcomer would, in child processes.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
MANAGE = str(ROOT / "manage.py")
START_TIMEOUT = 90.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def embedded_env(var_dir: Path, emulator_http: int, emulator_grpc: int) -> dict[str, str]:
    env = dict(os.environ)
    # What `make run` sees on a developer's machine: no pytest, no Redis, no database URL.
    # GRPC_DEFAULT_SSL_ROOTS_FILE_PATH: this test process may already trust the session
    # emulator's certificate; the embedded emulator has its own (else Ads fails TLS there).
    for name in (
        "PYTEST_VERSION",
        "REDIS_URL",
        "DATABASE_URL",
        "TEST_DATABASE_NAME",
        "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH",
        "PUBLIC_BASE_URL",
    ):
        env.pop(name, None)
    env.update(
        {
            "ENVIRONMENT": "development",
            "VAR_DIR": str(var_dir),
            "GOOGLE_EMULATOR_URL": f"http://127.0.0.1:{emulator_http}",
            "GOOGLE_EMULATOR_GRPC": f"127.0.0.1:{emulator_grpc}",
        }
    )
    return env


def fetch(
    url: str, *, data: dict | None = None, token: str | None = None, method: str | None = None
) -> tuple[int, str]:
    headers = {"Accept": "application/json, text/html"}
    body = None
    if data is not None:
        body = json.dumps(data).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def wait_until_healthy(base: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        assert process.poll() is None, f"run_embedded exited:\n{log.read_text()[-4000:]}"
        try:
            if fetch(f"{base}/healthz")[0] == 200 and "Ctrl-C stops" in log.read_text():
                return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise AssertionError(f"not healthy in time:\n{log.read_text()[-4000:]}")


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its parent) is not running.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def assert_the_worker_runs_a_deployment(base: str, token: str) -> None:
    """A deployment queued by the API is picked up by the worker through the filesystem broker;
    without a Google connection it fails with the reason a person can act on."""
    status, customer = fetch(
        f"{base}/api/v1/customers/",
        data={"name": "Acme", "website_url": "https://acme.example"},
        token=token,
    )
    assert status == 201, customer
    customer_id = json.loads(customer)["id"]
    status, queued = fetch(f"{base}/api/v1/customers/{customer_id}/deploy/", data={}, token=token)
    assert status == 202, queued
    deployment_url = f"{base}/api/v1/deployments/{json.loads(queued)['id']}/"
    deadline = time.monotonic() + 60
    deployment: dict = {}
    while time.monotonic() < deadline:
        deployment = json.loads(fetch(deployment_url, token=token)[1])
        if deployment["status"] not in ("queued", "planning", "applying", "publishing"):
            break
        time.sleep(0.5)
    assert deployment["status"] == "failed", deployment
    assert deployment["error"]["code"] == "google_not_connected"


def assert_json_list_filters_work_on_sqlite(base: str, token: str) -> None:
    """`?tag=` and `?destination=` match whole elements of JSON lists; SQLite has no JSON
    containment, so this is the one place its query is exercised."""
    status, created = fetch(
        f"{base}/api/v1/customers/",
        data={"name": "Tagged", "website_url": "https://t.example", "tags": ["vip", "eu"]},
        token=token,
    )
    assert status == 201, created
    customer_id = json.loads(created)["id"]

    def names(query: str) -> list[str]:
        status, page = fetch(f"{base}/api/v1/customers/?{query}", token=token)
        assert status == 200, page
        return [row["name"] for row in json.loads(page)["results"]]

    assert names("tag=vip") == ["Tagged"]
    assert names("tag=vi") == []
    tracking = {
        "customer": customer_id,
        "name": "Lead form",
        "type": "form_submit",
        "config": {"selector": "form#contact"},
    }
    for destinations in (["ga4", "google_ads"], ["ga4"]):
        data = {**tracking, "destinations": destinations}
        status, answer = fetch(f"{base}/api/v1/trackings/", data=data, token=token)
        assert status == 201, answer
    for destination, expected in (("google_ads", 1), ("ga4", 2)):
        status, page = fetch(f"{base}/api/v1/trackings/?destination={destination}", token=token)
        assert len(json.loads(page)["results"]) == expected, page


SHOP_PAGE = b"""<!doctype html><html><head><title>Shop</title>
<script async src="https://www.googletagmanager.com/gtm.js?id=GTM-OCT0001"></script>
</head><body><button class="buy">Buy</button></body></html>"""


@contextmanager
def served_shop_page() -> Iterator[str]:
    """The customer's website: one local page with the GTM snippet and the tracked button."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(SHOP_PAGE)))
            self.end_headers()
            self.wfile.write(SHOP_PAGE)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def poll(url: str, token: str, done: Callable[[dict], bool], timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    answer: dict = {}
    while time.monotonic() < deadline:
        answer = json.loads(fetch(url, token=token)[1])
        if done(answer):
            return answer
        time.sleep(0.5)
    raise AssertionError(answer)


def assert_a_newcomer_connects_google_reviews_and_checks_the_site(base: str, token: str) -> None:
    """The README's walk on another port: Google's consent comes back to this server (not to
    :8000), a customer under review publishes only what was approved (GTM's 5 calls), and the
    site check's browser finds the tracked button on the customer's page."""
    with served_shop_page() as website:
        status, created = fetch(
            f"{base}/api/v1/customers/",
            data={"name": "Shop", "website_url": website, "publish_policy": "review"},
            token=token,
        )
        assert status == 201, created
        customer_id = json.loads(created)["id"]
        google = f"{base}/api/v1/customers/{customer_id}/google/"
        status, authorize = fetch(f"{google}authorize/", data={}, token=token)
        assert status == 200, authorize
        authorization_url = json.loads(authorize)["authorization_url"]
        redirect_uri = parse_qs(urlsplit(authorization_url).query)["redirect_uri"][0]
        assert redirect_uri == f"{base}/api/v1/google/oauth/callback"
        assert fetch(authorization_url)[0] == 200  # the emulator consents, the callback answers
        status, chosen = fetch(
            google,
            data={
                "gtm_account_id": "6000000001",
                "gtm_container_id": "7000000001",
                "ga4_property_id": "create",
                "ga4_stream_id": "create",
            },
            token=token,
            method="PATCH",
        )
        assert status == 200, chosen
        assert json.loads(chosen)["status"] == "connected"

        status, created = fetch(
            f"{base}/api/v1/trackings/",
            data={
                "customer": customer_id,
                "name": "Buy",
                "type": "button_click",
                "config": {"selector": "button.buy"},
                "destinations": ["ga4"],
            },
            token=token,
        )
        assert status == 201, created
        tracking = json.loads(created)
        assert tracking["deployment"] is None
        change_url = (
            f"{base}/api/v1/customers/{customer_id}/changes/{tracking['pending_change']['id']}/"
        )
        poll(change_url, token, lambda change: change["plan"] is not None)
        status, queued = fetch(f"{change_url}approve/", data={}, token=token)
        assert status == 202, queued
        deployment = poll(
            f"{base}/api/v1/deployments/{json.loads(queued)['id']}/",
            token,
            lambda d: d["status"] in ("succeeded", "failed", "partially_failed"),
        )
        assert deployment["status"] == "succeeded", deployment
        assert deployment["google_calls"]["gtm"] == 5

        status, asked = fetch(
            f"{base}/api/v1/customers/{customer_id}/site-check/", data={}, token=token
        )
        assert status == 202, asked
        check = poll(
            f"{base}/api/v1/site-checks/{json.loads(asked)['id']}/",
            token,
            lambda c: c["status"] in ("succeeded", "failed"),
        )
        assert check["status"] == "succeeded", check
        assert check["summary"] == {"verified": 1}


@pytest.mark.slow
def test_make_run_serves_the_api_docs_admin_and_stops_everything(tmp_path):
    port, emulator_http, emulator_grpc = free_port(), free_port(), free_port()
    env = embedded_env(tmp_path / "var", emulator_http, emulator_grpc)
    python = sys.executable
    (tmp_path / "var").mkdir()
    migrate = subprocess.run(
        [python, MANAGE, "migrate", "--noinput"],
        check=False,
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert migrate.returncode == 0, migrate.stderr[-4000:]
    assert (tmp_path / "var" / "oneclicktag.sqlite3").exists()

    log = tmp_path / "run_embedded.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [python, MANAGE, "run_embedded", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base, process, log)
        started = dict(re.findall(r"started (\w+) \(pid (\d+)\)", log.read_text()))
        assert set(started) == {"emulator", "worker", "beat", "web"}

        assert fetch(f"{base}/api/docs/")[0] == 200
        assert fetch(f"{base}/admin/login/")[0] == 200
        assert fetch(f"{base}/api/v1/me")[0] == 401
        stats_status, _ = fetch(f"http://127.0.0.1:{emulator_http}/_emulator/stats")
        assert stats_status == 200

        token = subprocess.run(
            [python, MANAGE, "dev_token", "newcomer@example.com"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout.strip()
        status, created = fetch(
            f"{base}/api/v1/organizations/", data={"name": "Newcomer Agency"}, token=token
        )
        assert status == 201, created
        status, me = fetch(f"{base}/api/v1/me", token=token)
        assert status == 200
        assert json.loads(me)["email"] == "newcomer@example.com"
        assert [m["organization"]["name"] for m in json.loads(me)["memberships"]] == [
            "Newcomer Agency"
        ]
        assert_the_worker_runs_a_deployment(base, token)
        assert_json_list_filters_work_on_sqlite(base, token)
        assert_a_newcomer_connects_google_reviews_and_checks_the_site(base, token)
        # The queues' depth is read from the filesystem broker's folder (there is no Redis).
        status, metrics = fetch(f"{base}/metrics")
        assert status == 200, metrics
        assert re.search(r'^oneclicktag_queue_depth\{queue="site_checks"\} \d', metrics, re.M)
        # The filesystem broker's exchange tables live under var/, never in the checkout.
        assert list((tmp_path / "var" / "broker" / "control").glob("*.exchange"))
        assert not (ROOT / "control").exists()
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise
    assert process.returncode == 0, log.read_text()[-4000:]
    assert "All processes stopped." in log.read_text()
    deadline = time.monotonic() + 5
    while any(pid_alive(int(pid)) for pid in started.values()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [name for name, pid in started.items() if pid_alive(int(pid))]


@pytest.mark.slow
def test_when_one_process_dies_run_embedded_stops_the_others_and_fails(tmp_path):
    port, emulator_http, emulator_grpc = free_port(), free_port(), free_port()
    env = embedded_env(tmp_path / "var", emulator_http, emulator_grpc)
    log = tmp_path / "run_embedded.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, MANAGE, "run_embedded", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}", process, log)
        started = dict(re.findall(r"started (\w+) \(pid (\d+)\)", log.read_text()))
        os.killpg(int(started["worker"]), signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode != 0
    assert "worker exited" in log.read_text()
    survivors = [name for name, pid in started.items() if pid_alive(int(pid))]
    assert not survivors, log.read_text()[-3000:]
