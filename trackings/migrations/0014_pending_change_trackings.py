"""A pending change's trackings move from a JSON list on the change to one row each."""

import uuid
from typing import Any

import django.db.models.deletion
from django.db import migrations, models


def _rows_from_lists(apps: Any, schema_editor: Any) -> None:
    PendingChange = apps.get_model("trackings", "PendingChange")
    PendingChangeTracking = apps.get_model("trackings", "PendingChangeTracking")
    rows = []
    changes = PendingChange.objects.exclude(tracking_ids=[]).order_by("created_at", "id")
    for pk, ids in changes.values_list("pk", "tracking_ids").iterator():
        # In the order they came; a value that is no UUID named no tracking.
        for value in dict.fromkeys(str(value) for value in ids or []):
            try:
                tracking_id = uuid.UUID(value)
            except ValueError:
                continue
            rows.append(PendingChangeTracking(change_id=pk, tracking_id=tracking_id))
    PendingChangeTracking.objects.bulk_create(rows, batch_size=5000, ignore_conflicts=True)


def _lists_from_rows(apps: Any, schema_editor: Any) -> None:
    PendingChange = apps.get_model("trackings", "PendingChange")
    PendingChangeTracking = apps.get_model("trackings", "PendingChangeTracking")
    lists: dict[Any, list[str]] = {}
    for change_id, tracking_id in PendingChangeTracking.objects.order_by("id").values_list(
        "change_id", "tracking_id"
    ):
        lists.setdefault(change_id, []).append(str(tracking_id))
    for change_id, ids in lists.items():
        PendingChange.objects.filter(pk=change_id).update(tracking_ids=ids)


class Migration(migrations.Migration):
    dependencies = [
        ("trackings", "0013_tracking_site_status_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="PendingChangeTracking",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("tracking_id", models.UUIDField()),
                (
                    "change",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="carried",
                        to="trackings.pendingchange",
                    ),
                ),
            ],
            options={
                "ordering": ("id",),
                "constraints": [
                    models.UniqueConstraint(
                        fields=("change", "tracking_id"), name="pending_change_tracking_once"
                    )
                ],
            },
        ),
        migrations.RunPython(_rows_from_lists, _lists_from_rows),
        migrations.RemoveField(
            model_name="pendingchange",
            name="tracking_ids",
        ),
    ]
