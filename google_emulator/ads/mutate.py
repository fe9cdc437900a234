"""``ConversionActionService.MutateConversionActions``: create, update (update_mask), remove.

Operations run in order against a working copy of the customer's actions; the copy replaces the
stored actions only when the request is not ``validate_only`` and either every operation
succeeded or ``partial_failure`` is on (then only the good operations are in it). Without
``partial_failure`` every error of every operation is reported and nothing is stored.
"""

from __future__ import annotations

import re
from typing import Any

import grpc

from . import protos
from .errors import AdsError, Location, ads_error, invalid_argument, partial_failure_status
from .snippets import tag_snippets
from .store import Account, AdsStore, conversion_label_for
from .validation import check_conversion_action, duplicate_name_error

MAX_OPERATIONS = 10_000
RESOURCE_NAME = re.compile(r"customers/(\d+)/conversionActions/(\d+)")
# update_mask paths a client may change; the rest of the resource is immutable or output only.
MUTABLE_PATHS = frozenset(
    {
        "name",
        "status",
        "category",
        "counting_type",
        "primary_for_goal",
        "click_through_lookback_window_days",
        "view_through_lookback_window_days",
        "phone_call_duration_seconds",
        "value_settings",
        "value_settings.default_value",
        "value_settings.default_currency_code",
        "value_settings.always_use_default_value",
        "attribution_model_settings",
        "attribution_model_settings.attribution_model",
    }
)
DEFAULT_CLICK_THROUGH_DAYS = 30
DEFAULT_VIEW_THROUGH_DAYS = 1
ORIGIN_BY_TYPE = {
    "WEBPAGE": "WEBSITE",
    "WEBPAGE_CODELESS": "WEBSITE",
    "UPLOAD_CLICKS": "WEBSITE",
    "AD_CALL": "CALL_FROM_ADS",
    "CLICK_TO_CALL": "CALL_FROM_ADS",
    "WEBSITE_CALL": "CALL_FROM_ADS",
    "UPLOAD_CALLS": "CALL_FROM_ADS",
    "STORE_SALES": "STORE",
    "STORE_SALES_DIRECT_UPLOAD": "STORE",
}


class _Batch:
    """One request's view of the customer's actions, committed or dropped at the end."""

    def __init__(self, store: AdsStore, account: Account) -> None:
        self.store = store
        self.account = account
        self.actions: dict[int, Any] = dict(store.actions_of(account.customer_id))
        self.next_id = store.next_conversion_action_id

    def commit(self) -> None:
        self.store.conversion_actions[self.account.customer_id] = self.actions
        self.store.next_conversion_action_id = self.next_id

    def name_taken(self, name: str, *, except_id: int | None = None) -> bool:
        removed = protos.enum_value(protos.ConversionAction, "status", "REMOVED")
        return any(
            action.name == name and action.status != removed and action_id != except_id
            for action_id, action in self.actions.items()
        )


def mutate_conversion_actions(
    store: AdsStore, account: Account, request: Any, request_id: str
) -> Any:
    if not request.operations:
        raise invalid_argument(
            "field_error",
            "REQUIRED_NONEMPTY_LIST",
            "The required field was not present.",
            location=[("operations", None)],
        )
    if len(request.operations) > MAX_OPERATIONS:
        raise invalid_argument(
            "request_error", "TOO_MANY_MUTATE_OPERATIONS", "Too many mutate operations."
        )
    batch = _Batch(store, account)
    mutable = (
        protos.enum_name(request, "response_content_type", request.response_content_type)
        == "MUTABLE_RESOURCE"
    )
    response = protos.MutateConversionActionsResponse()
    errors: list[Any] = []
    for index, operation in enumerate(request.operations):
        op_errors, action = _apply(batch, operation, index)
        result = response.results.add()
        if op_errors:
            errors += op_errors
            continue
        result.resource_name = action.resource_name
        if mutable and operation.WhichOneof("operation") != "remove":
            result.conversion_action.CopyFrom(action)
    if errors and not request.partial_failure:
        raise AdsError(grpc.StatusCode.INVALID_ARGUMENT, errors)
    if request.validate_only:
        # Google validates only: errors come back, results do not, nothing is stored.
        response = protos.MutateConversionActionsResponse()
    else:
        batch.commit()
    if errors:
        response.partial_failure_error.CopyFrom(partial_failure_status(errors, request_id))
    return response


