"""The size of a customer's GTM container against Google's web-container limit.

Google refuses a web container version over 200 KB (support.google.com/tagmanager/answer/2772488).
Measuring our container is the compiler's work, and trackings sits above this package: the
trackings app registers its measure when it loads (`trackings/apps.py`), as it answers
`customer_deleting`, so the connection endpoint can show the size without importing it.
"""

from __future__ import annotations

from collections.abc import Callable

from customers.models import Customer

# 200 KB, as 200 * 1024 bytes.
GTM_WEB_CONTAINER_LIMIT_BYTES = 200 * 1024

_measure: Callable[[Customer], int] | None = None


def register_container_size_measure(measure: Callable[[Customer], int]) -> None:
    global _measure  # noqa: PLW0603 - one measure for the process, set once at app loading
    _measure = measure


def customer_container_size(*, customer: Customer) -> int:
    """Bytes of the customer's compiled container (0 before the trackings app registered)."""
    return _measure(customer) if _measure is not None else 0
