"""Google Ads API through the official `google-ads` client (gRPC), one method per use.

A `GoogleAdsClient` carries the login-customer-id (the manager an account is reached through), so
the factory builds one per login id from the connection's stored credentials. Every RPC runs in
`google_call` with a deadline; GoogleAdsException is classified there (RESOURCE_EXHAUSTED honours
`retry_delay`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from google.ads.googleads.client import GoogleAdsClient
from google.protobuf import json_format

from integrations.google.calls import CallContext, google_call, http_timeout
from integrations.google.report_quota import ads_operations_acquire

SEND_TO = re.compile(r"AW-(?P<id>\d+)/(?P<label>[A-Za-z0-9_\-]+)")
CONVERSION_ACTION_FIELDS = (
    "conversion_action.resource_name",
    "conversion_action.id",
    "conversion_action.name",
    "conversion_action.status",
    "conversion_action.category",
    "conversion_action.type",
    "conversion_action.primary_for_goal",
    "conversion_action.tag_snippets",
)


@dataclass(frozen=True)
class ConversionDay:
    day: date
    conversion_action_id: str
    conversions: float
    all_conversions: float
    conversions_value: float


CONVERSION_METRICS = (
    "segments.date",
    "segments.conversion_action",
    "metrics.conversions",
    "metrics.all_conversions",
    "metrics.conversions_value",
)


def digits(customer_id: str) -> str:
    return re.sub(r"\D", "", str(customer_id))


def parse_tag_snippets(snippets: Any) -> tuple[str, str]:
    """(conversion_id, conversion_label) from the event snippet's `send_to: 'AW-<id>/<label>'`."""
    for snippet in snippets:
        for text in (
            getattr(snippet, "event_snippet", ""),
            getattr(snippet, "global_site_tag", ""),
        ):
            match = SEND_TO.search(text or "")
            if match:
                return match.group("id"), match.group("label")
    return "", ""