def _apply(batch: _Batch, operation: Any, index: int) -> tuple[list[Any], Any]:
    kind = operation.WhichOneof("operation")
    location: Location = [("operations", index), (kind or "operation", None)]
    if kind == "create":
        return _create(batch, operation.create, location)
    if kind == "update":
        return _update(batch, operation, location)
    if kind == "remove":
        return _remove(batch, operation.remove, location)
    error = ads_error(
        "request_error",
        "OPERATION_REQUIRED",
        "The operation is not set.",
        location=[("operations", index)],
    )
    return [error], None


def _create(batch: _Batch, source: Any, location: Location) -> tuple[list[Any], Any]:
    action = protos.ConversionAction()
    action.CopyFrom(source)
    _apply_defaults(action, batch.account)
    errors = check_conversion_action(action, location, creating=True)
    if not errors and batch.name_taken(action.name):
        errors.append(duplicate_name_error(action.name, location))
    if errors:
        return errors, None
    action_id = batch.next_id
    batch.next_id += 1
    customer_id = batch.account.customer_id
    action.id = action_id
    action.resource_name = f"customers/{customer_id}/conversionActions/{action_id}"
    action.owner_customer = f"customers/{customer_id}"
    action.include_in_conversions_metric = action.primary_for_goal
    origin = ORIGIN_BY_TYPE.get(protos.enum_name(action, "type_", action.type_) or "")
    if origin:
        action.origin = protos.enum_value(action, "origin", origin)
    _refresh_snippets(batch.account, action)
    batch.actions[action_id] = action
    return [], action


def _apply_defaults(action: Any, account: Account) -> None:
    """What Google fills in for fields a create leaves out."""
    for field, constant in (("status", "ENABLED"), ("counting_type", "MANY_PER_CLICK")):
        if getattr(action, field) == 0:
            setattr(action, field, protos.enum_value(action, field, constant))
    if not action.HasField("click_through_lookback_window_days"):
        action.click_through_lookback_window_days = DEFAULT_CLICK_THROUGH_DAYS
    if not action.HasField("view_through_lookback_window_days"):
        action.view_through_lookback_window_days = DEFAULT_VIEW_THROUGH_DAYS
    if not action.HasField("primary_for_goal"):
        action.primary_for_goal = True
    settings = action.value_settings
    if not settings.HasField("default_value"):
        settings.default_value = 1.0
    if not settings.HasField("default_currency_code"):
        settings.default_currency_code = account.currency_code
    if not settings.HasField("always_use_default_value"):
        settings.always_use_default_value = False
    attribution = action.attribution_model_settings
    if attribution.attribution_model == 0:
        attribution.attribution_model = protos.enum_value(
            attribution, "attribution_model", "GOOGLE_SEARCH_ATTRIBUTION_DATA_DRIVEN"
        )
    attribution.data_driven_model_status = protos.enum_value(
        attribution, "data_driven_model_status", "NEVER_GENERATED"
    )


