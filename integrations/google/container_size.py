"""The size of a customer's GTM container against Google's web-container limit.

Google refuses a web container version over 200 KB (support.google.com/tagmanager/answer/2772488).
The trackings app measures the container (its compiler, and the live version the engine reads)
and keeps the measures on the GoogleConnection (trackings/container_budget.py); reading them
here costs no compile and no query beyond the connection's.
"""

from __future__ import annotations

from django.conf import settings

from customers.models import GoogleConnection

# 200 KB, as 200 * 1024 bytes.
GTM_WEB_CONTAINER_LIMIT_BYTES = 200 * 1024


def gtm_container_limit_bytes() -> int:
    """The limit containers are held to: Google's (GTM_CONTAINER_SIZE_LIMIT_BYTES defaults to
    it); read at each use, so the bench can raise it for its engine row alone."""
    return int(settings.GTM_CONTAINER_SIZE_LIMIT_BYTES)


def connection_container_size(connection: GoogleConnection | None) -> int:
    """Bytes of the customer's container as the budget counts them: our entities at their last
    compile plus what a person's own entities took in the live version the engine last read."""
    if connection is None:
        return 0
    return connection.gtm_our_size_bytes + connection.gtm_foreign_size_bytes
