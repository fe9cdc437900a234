"""The pipeline every Google API call goes through, in Google's order.

match the discovery method -> latency -> credentials and scope (401/403) -> GTM quota (429)
-> injected fault -> parameters and body against the discovery document (400) -> handler ->
self-check of the answer against the response schema -> accounting in `/_emulator/stats`.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from ..access import http_permission_problem
from ..discovery import MethodSpec, check_parameters, match, path_known
from ..errors import ApiError
from ..handlers import HANDLERS, Call
from ..schema import response_problems, validate_request
from ..state import STATE, Fault, TokenInfo
from .messages import Request, Response, json_response

logger = logging.getLogger(__name__)

_SERVICE = {
    "gtm": "tagmanager.googleapis.com",
    "ga4": "analyticsadmin.googleapis.com",
    "ga4data": "analyticsdata.googleapis.com",
}
# The root field name Google uses in messages about a request body, e.g. 'tag.parameter[0]'.
_BODY_ROOTS = {
    "Tag": "tag",
    "Trigger": "trigger",
    "Variable": "variable",
    "Folder": "folder",
    "Workspace": "workspace",
    "Container": "container",
    "ContainerVersion": "container_version",
    "Entity": "entity",
    "GoogleAnalyticsAdminV1betaProperty": "property",
    "GoogleAnalyticsAdminV1betaDataStream": "data_stream",
    "GoogleAnalyticsAdminV1betaKeyEvent": "key_event",
    "GoogleAnalyticsAdminV1betaCustomDimension": "custom_dimension",
    "GoogleAnalyticsAdminV1betaMeasurementProtocolSecret": "measurement_protocol_secret",
}
_FAULT_MESSAGES = {
    400: "Request contains an invalid argument.",
    401: "Request had invalid authentication credentials.",
    403: "The caller does not have permission",
    404: "Requested entity was not found.",
    409: "The operation was aborted.",
    412: "Fingerprint does not match the current state.",
    429: "Resource has been exhausted (e.g. check quota).",
    500: "Internal error encountered.",
    502: "Bad Gateway",
    503: "The service is currently unavailable.",
    504: "The request timed out.",
}


def _authenticate(req: Request, spec: MethodSpec) -> TokenInfo:
    header = req.header("authorization") or ""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(
            401,
            "Request is missing required authentication credential. Expected OAuth 2 access "
            "token, login cookie or other valid authentication credential.",
            reason="required",
            headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'},
        )
    info = STATE.oauth_token_info(token.strip())
    if info is None or info.expired:
        raise ApiError(
            401,
            "Request had invalid authentication credentials. Expected OAuth 2 access token, "
            "login cookie or other valid authentication credential.",
            reason="authError",
            headers={
                "WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", '
                'error="invalid_token"'
            },
        )
    if spec.scopes and not info.scopes.intersection(spec.scopes):
        raise ApiError(
            403,
            "Request had insufficient authentication scopes.",
            reason="insufficientPermissions",
            extra_details=[
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                    "domain": "googleapis.com",
                    "metadata": {"service": _SERVICE[spec.api], "method": spec.id},
                }
            ],
        )
    return info


def _quota_error() -> ApiError:
    per_100s, per_day = STATE.config.gtm_per_100s, STATE.config.gtm_per_day
    retry_after = STATE.gtm_quota_retry_after()
    daily = retry_after > 100
    limit = "Queries per day" if daily else "Queries per 100 seconds"
    value = per_day if daily else per_100s
    message = (
        f"Quota exceeded for quota metric 'Queries' and limit '{limit}' of service "
        "'tagmanager.googleapis.com' for consumer 'project_number:000000000000'."
    )
    # Tag Manager's limits page: "403 Forbidden and a message indicating that the specific
    # account has insufficient quota"; reason as Google's JSON error format names quota errors.
    status = STATE.config.gtm_quota_status
    forbidden = status == 403
    return ApiError(
        status,
        message,
        status="PERMISSION_DENIED" if forbidden else "RESOURCE_EXHAUSTED",
        reason="dailyLimitExceeded" if forbidden and daily else "rateLimitExceeded",
        # A 429 says when to come back in a header too; a 403 only in its RetryInfo detail.
        headers=None if forbidden else {"Retry-After": str(retry_after)},
        extra_details=[
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "RATE_LIMIT_EXCEEDED",
                "domain": "googleapis.com",
                "metadata": {
                    "service": "tagmanager.googleapis.com",
                    "quota_metric": "tagmanager.googleapis.com/queries",
                    "quota_limit": "QueriesPer100SecondsPerProject"
                    if not daily
                    else "QueriesPerDay",
                    "quota_limit_value": str(value),
                },
            },
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": f"{retry_after}s"},
        ],
    )


def _fault_error(fault: Fault, spec: MethodSpec) -> ApiError:
    message = _FAULT_MESSAGES.get(fault.status, "Injected fault.")
    reason = "rateLimitExceeded" if fault.status == 429 else None
    headers = {"Retry-After": "1"} if fault.status in (429, 503) else None
    return ApiError(fault.status, message, reason=reason, headers=headers)


def _body(req: Request, spec: MethodSpec) -> dict[str, Any] | None:
    if spec.request_schema is None:
        return None
    if not req.body.strip():
        raw: Any = {}
    else:
        try:
            raw = json.loads(req.body)
        except ValueError as exc:
            raise ApiError(400, f"Invalid JSON payload received. {exc}.") from exc
    root = _BODY_ROOTS.get(spec.request_schema, "")
    return validate_request(spec.api, spec.request_schema, raw, root)


def handle(req: Request) -> Response | None:
    """Answer a Google API request, or None when the URL is not a known API path."""
    found = match(req.method, req.path)
    if found is None:
        if path_known(req.path):
            err = ApiError(405, f"Method {req.method} is not allowed on {req.path}.")
            return json_response(405, err.body())
        return None
    spec, path_params = found
    STATE.apply_latency()
    failed = True
    try:
        token = _authenticate(req, spec)
        if spec.api == "gtm" and not STATE.gtm_quota_check():
            raise _quota_error()
        fault = STATE.take_fault(spec.api, spec.id)
        if fault is not None and not fault.after:
            raise _fault_error(fault, spec)
        params = check_parameters(spec, path_params, req.query)
        body = _body(req, spec)
        handler = HANDLERS.get(spec.id)
        if handler is None:
            raise ApiError(501, f"Method {spec.id} is not implemented by the Google emulator.")
        with STATE.lock:  # one handler at a time: each call is atomic, like Google's writes
            refused = http_permission_problem(
                api=spec.api,
                method_id=spec.id,
                http_method=req.method,
                params=params,
                email=token.email,
            )
            if refused is not None:
                logger.info("%s refused: %s", spec.id, refused)
                raise ApiError(403, "The caller does not have permission", reason="forbidden")
            status, payload = handler(Call(spec=spec, params=params, body=body, token=token))
        if payload is not None and spec.response_schema:
            # Every field of an answer is in the discovery schema: the emulator adds none.
            problem = response_problems(spec.api, spec.response_schema, payload)
            if problem:
                # Our own bug: refuse to hand a client something Google would never send.
                logger.error("emulator answer to %s breaks its schema: %s", spec.id, problem)
                raise ApiError(500, "Internal error encountered.")
        if fault is not None and status < 400:
            # Lost answer: the change is made (server.py saves it) but the client is told it
            # failed, as when Google's front end times out after the backend committed.
            raise _fault_error(fault, spec)
        failed = status >= 400
        if payload is None:
            return json_response(204 if status == 200 else status, None)
        return json_response(status, payload)
    except ApiError as exc:
        # Operators and test authors read the emulator's log to see why Google "refused" a call.
        logger.info("%s answered %s: %s", spec.id, exc.code, exc.message)
        return json_response(exc.code, exc.body(), exc.headers)
    finally:
        STATE.record_call(spec.id, failed)
