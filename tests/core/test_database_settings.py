"""PostgreSQL prepares the statements a connection runs often, unless a pooler forbids it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRINT_OPTIONS = (
    "import json; from django.conf import settings; "
    "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {})))"
)


def _options(**env: str) -> dict[str, object]:
    started = subprocess.run(
        [sys.executable, "-c", PRINT_OPTIONS],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "oneclicktag.settings",
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return dict(json.loads(started.stdout.strip().splitlines()[-1]))


def test_postgresql_binds_parameters_on_the_server_and_prepares_hot_statements() -> None:
    assert _options() == {"server_side_binding": True, "prepare_threshold": 5}


@pytest.mark.parametrize("value", ["false", "0"])
def test_a_transaction_pooler_turns_prepared_statements_off(value: str) -> None:
    assert _options(DATABASE_PREPARED_STATEMENTS=value) == {}
