"""Each tracking's volume state, judged so far in stats_trackingvolume, copied to the tracking's
own `volume_status` column (trackings 0020), which the list filters on from now on."""

from django.db import migrations


def copy_judged_states(apps, schema_editor):
    TrackingVolume = apps.get_model("stats", "TrackingVolume")
    Tracking = apps.get_model("trackings", "Tracking")
    judged = TrackingVolume.objects.exclude(status="learning")
    for status in judged.values_list("status", flat=True).distinct():
        Tracking._base_manager.filter(
            pk__in=judged.filter(status=status).values("tracking_id")
        ).update(volume_status=status)


class Migration(migrations.Migration):
    dependencies = [
        ("stats", "0003_customer_daily_stat"),
        ("trackings", "0020_tracking_volume_status"),
    ]

    operations = [
        # Back: the column goes with trackings 0020; the stats table was never changed.
        migrations.RunPython(copy_judged_states, migrations.RunPython.noop),
    ]
