"""The production compose set: web, worker, beat, PostgreSQL and Redis, in production mode."""

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

COMPOSE = Path(__file__).resolve().parent.parent / "docker" / "compose.yaml"


def _services() -> dict:
    return yaml.safe_load(COMPOSE.read_text())["services"]


def test_it_runs_every_role_and_both_backing_services() -> None:
    assert {"web", "worker", "beat", "postgres", "redis", "migrate"} <= set(_services())


def test_every_app_service_runs_in_production_against_live_google() -> None:
    for name in ("web", "worker", "beat", "migrate"):
        environment = _services()[name]["environment"]
        assert environment["ENVIRONMENT"] == "production", name
        assert environment["GOOGLE_BACKEND"] == "live", name
        assert environment["REDIS_URL"].startswith("redis://redis:"), name
        assert "FIREBASE_AUTH_EMULATOR_HOST" not in environment, name


def test_worker_and_beat_run_celery_with_the_project_app() -> None:
    assert _services()["worker"]["command"][:4] == ["celery", "-A", "oneclicktag", "worker"]
    assert _services()["beat"]["command"][:4] == ["celery", "-A", "oneclicktag", "beat"]


def test_compose_accepts_the_file() -> None:
    if shutil.which("docker-compose"):
        command = ["docker-compose"]
    elif (
        shutil.which("docker")
        and subprocess.run(
            ["docker", "compose", "version"], capture_output=True, check=False
        ).returncode
        == 0
    ):
        command = ["docker", "compose"]
    else:
        pytest.skip("neither docker-compose nor the docker compose plugin is installed")
    result = subprocess.run(
        [*command, "-f", str(COMPOSE), "config", "--quiet"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
