"""The installed google-ads library's newest API version and the protobuf classes we serve.

The emulator (de)serialises with the library's own generated messages, so whatever the real
client sends or expects is, by construction, the same wire format. We use the raw protobuf
classes (``ProtoPlusType.pb()``), not the proto-plus wrappers: they are faster and expose
descriptors, which the GAQL layer reads to know which fields exist.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from typing import Any

import google.ads.googleads


def newest_api_version() -> str:
    """The highest ``vNN`` package shipped by the installed library (``v26`` for 34.0.0)."""
    versions = [
        int(m.name[1:])
        for m in pkgutil.iter_modules(google.ads.googleads.__path__)
        if re.fullmatch(r"v\d+", m.name)
    ]
    return f"v{max(versions)}"


API_VERSION = newest_api_version()
PACKAGE = f"google.ads.googleads.{API_VERSION}"
FAILURE_METADATA_KEY = f"{PACKAGE}.errors.googleadsfailure-bin"


def _pb(module: str, name: str) -> Any:
    return getattr(importlib.import_module(f"{PACKAGE}.{module}"), name).pb()


ConversionAction: Any = _pb("resources.types.conversion_action", "ConversionAction")
Customer: Any = _pb("resources.types.customer", "Customer")
CustomerClient: Any = _pb("resources.types.customer_client", "CustomerClient")
TagSnippet: Any = _pb("common.types.tag_snippet", "TagSnippet")

MutateConversionActionsRequest: Any = _pb(
    "services.types.conversion_action_service", "MutateConversionActionsRequest"
)
MutateConversionActionsResponse: Any = _pb(
    "services.types.conversion_action_service", "MutateConversionActionsResponse"
)
MutateConversionActionResult: Any = _pb(
    "services.types.conversion_action_service", "MutateConversionActionResult"
)
SearchGoogleAdsRequest: Any = _pb("services.types.google_ads_service", "SearchGoogleAdsRequest")
SearchGoogleAdsResponse: Any = _pb("services.types.google_ads_service", "SearchGoogleAdsResponse")
SearchGoogleAdsStreamRequest: Any = _pb(
    "services.types.google_ads_service", "SearchGoogleAdsStreamRequest"
)
SearchGoogleAdsStreamResponse: Any = _pb(
    "services.types.google_ads_service", "SearchGoogleAdsStreamResponse"
)
GoogleAdsRow: Any = _pb("services.types.google_ads_service", "GoogleAdsRow")
ListAccessibleCustomersRequest: Any = _pb(
    "services.types.customer_service", "ListAccessibleCustomersRequest"
)
ListAccessibleCustomersResponse: Any = _pb(
    "services.types.customer_service", "ListAccessibleCustomersResponse"
)

GoogleAdsFailure: Any = _pb("errors.types.errors", "GoogleAdsFailure")
GoogleAdsError: Any = _pb("errors.types.errors", "GoogleAdsError")


def enum_value(message: Any, field: str, name: str) -> int:
    """The number of enum constant ``name`` for ``message``'s enum field ``field``."""
    enum = message.DESCRIPTOR.fields_by_name[field].enum_type
    return int(enum.values_by_name[name].number)


def enum_name(message: Any, field: str, number: int) -> str | None:
    """The constant name of ``number`` in the field's enum, or None when it is not defined."""
    value = message.DESCRIPTOR.fields_by_name[field].enum_type.values_by_number.get(number)
    return None if value is None else str(value.name)


def service_method(service: str, method: str) -> str:
    """The full gRPC method name, as the client calls it and as the emulator's stats key it."""
    return f"/{PACKAGE}.services.{service}/{method}"
