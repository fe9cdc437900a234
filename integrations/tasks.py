"""Scheduled work of the Google integration."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="integrations.purge_oauth_attempts")
def purge_oauth_attempts() -> int:
    """Hourly (beat): authorization attempts past their ten minutes are useless; drop them."""
    from integrations.google.services.authorization import oauth_attempts_purge

    return oauth_attempts_purge()
