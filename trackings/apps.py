from django.apps import AppConfig


class TrackingsConfig(AppConfig):
    name = "trackings"
    default_auto_field = "django.db.models.BigAutoField"
