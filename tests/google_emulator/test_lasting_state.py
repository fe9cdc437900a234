"""The emulator keeps Google's data in `<data dir>/state.pickle`: stopped and started again, it
finds every container, version, stream, conversion action and OAuth grant as it left them, hands
out no id twice, starts from the seed (saying so) when the file is missing or unreadable, and a
reset empties it.

Each test runs emulator processes of its own on a data directory of its own; the Ads TLS
certificate of the session's emulator is copied there, since gRPC trusts one set of roots per
process.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from google.auth.transport.requests import Request

from google_emulator import seed
from google_emulator.tls import CERT_FILENAME, KEY_FILENAME
from tests.fixtures.emulator import (
    REPO_ROOT,
    EmulatorHandle,
    _free_port,
    _request,
    _wait_until_ready,
)

from .ads_support import ads_client, mutate, search, webpage_action
from .http_support import ga4_service, gtm_service, sign_in

ACTIONS = "SELECT conversion_action.id, conversion_action.name FROM conversion_action"
pytestmark = pytest.mark.slow


@contextmanager
def emulator_on(data_dir: Path, session: EmulatorHandle, log: Path) -> Iterator[EmulatorHandle]:
    """`python -m google_emulator --data-dir data_dir` until the block ends (SIGTERM)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    for name in (CERT_FILENAME, KEY_FILENAME):
        source = session.workdir / "data" / name
        if not (data_dir / name).exists():
            shutil.copy(source, data_dir / name)
    http_port, grpc_port = _free_port(), _free_port()
    url, grpc_target = f"http://127.0.0.1:{http_port}", f"127.0.0.1:{grpc_port}"
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "google_emulator",
                "--http",
                f"127.0.0.1:{http_port}",
                "--grpc",
                grpc_target,
                "--data-dir",
                str(data_dir),
            ],
            cwd=REPO_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_ready(proc, url, log)
        yield EmulatorHandle(http_url=url, grpc_target=grpc_target, workdir=data_dir)
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0, log.read_text()[-3000:]


def _create_everything(emulator: EmulatorHandle) -> dict[str, Any]:
    creds = sign_in(emulator.http_url)
    gtm, ga4 = gtm_service(emulator.http_url, creds), ga4_service(emulator.http_url, creds)
    containers = gtm.accounts().containers()
    container = containers.create(
        parent=seed.GTM_ACCOUNT_PATH, body={"name": "lasting.example", "usageContext": ["web"]}
    ).execute()
    workspace = containers.workspaces().list(parent=container["path"]).execute()["workspace"][0]
    trigger = (
        containers.workspaces()
        .triggers()
        .create(parent=workspace["path"], body={"name": "All pages", "type": "pageview"})
        .execute()
    )
    version = (
        containers.workspaces()
        .create_version(path=workspace["path"], body={"name": "v1"})
        .execute()["containerVersion"]
    )
    stream = (
        ga4.properties()
        .dataStreams()
        .create(
            parent=seed.GA4_PROPERTY,
            body={
                "type": "WEB_DATA_STREAM",
                "displayName": "lasting",
                "webStreamData": {"defaultUri": "https://lasting.example"},
            },
        )
        .execute()
    )
    ads = ads_client(emulator)
    action = mutate(ads, [webpage_action(ads, "OCT Lasting")]).results[0].resource_name
    return {
        "creds": creds,
        "container": container,
        "trigger": trigger,
        "version": version,
        "stream": stream,
        "action": action,
    }


def test_a_restarted_emulator_finds_what_it_had(google_emulator: Any, tmp_path: Path) -> None:
    data, log = tmp_path / "data", tmp_path / "emulator.log"
    with emulator_on(data, google_emulator, log) as first:
        made = _create_everything(first)
    assert (data / "state.pickle").exists()

    with emulator_on(data, google_emulator, log) as again:
        # The grant lasts: the refresh token issued before the restart still works.
        creds = made["creds"]
        creds.token = None
        creds._token_uri = f"{again.http_url}/token"
        creds.refresh(Request())
        gtm, ga4 = gtm_service(again.http_url, creds), ga4_service(again.http_url, creds)
        containers = gtm.accounts().containers()
        found = containers.get(path=made["container"]["path"]).execute()
        assert found["publicId"] == made["container"]["publicId"]
        version = containers.versions().get(path=made["version"]["path"]).execute()
        assert [t["name"] for t in version["trigger"]] == ["All pages"]
        stream = ga4.properties().dataStreams().get(name=made["stream"]["name"]).execute()
        assert stream["webStreamData"] == made["stream"]["webStreamData"]
        ads = ads_client(again)
        assert [row.conversion_action.name for row in search(ads, ACTIONS)] == ["OCT Lasting"]

        # Ids go on from where they were: a new container, stream and action get new ones.
        second = containers.create(
            parent=seed.GTM_ACCOUNT_PATH, body={"name": "second.example", "usageContext": ["web"]}
        ).execute()
        assert int(second["containerId"]) > int(made["container"]["containerId"])
        other = mutate(ads, [webpage_action(ads, "OCT Lasting 2")]).results[0].resource_name
        assert int(other.rsplit("/", 1)[1]) > int(made["action"].rsplit("/", 1)[1])
    assert "emulator state loaded from" in log.read_text()


def test_a_reset_empties_the_file_and_hands_out_no_id_again(
    google_emulator: Any, tmp_path: Path
) -> None:
    data, log = tmp_path / "data", tmp_path / "emulator.log"
    with emulator_on(data, google_emulator, log) as first:
        made = _create_everything(first)
        assert _request(f"{first.http_url}/_emulator/reset", {})[0] == 200

    with emulator_on(data, google_emulator, log) as again:
        creds = sign_in(again.http_url)  # a reset forgets the grants too
        gtm = gtm_service(again.http_url, creds)
        containers = gtm.accounts().containers()
        listed = containers.list(parent=seed.GTM_ACCOUNT_PATH).execute()["container"]
        assert [c["containerId"] for c in listed] == [seed.GTM_CONTAINER_ID]
        ads = ads_client(again)
        assert search(ads, ACTIONS) == []
        new = containers.create(
            parent=seed.GTM_ACCOUNT_PATH, body={"name": "after.example", "usageContext": ["web"]}
        ).execute()
        assert new["containerId"] != made["container"]["containerId"]
        action = mutate(ads, [webpage_action(ads, "OCT Lasting")]).results[0].resource_name
        assert action != made["action"]


def test_an_unreadable_file_starts_from_the_seed_and_says_so(
    google_emulator: Any, tmp_path: Path
) -> None:
    data, log = tmp_path / "data", tmp_path / "emulator.log"
    data.mkdir()
    (data / "state.pickle").write_bytes(b"\x80\x04 this is not a state file")
    with emulator_on(data, google_emulator, log) as emulator:
        gtm = gtm_service(emulator.http_url, sign_in(emulator.http_url))
        listed = gtm.accounts().containers().list(parent=seed.GTM_ACCOUNT_PATH).execute()
        assert [c["containerId"] for c in listed["container"]] == [seed.GTM_CONTAINER_ID]
    text = log.read_text()
    assert "is unreadable" in text
    assert "starting from the seed" in text
    assert list(data.glob("state.pickle.corrupt-*")), "the unreadable file is kept aside"
    assert (data / "state.pickle").exists()


def test_a_missing_file_starts_from_the_seed_and_says_so(
    google_emulator: Any, tmp_path: Path
) -> None:
    data, log = tmp_path / "data", tmp_path / "emulator.log"
    with emulator_on(data, google_emulator, log):
        pass
    assert "no emulator state at" in log.read_text()
