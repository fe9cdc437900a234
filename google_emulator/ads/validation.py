"""Field rules Google applies to a ConversionAction on create and update.

Each check answers the errors Google would, located at the offending field
(``operations[2].create.value_settings.default_currency_code``), so a client can name it.
"""

from __future__ import annotations

from typing import Any

from .errors import Location, ads_error
from .protos import enum_name

# Types a client may create through the API; the rest (GA4, Firebase, app and imported types)
# are created by linking products, and Google answers CREATION_NOT_SUPPORTED.
CREATABLE_TYPES = frozenset(
    {
        "AD_CALL",
        "CLICK_TO_CALL",
        "STORE_SALES_DIRECT_UPLOAD",
        "STORE_SALES",
        "UPLOAD_CALLS",
        "UPLOAD_CLICKS",
        "WEBPAGE",
        "WEBPAGE_CODELESS",
        "WEBSITE_CALL",
    }
)
RULE_BASED_ATTRIBUTION = frozenset(
    {
        "GOOGLE_SEARCH_ATTRIBUTION_FIRST_CLICK",
        "GOOGLE_SEARCH_ATTRIBUTION_LINEAR",
        "GOOGLE_SEARCH_ATTRIBUTION_TIME_DECAY",
        "GOOGLE_SEARCH_ATTRIBUTION_POSITION_BASED",
    }
)
MAX_NAME_LENGTH = 100
CLICK_THROUGH_DAYS = (1, 90)
VIEW_THROUGH_DAYS = (1, 30)
# ISO 4217 codes Google Ads accepts for values and billing.
_CURRENCY_LIST = """
    AED ARS AUD BDT BGN BHD BND BOB BRL BWP BYN CAD CHF CLP CNY COP CRC CZK DKK DOP DZD EGP EUR
    FJD GBP GEL GHS HKD HNL HRK HUF IDR ILS INR ISK JOD JPY KES KRW KWD KZT LBP LKR LTL MAD MOP
    MUR MXN MYR NGN NIO NOK NPR NZD OMR PAB PEN PHP PKR PLN PYG QAR RON RSD RUB SAR SEK SGD THB
    TND TRY TWD TZS UAH UGX USD UYU VEF VES VND XOF ZAR
"""
CURRENCY_CODES = frozenset(_CURRENCY_LIST.split())


def _at(location: Location, *fields: str) -> Location:
    return [*location, *((name, None) for name in fields)]


def check_enum(
    message: Any, field: str, location: Location, *, required: bool, label: str | None = None
) -> list[Any]:
    """UNSPECIFIED on a required enum is a missing field; UNKNOWN or an undefined number is an
    invalid enum value (Google's answer to both)."""
    name = enum_name(message, field, getattr(message, field))
    where = _at(location, label or field.rstrip("_"))
    if name is None or name == "UNKNOWN":
        return [
            ads_error(
                "request_error", "INVALID_ENUM_VALUE", "Enum value not valid.", location=where
            )
        ]
    if name == "UNSPECIFIED" and required:
        return [
            ads_error(
                "field_error", "REQUIRED", "The required field was not present.", location=where
            )
        ]
    return []


def _check_range(value: float, bounds: tuple[float, float], where: Location) -> list[Any]:
    low, high = bounds
    if value < low:
        return [ads_error("range_error", "TOO_LOW", "Too low.", location=where)]
    if value > high:
        return [ads_error("range_error", "TOO_HIGH", "Too high.", location=where)]
    return []


def check_name(action: Any, location: Location) -> list[Any]:
    where = _at(location, "name")
    if not action.HasField("name"):
        return [
            ads_error(
                "field_error", "REQUIRED", "The required field was not present.", location=where
            )
        ]
    if not action.name.strip():
        message = "The specified field should have a least one non-whitespace character in it."
        return [ads_error("string_length_error", "EMPTY", message, location=where)]
    if len(action.name) > MAX_NAME_LENGTH:
        return [ads_error("string_length_error", "TOO_LONG", "Too long.", location=where)]
    return []


def check_conversion_action(action: Any, location: Location, *, creating: bool) -> list[Any]:
    """Every rule on the (defaulted or merged) action; ``creating`` adds the create-only ones."""
    errors = check_name(action, location)
    errors += check_enum(action, "type_", location, required=True)
    type_name = enum_name(action, "type_", action.type_)
    if creating and not errors and type_name not in CREATABLE_TYPES and type_name != "UNSPECIFIED":
        errors.append(
            ads_error(
                "conversion_action_error",
                "CREATION_NOT_SUPPORTED",
                f"Creating conversion actions of type {type_name} is not supported.",
                location=_at(location, "type"),
            )
        )
    errors += check_enum(action, "category", location, required=True)
    errors += check_enum(action, "status", location, required=True)
    if creating and enum_name(action, "status", action.status) == "REMOVED":
        errors.append(
            ads_error(
                "operation_access_denied_error",
                "CREATE_AS_REMOVED_NOT_PERMITTED",
                "Cannot create a resource in a removed state.",
                location=_at(location, "status"),
            )
        )
    errors += check_enum(action, "counting_type", location, required=True)
    if action.HasField("click_through_lookback_window_days"):
        where = _at(location, "click_through_lookback_window_days")
        errors += _check_range(action.click_through_lookback_window_days, CLICK_THROUGH_DAYS, where)
    if action.HasField("view_through_lookback_window_days"):
        where = _at(location, "view_through_lookback_window_days")
        errors += _check_range(action.view_through_lookback_window_days, VIEW_THROUGH_DAYS, where)
    errors += _check_value_settings(action.value_settings, _at(location, "value_settings"))
    errors += _check_attribution(
        action.attribution_model_settings, _at(location, "attribution_model_settings")
    )
    return errors


def _check_value_settings(settings: Any, location: Location) -> list[Any]:
    errors: list[Any] = []
    if settings.HasField("default_value") and settings.default_value < 0:
        errors.append(
            ads_error("range_error", "TOO_LOW", "Too low.", location=_at(location, "default_value"))
        )
    code = settings.default_currency_code
    if settings.HasField("default_currency_code") and code not in CURRENCY_CODES:
        errors.append(
            ads_error(
                "currency_code_error",
                "UNSUPPORTED",
                "The currency code is not supported.",
                location=_at(location, "default_currency_code"),
                trigger=code,
            )
        )
    return errors


def _check_attribution(settings: Any, location: Location) -> list[Any]:
    errors = check_enum(settings, "attribution_model", location, required=False)
    name = enum_name(settings, "attribution_model", settings.attribution_model)
    where = _at(location, "attribution_model")
    if name in RULE_BASED_ATTRIBUTION:
        errors.append(
            ads_error(
                "conversion_action_error",
                "CANNOT_SET_RULE_BASED_ATTRIBUTION_MODELS",
                "Rule-based attribution models are deprecated and not allowed to be set.",
                location=where,
            )
        )
    elif name == "EXTERNAL":
        errors.append(
            ads_error(
                "enum_error",
                "ENUM_VALUE_NOT_PERMITTED",
                "The enum value is not permitted.",
                location=where,
            )
        )
    return errors


def duplicate_name_error(name: str, location: Location) -> Any:
    return ads_error(
        "conversion_action_error",
        "DUPLICATE_NAME",
        "A conversion action with this name already exists.",
        location=_at(location, "name"),
        trigger=name,
    )
