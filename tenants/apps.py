from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Organizations and people"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the OpenAPI security schemes with drf-spectacular.
        from tenants import schema  # noqa: F401
        from tenants.authentication import connect_api_key_cache

        connect_api_key_cache()
