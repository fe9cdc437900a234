"""The floor: bare Django views that run the product's queries and answer the same rows as JSON.

What a request here costs is what any Django app must pay for the same work (routing, one
API-key lookup, the query, JSON), so `product / floor` shows what the product's own machinery
adds. No DRF, no middleware, no validation beyond what the database enforces.
"""

from __future__ import annotations

import hmac
import json
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from customers.models import Customer
from tenants.authentication import hash_api_key_secret
from tenants.models import ApiKey
from trackings.models import Tracking, TrackingStatus

PAGE_SIZE = 50
COLUMNS = (
    "id",
    "customer_id",
    "name",
    "type",
    "config",
    "destinations",
    "ga4_event_name",
    "ga4_parameters",
    "ads_conversion_action_id",
    "ads_conversion_label",
    "ads_value",
    "ads_currency",
    "ads_category",
    "key_event",
    "ads_primary",
    "status",
    "health",
    "volume_status",
    "gtm_trigger_ids",
    "gtm_tag_ids",
    "gtm_variable_ids",
    "gtm_version_id",
    "last_error",
    "last_deployed_at",
    "version",
    "created_at",
    "updated_at",
)


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def _row(r: dict[str, Any]) -> dict[str, Any]:
    """The product's tracking shape (API.md "Objects"), built from a `.values()` row."""
    value: Decimal | None = r["ads_value"]
    return {
        "id": str(r["id"]),
        "customer": str(r["customer_id"]),
        "name": r["name"],
        "type": r["type"],
        "config": r["config"],
        "destinations": r["destinations"],
        "ga4_event_name": r["ga4_event_name"],
        "ga4_parameters": r["ga4_parameters"],
        "ads_conversion": {
            "id": r["ads_conversion_action_id"],
            "label": r["ads_conversion_label"],
            "value": None if value is None else float(value),
            "currency": r["ads_currency"],
            "category": r["ads_category"],
        },
        "key_event": r["key_event"],
        "ads_primary": r["ads_primary"],
        "status": r["status"],
        "health": r["health"],
        "volume_status": r["volume_status"],
        "gtm": {
            "trigger_ids": r["gtm_trigger_ids"],
            "tag_ids": r["gtm_tag_ids"],
            "variable_ids": r["gtm_variable_ids"],
            "version_id": r["gtm_version_id"],
        },
        "last_error": r["last_error"],
        "last_deployed_at": _time(r["last_deployed_at"]),
        "version": r["version"],
        "created_at": _time(r["created_at"]),
        "updated_at": _time(r["updated_at"]),
    }


def _organization(request: HttpRequest) -> Any:
    """The API key's organization id (one query), or None."""
    parts = request.headers.get("Authorization", "").split(" ", 1)
    if len(parts) != 2 or parts[0] != "Api-Key":
        return None
    pieces = parts[1].split("_", 2)
    if len(pieces) != 3:
        return None
    found = (
        ApiKey.objects.filter(prefix=pieces[1], revoked_at__isnull=True)
        .values_list("organization_id", "secret_hash")
        .first()
    )
    if found is None or not hmac.compare_digest(found[1], hash_api_key_secret(pieces[2])):
        return None
    return found[0]


def _denied() -> HttpResponse:
    return JsonResponse({"error": {"code": "not_authenticated"}}, status=401)


def _list(request: HttpRequest, organization_id: Any) -> HttpResponse:
    rows = Tracking.objects.filter(organization_id=organization_id)
    query = request.GET
    if "customer" in query:
        rows = rows.filter(customer_id=query["customer"])
    if "status" in query:
        rows = rows.filter(status=query["status"])
    if "search" in query:
        term = query["search"]
        rows = rows.filter(
            Q(name__icontains=term) | Q(type__icontains=term) | Q(ga4_event_name__icontains=term)
        )
    size = min(int(query.get("page_size", PAGE_SIZE)), 200)
    page = list(rows.order_by("-created_at", "-id").values(*COLUMNS)[: size + 1])
    following = None
    if len(page) > size:
        page = page[:size]
        following = f"?before={page[-1]['created_at'].isoformat()}"
    return JsonResponse({"next": following, "previous": None, "results": [_row(r) for r in page]})


def _fields(item: dict[str, Any], organization_id: Any, customer_id: Any) -> Tracking:
    return Tracking(
        organization_id=organization_id,
        customer_id=customer_id,
        name=item["name"],
        type=item["type"],
        config=item.get("config", {}),
        destinations=item.get("destinations", ["ga4"]),
        ga4_event_name=item.get("ga4_event_name", ""),
        status=TrackingStatus.PENDING,
    )


def _values(tracking: Tracking) -> dict[str, Any]:
    return {column: getattr(tracking, column) for column in COLUMNS}


@csrf_exempt
def trackings(request: HttpRequest) -> HttpResponse:
    organization_id = _organization(request)
    if organization_id is None:
        return _denied()
    if request.method == "GET":
        return _list(request, organization_id)
    item = json.loads(request.body)
    customer_id = (
        Customer.objects.filter(organization_id=organization_id, pk=uuid.UUID(item["customer"]))
        .values_list("pk", flat=True)
        .first()
    )
    if customer_id is None:
        return JsonResponse({"error": {"code": "validation_error"}}, status=400)
    tracking = _fields(item, organization_id, customer_id)
    tracking.save()
    return JsonResponse(_row(_values(tracking)), status=201)


@csrf_exempt
def trackings_bulk(request: HttpRequest) -> HttpResponse:
    organization_id = _organization(request)
    if organization_id is None:
        return _denied()
    items = json.loads(request.body)["trackings"]
    wanted = {uuid.UUID(item["customer"]) for item in items}
    found = set(
        Customer.objects.filter(organization_id=organization_id, pk__in=wanted).values_list(
            "pk", flat=True
        )
    )
    if found != wanted:
        return JsonResponse({"error": {"code": "validation_error"}}, status=400)
    created = Tracking.objects.bulk_create(
        [_fields(item, organization_id, uuid.UUID(item["customer"])) for item in items]
    )
    return JsonResponse({"trackings": [_row(_values(t)) for t in created]}, status=201)


def tracking_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    organization_id = _organization(request)
    if organization_id is None:
        return _denied()
    row = Tracking.objects.filter(organization_id=organization_id, pk=pk).values(*COLUMNS).first()
    if row is None:
        return JsonResponse({"error": {"code": "not_found"}}, status=404)
    return JsonResponse(_row(row))
