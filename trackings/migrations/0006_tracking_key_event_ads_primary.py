from typing import Any

from django.db import migrations, models


def type_defaults(apps: Any, schema_editor: Any) -> None:
    """Existing trackings take their type's defaults, as a new one would."""
    from trackings.catalog import all_tracking_types

    tracking_model = apps.get_model("trackings", "Tracking")
    conversions = [t.key for t in all_tracking_types() if t.conversion]
    # JSON containment is not portable (SQLite): the destinations are read row by row.
    for row in tracking_model._base_manager.filter(type__in=conversions).only("destinations"):
        destinations = row.destinations or []
        row.key_event = "ga4" in destinations
        row.ads_primary = "google_ads" in destinations
        row.save(update_fields=["key_event", "ads_primary"])


class Migration(migrations.Migration):
    dependencies = [
        ("trackings", "0005_container_version_trackings"),
    ]

    operations = [
        migrations.AddField(
            model_name="tracking",
            name="ads_primary",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="tracking",
            name="key_event",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(type_defaults, migrations.RunPython.noop),
    ]
