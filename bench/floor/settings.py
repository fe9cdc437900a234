"""The floor's settings: the product's (same database, same models), with none of its request
machinery — no middleware, no DRF — and the floor's three views as the only URLs."""

from oneclicktag.settings import *  # noqa: F403

ROOT_URLCONF = "bench.floor.urls"
MIDDLEWARE = []
WSGI_APPLICATION = "bench.floor.wsgi.application"
