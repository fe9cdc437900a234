from typing import Any

from django.db import migrations, models

GTM_FIELDS = ("gtm_account_id", "gtm_container_id", "gtm_public_id", "gtm_workspace_id")


def keep_one_owner_per_container(apps: Any, schema_editor: Any) -> None:
    """Before the constraint: where customers share a container, the first to connect keeps it
    (a live customer before a deleted one); the others lose the GTM choice and choose again."""
    GoogleConnection = apps.get_model("customers", "GoogleConnection")
    shared = (
        GoogleConnection.objects.exclude(gtm_container_id="")
        .values("gtm_container_id")
        .annotate(n=models.Count("id"))
        .filter(n__gt=1)
        .values_list("gtm_container_id", flat=True)
    )
    for container_id in list(shared):
        holders = list(
            GoogleConnection.objects.filter(gtm_container_id=container_id).order_by(
                models.F("customer__deleted").asc(nulls_first=True), "created_at", "id"
            )
        )
        for connection in holders[1:]:
            for name in GTM_FIELDS:
                setattr(connection, name, "")
            connection.version += 1
            connection.save(update_fields=[*GTM_FIELDS, "version"])


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0004_customer_drift_policy"),
    ]

    operations = [
        migrations.RunPython(keep_one_owner_per_container, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="googleconnection",
            constraint=models.UniqueConstraint(
                condition=models.Q(("gtm_container_id", ""), _negated=True),
                fields=("gtm_container_id",),
                name="gconn_unique_gtm_container",
            ),
        ),
    ]