def _update(batch: _Batch, operation: Any, location: Location) -> tuple[list[Any], Any]:
    source = operation.update
    found, errors = _existing(batch, source.resource_name, [*location, ("resource_name", None)])
    if errors:
        return errors, None
    paths = list(operation.update_mask.paths)
    if not paths:
        mask_at: Location = [location[0], ("update_mask", None)]
        message = "The field mask must be provided for update operations."
        return [
            ads_error("field_mask_error", "FIELD_MASK_MISSING", message, location=mask_at)
        ], None
    action = protos.ConversionAction()
    action.CopyFrom(found)
    for path in paths:
        # The proto-plus messages name `type` as `type_`; Google's paths never carry the `_`.
        normalized = ".".join(part.rstrip("_") for part in path.split("."))
        if normalized == "resource_name":
            # It names the action being updated; Google's own examples build masks with it.
            continue
        if normalized not in MUTABLE_PATHS:
            errors.append(_mask_error(normalized, location))
            continue
        _copy_path(source, action, normalized.split("."))
    if errors:
        return errors, None
    errors = check_conversion_action(action, location, creating=False)
    if protos.enum_name(action, "status", action.status) == "REMOVED":
        errors.append(
            ads_error(
                "field_error",
                "INVALID_VALUE",
                "The status REMOVED can only be set by a remove operation.",
                location=[*location, ("status", None)],
            )
        )
    if not errors and batch.name_taken(action.name, except_id=action.id):
        errors.append(duplicate_name_error(action.name, location))
    if errors:
        return errors, None
    _refresh_snippets(batch.account, action)
    batch.actions[action.id] = action
    return [], action


def _mask_error(path: str, location: Location) -> Any:
    known = {f.name.rstrip("_") for f in protos.ConversionAction.DESCRIPTOR.fields}
    if path.split(".", maxsplit=1)[0] in known:
        where: Location = [*location, *((part, None) for part in path.split("."))]
        return ads_error(
            "field_error", "IMMUTABLE_FIELD", "The field is immutable.", location=where
        )
    return ads_error(
        "field_mask_error",
        "FIELD_NOT_FOUND",
        "The field mask contained an invalid field.",
        location=[location[0], ("update_mask", None)],
        trigger=path,
    )


def _copy_path(source: Any, target: Any, parts: list[str]) -> None:
    for part in parts[:-1]:
        source, target = getattr(source, part), getattr(target, part)
    descriptor = target.DESCRIPTOR.fields_by_name
    leaf = parts[-1] if parts[-1] in descriptor else f"{parts[-1]}_"
    field = descriptor[leaf]
    if field.message_type is not None:
        target.ClearField(leaf)
        if source.HasField(leaf):
            getattr(target, leaf).CopyFrom(getattr(source, leaf))
    elif field.has_presence and not source.HasField(leaf):
        target.ClearField(leaf)
    else:
        setattr(target, leaf, getattr(source, leaf))


def _remove(batch: _Batch, resource_name: str, location: Location) -> tuple[list[Any], Any]:
    found, errors = _existing(batch, resource_name, location)
    if errors:
        return errors, None
    action = protos.ConversionAction()
    action.CopyFrom(found)
    action.status = protos.enum_value(action, "status", "REMOVED")
    batch.actions[action.id] = action
    return [], action


def _existing(batch: _Batch, resource_name: str, location: Location) -> tuple[Any, list[Any]]:
    if not resource_name:
        missing = "The resource name is missing."
        return None, [
            ads_error("request_error", "RESOURCE_NAME_MISSING", missing, location=location)
        ]
    match = RESOURCE_NAME.fullmatch(resource_name)
    if match is None:
        error = ads_error(
            "request_error",
            "RESOURCE_NAME_MALFORMED",
            "The resource name is malformed.",
            location=location,
            trigger=resource_name,
        )
        return None, [error]
    action = batch.actions.get(int(match.group(2)))
    if match.group(1) != batch.account.customer_id or action is None:
        error = ads_error(
            "mutate_error",
            "RESOURCE_NOT_FOUND",
            "The requested resource was not found.",
            location=location,
            trigger=resource_name,
        )
        return None, [error]
    if protos.enum_name(action, "status", action.status) == "REMOVED":
        error = ads_error(
            "operation_access_denied_error",
            "OPERATION_NOT_PERMITTED_FOR_REMOVED_RESOURCE",
            "Operation is not permitted on a removed resource.",
            location=location,
            trigger=resource_name,
        )
        return None, [error]
    return action, []


def _refresh_snippets(account: Account, action: Any) -> None:
    del action.tag_snippets[:]
    snippets = tag_snippets(
        conversion_id=account.conversion_tracking_id,
        label=conversion_label_for(account.customer_id, action.id),
        action=action,
        currency_code=account.currency_code,
    )
    action.tag_snippets.extend(snippets)
