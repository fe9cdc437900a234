"""The WSGI application starts with what it loaded frozen out of the garbage collector's way."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_application_freezes_what_it_loaded_at_start() -> None:
    started = subprocess.run(
        [
            sys.executable,
            "-c",
            "import gc, sys; import oneclicktag.wsgi; "
            "print(gc.get_freeze_count(), 'trackings.api.views' in sys.modules)",
        ],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "oneclicktag.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    frozen, views_loaded = started.stdout.split()[-2:]
    # The views were imported before the freeze, and the freeze holds them all.
    assert views_loaded == "True"
    assert int(frozen) > 100_000
