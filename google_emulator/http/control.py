"""`/_emulator/*`: reset, config, stats, traffic, the Ads TLS certificate (plain HTTP, no auth)."""

from __future__ import annotations

import json
import logging

from ..state import STATE, ConfigError
from .messages import Request, Response, json_response

logger = logging.getLogger(__name__)


def _error(status: int, message: str, field: str | None = None) -> Response:
    body: dict[str, object] = {"code": status, "message": message}
    if field:
        body["field"] = field
    return json_response(status, {"error": body})


def _compiler_errors(req: Request) -> Response:
    """What GTM's compiler would refuse in a workspace: the detail Google's answer never has."""
    from ..errors import ApiError
    from ..gtm.compiler import workspace_compiler_errors

    path = (req.query.get("path") or [""])[0]
    if "/workspaces/" not in path:
        return _error(400, "path must be a workspace path accounts/../workspaces/<id>", "path")
    try:
        with STATE.lock:
            return json_response(200, {"compilerErrors": workspace_compiler_errors(path)})
    except ApiError as exc:
        return json_response(exc.code, exc.body())


def handle(req: Request) -> Response:
    route = (req.method, req.path.rstrip("/"))
    if route == ("POST", "/_emulator/reset"):
        STATE.reset()
        return json_response(200, {"reset": True})
    if route == ("GET", "/_emulator/stats"):
        return json_response(200, STATE.stats())
    if route == ("GET", "/_emulator/config"):
        return json_response(200, STATE.config.as_dict())
    if route == ("POST", "/_emulator/config"):
        try:
            body = json.loads(req.body or b"{}")
        except ValueError:
            return _error(400, "the body is not JSON", "body")
        try:
            return json_response(200, STATE.configure(body))
        except ConfigError as exc:
            return _error(400, str(exc), exc.field)
    if route == ("POST", "/_emulator/traffic"):
        from ..reports.traffic import traffic_record

        try:
            body = json.loads(req.body or b"{}")
        except ValueError:
            return _error(400, "the body is not JSON", "body")
        try:
            return json_response(200, {"recorded": traffic_record(body)})
        except ConfigError as exc:
            return _error(400, str(exc), exc.field)
    if route == ("GET", "/_emulator/access"):
        from ..access import access_store

        with STATE.lock:
            return json_response(200, access_store().as_dict())
    if route == ("POST", "/_emulator/access"):
        from ..access import access_configure

        try:
            body = json.loads(req.body or b"{}")
        except ValueError:
            return _error(400, "the body is not JSON", "body")
        try:
            return json_response(200, access_configure(body))
        except ConfigError as exc:
            return _error(400, str(exc), exc.field)
    if route == ("GET", "/_emulator/gtm/compiler-errors"):
        return _compiler_errors(req)
    if route == ("GET", "/_emulator/ca.pem"):
        try:
            from .. import tls  # written by the Ads half; absent until it lands
        except ImportError:
            return _error(404, "no TLS material: google_emulator.tls is missing")
        cert_pem, _key = tls.ensure_certificate()
        return Response(200, cert_pem, {"Content-Type": "application/x-pem-file"})
    return _error(404, f"unknown control endpoint {req.method} {req.path}")
