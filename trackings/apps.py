from typing import Any

from django.apps import AppConfig


class TrackingsConfig(AppConfig):
    name = "trackings"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from customers.signals import customer_deleting

        customer_deleting.connect(_remove_trackings, dispatch_uid="trackings.remove_for_customer")


def _remove_trackings(sender: Any, *, customer: Any, actor: Any, **kwargs: Any) -> None:
    from trackings.services.deployments import trackings_remove_for_customer

    trackings_remove_for_customer(customer=customer, actor=actor)
