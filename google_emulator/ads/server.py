"""The gRPC server: Google Ads services over TLS, (de)serialised with the library's messages.

Every call: latency (``STATE.apply_latency``), an injected fault if one is configured for
``("ads", "<package>.services.<Service>/<Method>")``, authentication, the work, and one
``STATE.record_call`` with the full method name (errors counted too).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent import futures
from typing import Any

import grpc
from google.protobuf import field_mask_pb2

from google_emulator.state import STATE
from google_emulator.tls import ensure_certificate

from . import protos
from .auth import Caller, accessible_customers, authenticate, authorize, authorize_change
from .errors import AdsError, ads_error, invalid_argument, new_request_id
from .mutate import mutate_conversion_actions
from .search import compile_query, run_query
from .store import STORE_NAME, AdsStore, carry_ids_over, seed_store

# Google serves at most 10,000 rows per Search page and per SearchStream message.
PAGE_SIZE = 10_000
# The delay Google suggests in QuotaErrorDetails when an injected 429 fires.
QUOTA_RETRY_DELAY_SECONDS = 30
FAULT_STATUS = {
    400: grpc.StatusCode.INVALID_ARGUMENT,
    401: grpc.StatusCode.UNAUTHENTICATED,
    403: grpc.StatusCode.PERMISSION_DENIED,
    404: grpc.StatusCode.NOT_FOUND,
    409: grpc.StatusCode.ABORTED,
    412: grpc.StatusCode.FAILED_PRECONDITION,
    429: grpc.StatusCode.RESOURCE_EXHAUSTED,
    500: grpc.StatusCode.INTERNAL,
    502: grpc.StatusCode.UNAVAILABLE,
    503: grpc.StatusCode.UNAVAILABLE,
    504: grpc.StatusCode.DEADLINE_EXCEEDED,
}
# The Google Ads error each injected status carries (transport-level ones carry none).
FAULT_ERRORS = {
    401: ("authentication_error", "OAUTH_TOKEN_EXPIRED", "Oauth token in the header has expired."),
    403: (
        "authorization_error",
        "USER_PERMISSION_DENIED",
        "User doesn't have permission to access customer.",
    ),
    409: (
        "database_error",
        "CONCURRENT_MODIFICATION",
        "Multiple requests were attempting to modify the same resource at once. Retry the request.",
    ),
    429: ("quota_error", "RESOURCE_EXHAUSTED", "Too many requests. Retry in 30 seconds."),
    500: ("internal_error", "INTERNAL_ERROR", "An internal error has occurred."),
}


def method_id(service: str, method: str) -> str:
    return f"{protos.PACKAGE}.services.{service}/{method}"


def fault_error(status: int) -> AdsError:
    code = FAULT_STATUS.get(status, grpc.StatusCode.UNKNOWN)
    if status not in FAULT_ERRORS:
        return AdsError(code, [])
    kind, constant, message = FAULT_ERRORS[status]
    error = ads_error(kind, constant, message)
    if status == 429:
        details = error.details.quota_error_details
        details.rate_scope = protos.enum_value(details, "rate_scope", "DEVELOPER")
        details.rate_name = "Number of operations for basic access"
        details.retry_delay.seconds = QUOTA_RETRY_DELAY_SECONDS
    return AdsError(code, [error])


def _serve(method: str, context: grpc.ServicerContext, work: Callable[[Caller, str], Any]) -> Any:
    request_id = new_request_id()
    failed = True
    try:
        STATE.apply_latency()
        fault = STATE.take_fault("ads", method)
        if fault is not None and not fault.after:
            raise fault_error(fault.status)
        caller = authenticate(dict(context.invocation_metadata()))
        response = work(caller, request_id)
        if method.endswith("/MutateConversionActions"):
            STATE.changed()
        if fault is not None:
            # Lost answer: the mutate above is applied and saved, the caller gets the error.
            raise fault_error(fault.status)
        failed = False
        context.set_trailing_metadata([("request-id", request_id)])
        return response
    except AdsError as error:
        error.abort(context, request_id)
        raise  # abort() raises; this keeps type checkers and readers honest
    finally:
        STATE.record_call(method, failed)


def _store() -> AdsStore:
    store: AdsStore = STATE.store(STORE_NAME)
    return store


def _mutate_conversion_actions(request: Any, context: grpc.ServicerContext) -> Any:
    def work(caller: Caller, request_id: str) -> Any:
        with STATE.lock:
            store = _store()
            account = authorize(store, caller, request.customer_id)
            authorize_change(caller, request.customer_id)
            return mutate_conversion_actions(store, account, request, request_id)

    return _serve(method_id("ConversionActionService", "MutateConversionActions"), context, work)


def _search(request: Any, context: grpc.ServicerContext) -> Any:
    def work(caller: Caller, request_id: str) -> Any:
        with STATE.lock:
            store = _store()
            account = authorize(store, caller, request.customer_id)
            if request.page_size:
                raise invalid_argument(
                    "request_error",
                    "PAGE_SIZE_NOT_SUPPORTED",
                    "Setting the page size is not supported. Search responses will have fixed "
                    "page size of 10000 rows.",
                )
            if request.validate_only:
                compile_query(request.query)
                return protos.SearchGoogleAdsResponse()
            rows, paths = run_query(store, account, request.query)
        offset = _page_offset(request.page_token, len(rows))
        response = protos.SearchGoogleAdsResponse(field_mask=field_mask_pb2.FieldMask(paths=paths))
        response.results.extend(rows[offset : offset + PAGE_SIZE])
        if offset + PAGE_SIZE < len(rows):
            response.next_page_token = str(offset + PAGE_SIZE)
        if request.search_settings.return_total_results_count:
            response.total_results_count = len(rows)
        return response

    return _serve(method_id("GoogleAdsService", "Search"), context, work)


def _page_offset(token: str, total: int) -> int:
    if not token:
        return 0
    if not token.isdigit() or int(token) > total:
        raise invalid_argument("request_error", "INVALID_PAGE_TOKEN", "Page token is invalid.")
    return int(token)


def _search_stream(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
    def work(caller: Caller, request_id: str) -> list[Any]:
        with STATE.lock:
            store = _store()
            account = authorize(store, caller, request.customer_id)
            rows, paths = run_query(store, account, request.query)
        batches = [rows[i : i + PAGE_SIZE] for i in range(0, len(rows), PAGE_SIZE)] or [[]]
        return [
            protos.SearchGoogleAdsStreamResponse(
                results=batch,
                field_mask=field_mask_pb2.FieldMask(paths=paths),
                request_id=request_id,
            )
            for batch in batches
        ]

    yield from _serve(method_id("GoogleAdsService", "SearchStream"), context, work)


def _list_accessible_customers(request: Any, context: grpc.ServicerContext) -> Any:
    def work(caller: Caller, request_id: str) -> Any:
        with STATE.lock:
            customer_ids = accessible_customers(_store(), caller)
        return protos.ListAccessibleCustomersResponse(
            resource_names=[f"customers/{cid}" for cid in customer_ids]
        )

    return _serve(method_id("CustomerService", "ListAccessibleCustomers"), context, work)


def _unary(behaviour: Callable[..., Any], request: Any, response: Any) -> grpc.RpcMethodHandler:
    return grpc.unary_unary_rpc_method_handler(
        behaviour,
        request_deserializer=request.FromString,
        response_serializer=response.SerializeToString,
    )


def _handlers() -> list[grpc.GenericRpcHandler]:
    services = {
        "ConversionActionService": {
            "MutateConversionActions": _unary(
                _mutate_conversion_actions,
                protos.MutateConversionActionsRequest,
                protos.MutateConversionActionsResponse,
            ),
        },
        "GoogleAdsService": {
            "Search": _unary(
                _search, protos.SearchGoogleAdsRequest, protos.SearchGoogleAdsResponse
            ),
            "SearchStream": grpc.unary_stream_rpc_method_handler(
                _search_stream,
                request_deserializer=protos.SearchGoogleAdsStreamRequest.FromString,
                response_serializer=protos.SearchGoogleAdsStreamResponse.SerializeToString,
            ),
        },
        "CustomerService": {
            "ListAccessibleCustomers": _unary(
                _list_accessible_customers,
                protos.ListAccessibleCustomersRequest,
                protos.ListAccessibleCustomersResponse,
            ),
        },
    }
    return [
        grpc.method_handlers_generic_handler(f"{protos.PACKAGE}.services.{name}", methods)
        for name, methods in services.items()
    ]


def start_ads_server(host: str, port: int, *, max_workers: int = 8) -> grpc.Server:
    """Serve the Ads API over TLS on ``host:port`` (started; ``stop()`` it when done).

    Registers the ``"ads"`` store with ``STATE`` (seeded), so ``/_emulator/reset`` restores it.
    """
    STATE.register_store(STORE_NAME, seed_store, carry_over=carry_ids_over)
    cert_pem, key_pem = ensure_certificate()
    # SO_REUSEPORT is on by default in gRPC: a second server would silently share a busy port.
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="ads-emulator"),
        handlers=_handlers(),
        options=[("grpc.so_reuseport", 0)],
    )
    address = f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"
    bound = server.add_secure_port(address, grpc.ssl_server_credentials([(key_pem, cert_pem)]))
    if bound == 0:
        raise OSError(f"cannot bind the Google Ads emulator to {address}")
    server.start()
    return server
