"""Where the site check's browser may go: http(s) only, public addresses only, except the
networks SITE_CHECK_ALLOWED_NETWORKS lists (all on a development machine, none in production)."""

from __future__ import annotations

from django.conf import settings

from webhooks.targets import AddressPolicy


def site_check_policy() -> AddressPolicy:
    return AddressPolicy.of(
        schemes=("https", "http"), allowed=list(settings.SITE_CHECK_ALLOWED_NETWORKS)
    )