class AdsClient:
    def __init__(
        self,
        client_for_login: Callable[[str | None], GoogleAdsClient],
        context: CallContext,
        *,
        login_customer_id: str | None = None,
    ) -> None:
        self._client_for_login = client_for_login
        self._context = context
        self._login_customer_id = digits(login_customer_id) if login_customer_id else None

    def with_login(self, login_customer_id: str | None) -> AdsClient:
        """The same grant acting through another manager (or directly, with None)."""
        return AdsClient(self._client_for_login, self._context, login_customer_id=login_customer_id)

    def _client(self, login_customer_id: str | None = None) -> GoogleAdsClient:
        return self._client_for_login(login_customer_id or self._login_customer_id)

    def _rpc(self, method: str, call: Callable[[], Any]) -> Any:
        # Every RPC is an operation of the developer token's daily quota.
        ads_operations_acquire()
        return google_call(self._context, api="ads", method=method, call=call)

    def _search(
        self, customer_id: str, query: str, *, login_customer_id: str | None = None
    ) -> list[Any]:
        client = self._client(login_customer_id)
        service = client.get_service("GoogleAdsService")
        return self._rpc(
            "GoogleAdsService/Search",
            lambda: list(
                service.search(customer_id=digits(customer_id), query=query, timeout=http_timeout())
            ),
        )

    # --- reporting --------------------------------------------------------------------------

    def daily_conversions(self, customer_id: str, *, start: date, end: date) -> list[ConversionDay]:
        """Conversions, all conversions and value per day and conversion action: one query."""
        # GAQL, not SQL; the only values are two dates formatted here.
        period = f"segments.date BETWEEN '{start.isoformat()}' AND '{end.isoformat()}'"
        query = f"SELECT {', '.join(CONVERSION_METRICS)} FROM customer WHERE {period}"  # noqa: S608
        rows = self._search(customer_id, query)
        return [
            ConversionDay(
                day=date.fromisoformat(row.segments.date),
                conversion_action_id=row.segments.conversion_action.rsplit("/", 1)[-1],
                conversions=float(row.metrics.conversions),
                all_conversions=float(row.metrics.all_conversions),
                conversions_value=float(row.metrics.conversions_value),
            )
            for row in rows
        ]

    # --- accounts ---------------------------------------------------------------------------

    def list_accessible_customers(self) -> list[str]:
        """Ids of the customers the grant reaches directly (managers included)."""
        service = self._client().get_service("CustomerService")
        response = self._rpc(
            "CustomerService/ListAccessibleCustomers",
            lambda: service.list_accessible_customers(timeout=http_timeout()),
        )
        return [digits(name) for name in response.resource_names]

    def get_customer(
        self, customer_id: str, *, login_customer_id: str | None = None
    ) -> dict[str, Any]:
        rows = self._search(
            customer_id,
            "SELECT customer.id, customer.descriptive_name, customer.manager, "
            "customer.currency_code, customer.time_zone FROM customer LIMIT 1",
            login_customer_id=login_customer_id or digits(customer_id),
        )
        if not rows:
            return {"id": digits(customer_id)}
        customer = rows[0].customer
        return {
            "id": str(customer.id),
            "name": customer.descriptive_name,
            "manager": bool(customer.manager),
            "currency_code": customer.currency_code,
            "time_zone": customer.time_zone,
        }

    def list_client_accounts(self, manager_id: str) -> list[dict[str, Any]]:
        """The accounts directly under a manager, reached with it as login-customer-id."""
        rows = self._search(
            manager_id,
            "SELECT customer_client.id, customer_client.descriptive_name, customer_client.manager, "
            "customer_client.level, customer_client.currency_code, customer_client.time_zone "
            "FROM customer_client WHERE customer_client.level = 1",
            login_customer_id=digits(manager_id),
        )
        return [
            {
                "id": str(row.customer_client.id),
                "name": row.customer_client.descriptive_name,
                "manager": bool(row.customer_client.manager),
                "currency_code": row.customer_client.currency_code,
                "time_zone": row.customer_client.time_zone,
                "manager_id": digits(manager_id),
            }
            for row in rows
        ]

    def conversion_customer_id(self, customer_id: str) -> str:
        """Where conversion actions of `customer_id` live (its cross-account conversion owner)."""
        rows = self._search(
            customer_id,
            "SELECT customer.id, "
            "customer.conversion_tracking_setting.google_ads_conversion_customer "
            "FROM customer LIMIT 1",
        )
        if rows:
            owner = rows[0].customer.conversion_tracking_setting.google_ads_conversion_customer
            if owner:
                return digits(owner)
        return digits(customer_id)

    # --- conversion actions -----------------------------------------------------------------

    def search_conversion_actions(
        self, customer_id: str, ids: list[str] | None = None
    ) -> list[dict[str, Any]]:
        # GAQL, not SQL: the only interpolated values are our field list and digit-only ids.
        query = f"SELECT {', '.join(CONVERSION_ACTION_FIELDS)} FROM conversion_action"  # noqa: S608
        if ids:
            query += f" WHERE conversion_action.id IN ({', '.join(digits(i) for i in ids)})"
        rows = self._search(customer_id, query)
        results = []
        for row in rows:
            action = row.conversion_action
            conversion_id, conversion_label = parse_tag_snippets(action.tag_snippets)
            results.append(
                {
                    "resource_name": action.resource_name,
                    "id": str(action.id),
                    "name": action.name,
                    "status": _enum_name(action, "status"),
                    "category": _enum_name(action, "category"),
                    "type": _enum_name(action, "type"),
                    "primary_for_goal": bool(action.primary_for_goal),
                    "conversion_id": conversion_id,
                    "conversion_label": conversion_label,
                }
            )
        return results

    def mutate_conversion_actions(
        self,
        customer_id: str,
        operations: list[dict[str, Any] | Any],
        *,
        validate_only: bool = False,
        partial_failure: bool = True,
    ) -> dict[str, Any]:
        """Operations as dicts in the API's field names (`{"create": {"name": ..., "category":
        "PURCHASE", ...}}`, `{"update": {...}, "update_mask": "name,status"}`, `{"remove":
        "customers/1/conversionActions/2"}`) or ready ConversionActionOperation messages.

        Returns `{"results": [{"resource_name", "id"} | None per operation],
        "errors": [{"index", "code", "message"}]}` (per-operation errors of a partial failure)."""
        client = self._client()
        messages = []
        for operation in operations:
            if isinstance(operation, dict):
                message = client.get_type("ConversionActionOperation")
                json_format.ParseDict(operation, message)
                messages.append(message)
            else:
                messages.append(operation)
        request = client.get_type("MutateConversionActionsRequest")
        request.customer_id = digits(customer_id)
        request.operations.extend(messages)
        request.partial_failure = partial_failure
        request.validate_only = validate_only
        service = client.get_service("ConversionActionService")
        response = self._rpc(
            "ConversionActionService/MutateConversionActions",
            lambda: service.mutate_conversion_actions(request=request, timeout=http_timeout()),
        )
        results: list[dict[str, Any] | None] = []
        for result in response.results:
            name = result.resource_name
            results.append({"resource_name": name, "id": name.rsplit("/", 1)[-1]} if name else None)
        return {"results": results, "errors": _partial_failure_errors(client, response)}


def _enum_name(message: Any, field: str) -> str:
    """An enum field's name, for protobuf messages (ints) and proto-plus ones (enums) alike."""
    value: Any = getattr(message, field, None)
    if value is None:
        value = getattr(message, f"{field}_", None)
    if hasattr(value, "name"):
        return str(value.name)
    descriptor = getattr(message, "DESCRIPTOR", None)
    field_descriptor = descriptor.fields_by_name.get(field) if descriptor is not None else None
    if field_descriptor is None or field_descriptor.enum_type is None or value is None:
        return str(value or "")
    enum_value = field_descriptor.enum_type.values_by_number.get(int(value))
    return enum_value.name if enum_value is not None else str(value)


def _partial_failure_errors(client: GoogleAdsClient, response: Any) -> list[dict[str, Any]]:
    status = response.partial_failure_error
    if not status or not status.details:
        return []
    failure_type = type(client.get_type("GoogleAdsFailure"))
    errors = []
    for detail in status.details:
        failure = failure_type()
        failure.ParseFromString(detail.value)
        for error in failure.errors:
            index = None
            for element in error.location.field_path_elements:
                if element.field_name == "operations":
                    index = element.index
                    break
            codes = json_format.MessageToDict(error.error_code, preserving_proto_field_name=True)
            errors.append(
                {"index": index, "code": next(iter(codes.values()), ""), "message": error.message}
            )
    return errors
