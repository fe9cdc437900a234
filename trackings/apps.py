from typing import Any

from django.apps import AppConfig


class TrackingsConfig(AppConfig):
    name = "trackings"
    verbose_name = "Trackings and deployments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from customers.signals import customer_deleting, customer_restored
        from integrations.google.quota import register_gtm_quota_wake
        from trackings.services.deployments import deployments_wake

        customer_deleting.connect(_remove_trackings, dispatch_uid="trackings.remove_for_customer")
        customer_restored.connect(_restore_trackings, dispatch_uid="trackings.restore_for_customer")
        # A run that gives GTM calls back starts the deployments waiting for them at once.
        register_gtm_quota_wake(deployments_wake)


def _remove_trackings(sender: Any, *, customer: Any, actor: Any, **kwargs: Any) -> None:
    from customers.models import GoogleConnection
    from integrations.google.services.choices import connection_release_resources
    from trackings.services.deployments import trackings_remove_for_customer

    removal = trackings_remove_for_customer(customer=customer, actor=actor)
    connection = GoogleConnection.objects.filter(customer=customer).first()
    if removal is None and connection is not None:
        # Nothing of it reached Google to take out: its container and stream are free now
        # (otherwise the removal deployment frees them once it is done).
        connection_release_resources(connection=connection)


def _restore_trackings(
    sender: Any, *, customer: Any, actor: Any, deleted_at: Any, **kwargs: Any
) -> None:
    from trackings.services.deployments import trackings_restore_for_customer

    trackings_restore_for_customer(customer=customer, actor=actor, deleted_at=deleted_at)
