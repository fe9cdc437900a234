"""GA4 Admin API v1beta through googleapiclient: accounts, properties and web data streams."""

from __future__ import annotations

from typing import Any

from integrations.google.calls import CallContext, google_call

WEB_DATA_STREAM = "WEB_DATA_STREAM"


class Ga4Client:
    def __init__(self, service: Any, context: CallContext) -> None:
        self._service = service
        self._context = context

    def _execute(self, method: str, request: Any) -> dict[str, Any]:
        result = google_call(
            self._context,
            api="ga4",
            method=f"analyticsadmin.{method}",
            call=lambda: request.execute(num_retries=0),
        )
        return result if isinstance(result, dict) else {}

    def _list_all(self, method: str, make_request: Any, key: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        page_token: str | None = None
        while True:
            page = self._execute(method, make_request(page_token))
            items.extend(page.get(key) or [])
            page_token = page.get("nextPageToken")
            if not page_token:
                return items

    def list_account_summaries(self) -> list[dict[str, Any]]:
        """Accounts with their properties, shaped like Google's `accountSummaries`
        (`account`, `displayName`, `propertySummaries: [{property, displayName}]`).

        Built from accounts.list and properties.list (one call per account), the two methods
        every Admin API backend serves."""
        accounts = self._service.accounts()
        properties = self._service.properties()
        summaries = []
        for account in self._list_all(
            "accounts.list", lambda token: accounts.list(pageSize=200, pageToken=token), "accounts"
        ):
            found = self._list_all(
                "properties.list",
                lambda token, a=account: properties.list(
                    filter=f"parent:{a['name']}", pageSize=200, pageToken=token
                ),
                "properties",
            )
            summaries.append(
                {
                    "account": account["name"],
                    "displayName": account.get("displayName", ""),
                    "propertySummaries": [
                        {"property": p["name"], "displayName": p.get("displayName", "")}
                        for p in found
                    ],
                }
            )
        return summaries

    def get_property(self, property_name: str) -> dict[str, Any]:
        return self._execute("properties.get", self._service.properties().get(name=property_name))

    def create_property(
        self, *, account: str, display_name: str, time_zone: str, currency_code: str
    ) -> dict[str, Any]:
        body = {
            "parent": account,
            "displayName": display_name,
            "timeZone": time_zone,
            "currencyCode": currency_code,
        }
        return self._execute("properties.create", self._service.properties().create(body=body))

    def list_web_streams(self, property_name: str) -> list[dict[str, Any]]:
        streams = self._service.properties().dataStreams()
        every = self._list_all(
            "properties.dataStreams.list",
            lambda token: streams.list(parent=property_name, pageSize=200, pageToken=token),
            "dataStreams",
        )
        return [stream for stream in every if stream.get("type") == WEB_DATA_STREAM]

    def get_data_stream(self, stream_name: str) -> dict[str, Any]:
        request = self._service.properties().dataStreams().get(name=stream_name)
        return self._execute("properties.dataStreams.get", request)

    def list_key_events(self, property_name: str) -> list[dict[str, Any]]:
        key_events = self._service.properties().keyEvents()
        return self._list_all(
            "properties.keyEvents.list",
            lambda token: key_events.list(parent=property_name, pageSize=200, pageToken=token),
            "keyEvents",
        )

    def create_key_event(self, property_name: str, *, event_name: str) -> dict[str, Any]:
        # ONCE_PER_EVENT is what GA4's UI sets for a new key event (every event counts).
        body = {"eventName": event_name, "countingMethod": "ONCE_PER_EVENT"}
        request = self._service.properties().keyEvents().create(parent=property_name, body=body)
        return self._execute("properties.keyEvents.create", request)

    def delete_key_event(self, name: str) -> None:
        request = self._service.properties().keyEvents().delete(name=name)
        self._execute("properties.keyEvents.delete", request)

    def list_custom_dimensions(self, property_name: str) -> list[dict[str, Any]]:
        dimensions = self._service.properties().customDimensions()
        return self._list_all(
            "properties.customDimensions.list",
            lambda token: dimensions.list(parent=property_name, pageSize=200, pageToken=token),
            "customDimensions",
        )

    def create_custom_dimension(
        self, property_name: str, *, parameter_name: str, description: str
    ) -> dict[str, Any]:
        body = {
            "parameterName": parameter_name,
            "displayName": parameter_name,
            "description": description,
            "scope": "EVENT",
        }
        request = (
            self._service.properties().customDimensions().create(parent=property_name, body=body)
        )
        return self._execute("properties.customDimensions.create", request)

    def archive_custom_dimension(self, name: str) -> None:
        request = self._service.properties().customDimensions().archive(name=name, body={})
        self._execute("properties.customDimensions.archive", request)

    def create_web_stream(
        self, property_name: str, *, display_name: str, default_uri: str
    ) -> dict[str, Any]:
        body = {
            "type": WEB_DATA_STREAM,
            "displayName": display_name,
            "webStreamData": {"defaultUri": default_uri},
        }
        request = self._service.properties().dataStreams().create(parent=property_name, body=body)
        return self._execute("properties.dataStreams.create", request)
