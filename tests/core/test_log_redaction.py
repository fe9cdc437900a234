"""OAuth authorization codes and state never reach the logs (issue 13: they were in the
access log, in the callback's query string)."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from oneclicktag.core.logging import JsonFormatter

ROOT = Path(__file__).resolve().parents[2]
CODE = "4/0AbCdEf-secret-authorization-code"
STATE = "eyJzaWduZWQiOiJzdGF0ZSJ9.secret-state"


def test_a_logged_callback_url_loses_its_code_and_state() -> None:
    # What runserver's django.server logger (make run) writes for the callback.
    record = logging.makeLogRecord(
        {
            "name": "django.server",
            "levelno": logging.INFO,
            "levelname": "INFO",
            "msg": '"%s" %s %s',
            "args": (
                f"GET /api/v1/google/oauth/callback?state={STATE}&code={CODE} HTTP/1.1",
                200,
                5,
            ),
            "request": f"/api/v1/google/oauth/callback?code={CODE}&state={STATE}&scope=x",
        }
    )
    line = JsonFormatter().format(record)
    assert CODE not in line
    assert STATE not in line
    assert "code=[redacted]" in line
    assert "state=[redacted]" in line
    assert "scope=x" in line
    kept = logging.makeLogRecord({"msg": "error_code=quota status=ok"})
    assert "error_code=quota" in JsonFormatter().format(kept)


@pytest.mark.slow
def test_gunicorns_access_log_has_no_query_string(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "oneclicktag.wsgi:application",
             "-c", "oneclicktag/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
             "--workers", "1"],
            cwd=ROOT,
            env={**os.environ, "ENVIRONMENT": "test"},
            stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}/healthz"
            for _ in range(200):
                try:
                    response = requests.get(url, params={"code": CODE, "state": STATE}, timeout=30)
                    break
                except requests.ConnectionError:
                    time.sleep(0.1)
            assert response.status_code == 200
        finally:
            server.terminate()
            server.wait(timeout=30)
    written = log.read_text()
    assert '"GET /healthz HTTP/1.1" 200' in written, written
    assert CODE not in written
    assert STATE not in written
