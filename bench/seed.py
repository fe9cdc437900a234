"""The benchmark's data: an organization with API key, a Firebase member and customers whose
trackings are inserted in bulk SQL (one INSERT … SELECT generate_series per batch)."""

from __future__ import annotations

import itertools
import json
import uuid
from dataclasses import dataclass

from django.db import connection

from bench.scenario import owned_organization
from customers.models import ConnectionStatus, Customer, GoogleConnection
from tenants.emulator_tokens import emulator_id_token, emulator_uid
from tenants.models import Membership, Organization, Role, User
from tenants.services.api_keys import api_key_create
from trackings.catalog import get_tracking_type

TYPES = ("button_click", "form_submit", "link_click", "page_view", "purchase", "signup")


@dataclass(frozen=True)
class Seeded:
    organization: Organization
    customers: list[Customer]
    api_key: str
    id_token: str
    # Customers of a realistic size that the write rows create trackings for: Google's 200 KB
    # web-container limit holds a couple of hundred click trackings, so the read customers'
    # thousand each would measure a refusal (and a whole-container compile), not a write.
    write_customers: list[Customer]


WRITE_CUSTOMERS = 20
# GTM container ids are unique across organizations (one owner per container): each seeded
# organization's connections take the next ones.
_containers = itertools.count(1000)


def seeded_organization(*, name: str, customers: int) -> Seeded:
    """An organization, its customers (each with a Google connection row, so writes queue a
    deployment as they do in production; no worker runs them), an admin API key and a Firebase
    member's emulator ID token."""
    organization, actor = owned_organization(name)
    # Bulk creates in the bench go well past the default 1,000 a customer.
    organization.max_trackings_per_customer = 10_000_000
    organization.save(update_fields=["max_trackings_per_customer"])
    every = [
        Customer.objects.create(
            organization=organization,
            name=f"{name} shop {index}",
            slug=f"shop-{index}",
            website_url=f"https://shop{index}.bench.example/",
        )
        for index in range(customers + WRITE_CUSTOMERS)
    ]
    created, writers = every[:customers], every[customers:]
    for customer in every:
        GoogleConnection.objects.create(
            organization=organization,
            customer=customer,
            status=ConnectionStatus.CONNECTED,
            gtm_account_id="100",
            gtm_container_id=str(next(_containers)),
        )
    key = api_key_create(
        organization=organization, name="bench", role=Role.ADMIN, actor=actor, actor_role=Role.OWNER
    ).key
    email = f"member-{uuid.uuid4().hex[:8]}@bench.example"
    member = User.objects.create_user(email=email, firebase_uid=emulator_uid(email))
    Membership.objects.create(organization=organization, user=member, role=Role.ADMIN)
    # A token for the whole run (the emulator mode accepts it unsigned).
    token = emulator_id_token(email, lifetime_seconds=6 * 3600)
    return Seeded(organization, created, key, token, writers)


def trackings_insert(
    *,
    organization_id: uuid.UUID,
    customer_ids: list[uuid.UUID],
    count: int,
    volumes: bool = False,
) -> None:
    """`count` trackings spread over the customers, half live, in batches of 100k rows, with
    distinct creation times (one second apart, newest now). Each has its type's example config,
    so the rows compile as the API's own would (the container budget compiles them).

    `volumes`: every tenth tracking also has the volume alarm's state, `normal`, and one in a
    hundred `silent` (what `?volume_status=` finds), as the stats app keeps them (its row, and
    the tracking's copy).

    Names carry their number in seven digits (`Button 0004242`), so a search for one number
    finds the same trackings at every size up to ten million: the 10k and 1M list rows compare
    the same work. (Unpadded, `4242` was also in `42420`..`42429` at 1M: 2 rows became 40.)
    Likewise one in a hundred silent fills the list's first page at 10k as at 1M."""
    batch = 100_000
    configs = [json.dumps(get_tracking_type(key).example_config) for key in TYPES]
    with connection.cursor() as cursor:
        for start in range(0, count, batch):
            cursor.execute(
                """
                WITH numbered AS MATERIALIZED (
                    SELECT g, gen_random_uuid() AS id
                    FROM generate_series(%(first)s::int, %(last)s::int) AS g
                ), inserted AS (
                INSERT INTO trackings_tracking (
                    id, deleted, deleted_by_cascade, created_at, updated_at, name, type, config,
                    destinations, ga4_event_name, ga4_parameters, ads_conversion_action_id,
                    ads_conversion_label, ads_value, ads_currency, ads_category, status, health,
                    gtm_trigger_ids, gtm_tag_ids, gtm_variable_ids, gtm_version_id, last_error,
                    last_deployed_at, last_checked_at, version, created_by_id, updated_by_id,
                    customer_id, organization_id, ads_tag_conversion_id, key_event, ads_primary,
                    site_status, site_checked_at, site_detail, volume_status
                )
                SELECT
                    id, NULL, false,
                    now() - g * interval '1 second', now() - g * interval '1 second',
                    'Button ' || lpad(g::text, 7, '0'), (%(types)s::text[])[1 + g %% %(ntypes)s],
                    (%(configs)s::jsonb[])[1 + g %% %(ntypes)s], '["ga4", "google_ads"]',
                    'click_' || (g %% 50), '{}', '', '', NULL, '', '',
                    CASE WHEN g %% 2 = 0 THEN 'live' ELSE 'pending' END, 'unchecked',
                    '[]', '[]', '[]', '', '', NULL, NULL, 1, NULL, NULL,
                    (%(customers)s::uuid[])[1 + g %% %(ncustomers)s], %(organization)s, '',
                    false, false, '', NULL, '{}',
                    CASE WHEN NOT %(volumes)s OR g %% 10 <> 0 THEN 'learning'
                        WHEN g %% 100 = 0 THEN 'silent' ELSE 'normal' END
                FROM numbered
                )
                INSERT INTO stats_trackingvolume (
                    tracking_id, organization_id, status, judged_day, last_count, baseline,
                    silent_since, likely_cause_id, updated_at
                )
                SELECT
                    id, %(organization)s,
                    CASE WHEN g %% 100 = 0 THEN 'silent' ELSE 'normal' END,
                    current_date - 1, CASE WHEN g %% 100 = 0 THEN 0 ELSE 100 END, 100,
                    CASE WHEN g %% 100 = 0 THEN current_date - 1 END, NULL, now()
                FROM numbered
                WHERE %(volumes)s AND g %% 10 = 0
                """,
                {
                    "types": list(TYPES),
                    "configs": configs,
                    "ntypes": len(TYPES),
                    "customers": customer_ids,
                    "ncustomers": len(customer_ids),
                    "organization": organization_id,
                    "first": start + 1,
                    "last": min(count, start + batch),
                    "volumes": volumes,
                },
            )
        cursor.execute("ANALYZE trackings_tracking")
        cursor.execute("ANALYZE stats_trackingvolume")


def settle() -> None:
    """VACUUM ANALYZE the seeded tables, as autovacuum would have long since done in production:
    the first list requests then do not pay for setting hint bits on rows just inserted."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) trackings_tracking, stats_trackingvolume")


def queued_deployments_taken() -> None:
    """What a worker does within seconds of a write: it takes the queued deployments. The HTTP
    part runs no worker, so without this the write rows would join one ever-growing queued
    deployment per customer and every write's answer (which lists what its deployment carries)
    would grow with the length of the bench, which no customer sees. Written as SQL: the bench
    is not the engine, whose status changes go through trackings.lifecycle."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE trackings_deployment SET status = 'succeeded', finished_at = now() "
            "WHERE status = 'queued'"
        )
