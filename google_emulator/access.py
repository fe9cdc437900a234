"""What each Google user may do, per resource, and which developer tokens are approved.

Configured through `POST /_emulator/access` (replaces the whole configuration; `GET` reads it):

    {"grants": [{"email": "owner@example.com",
                 "gtm": {"accounts/6000000001/containers/7000000001": "edit"},
                 "ga4": {"properties/4000001": "viewer"},
                 "ads": {"2220000002": "read_only"}}],
     "unapproved_developer_tokens": ["test-only-token"]}

A resource a grant does not name keeps full access (the seed owner owns everything). Kept in the
state file; `/_emulator/reset` empties it. The levels and what they allow, per Google:

- GTM container permissions Read < Edit < Approve < Publish ("Container permissions",
  support.google.com/tagmanager/answer/6107011): read reads; edit changes workspaces and their
  entities; approve also creates and manages versions; publish also publishes.
- GA4 roles Viewer < Editor ("Access roles", support.google.com/analytics/answer/9305587): a
  viewer reads, an editor may also create, change and delete.
- Google Ads access Read only < Standard ("About access levels", support.google.com/google-ads/
  answer/9978556): read-only users cannot make changes (mutates answer ACTION_NOT_PERMITTED).
- A developer token with Test Account access reaches only test accounts (developers.google.com/
  google-ads/api/docs/api-policy/access-levels): DEVELOPER_TOKEN_NOT_APPROVED otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .state import STATE, ConfigError

GTM_LEVELS = ("read", "edit", "approve", "publish")
GA4_LEVELS = ("viewer", "editor")
ADS_LEVELS = ("read_only", "standard")
_GTM_CONTAINER = re.compile(r"^accounts/\d+/containers/\d+$")
_GA4_PROPERTY = re.compile(r"^properties/\d+$")
_ADS_CUSTOMER = re.compile(r"^\d{10}$")


@dataclass
class AccessStore:
    # email -> api -> resource -> level
    grants: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    unapproved_developer_tokens: set[str] = field(default_factory=set)

    def level(self, email: str, api: str, resource: str) -> str | None:
        """The configured level, or None for full access."""
        return self.grants.get(email, {}).get(api, {}).get(resource)

    def as_dict(self) -> dict[str, Any]:
        return {
            "grants": [{"email": email, **apis} for email, apis in sorted(self.grants.items())],
            "unapproved_developer_tokens": sorted(self.unapproved_developer_tokens),
        }


STATE.register_store("access", AccessStore)


def access_store() -> AccessStore:
    store: AccessStore = STATE.store("access")
    return store


_APIS: dict[str, tuple[tuple[str, ...], re.Pattern[str]]] = {
    "gtm": (GTM_LEVELS, _GTM_CONTAINER),
    "ga4": (GA4_LEVELS, _GA4_PROPERTY),
    "ads": (ADS_LEVELS, _ADS_CUSTOMER),
}


def access_configure(body: Any) -> dict[str, Any]:
    """Replace the access configuration (all or nothing); answers it."""
    if not isinstance(body, dict) or set(body) - {"grants", "unapproved_developer_tokens"}:
        raise ConfigError("body", "must be {grants, unapproved_developer_tokens}")
    new = AccessStore()
    grants = body.get("grants", [])
    if not isinstance(grants, list):
        raise ConfigError("grants", "must be a list")
    for i, grant in enumerate(grants):
        where = f"grants[{i}]"
        if not isinstance(grant, dict) or not isinstance(grant.get("email"), str):
            raise ConfigError(f"{where}.email", "each grant names an email")
        unknown = set(grant) - {"email", *_APIS}
        if unknown:
            raise ConfigError(f"{where}.{sorted(unknown)[0]}", "unknown field")
        apis: dict[str, dict[str, str]] = {}
        for api, (levels, resource_pattern) in _APIS.items():
            resources = grant.get(api, {})
            if not isinstance(resources, dict):
                raise ConfigError(f"{where}.{api}", "must map resources to levels")
            for resource, level in resources.items():
                if not resource_pattern.fullmatch(resource):
                    raise ConfigError(f"{where}.{api}", f"{resource!r} is not a {api} resource")
                if level not in levels:
                    raise ConfigError(f"{where}.{api}.{resource}", f"must be one of {levels}")
            if resources:
                apis[api] = dict(resources)
        new.grants[grant["email"]] = apis
    tokens = body.get("unapproved_developer_tokens", [])
    if not isinstance(tokens, list) or not all(isinstance(t, str) and t for t in tokens):
        raise ConfigError("unapproved_developer_tokens", "must be a list of tokens")
    new.unapproved_developer_tokens = set(tokens)
    with STATE.lock:
        STATE.restore({"access": new})
    return new.as_dict()


# GTM methods by the container permission they need beyond read (discovery method ids).
_GTM_PUBLISH = {"tagmanager.accounts.containers.versions.publish"}
_GTM_APPROVE = {
    "tagmanager.accounts.containers.workspaces.create_version",
    "tagmanager.accounts.containers.versions.update",
    "tagmanager.accounts.containers.versions.delete",
    "tagmanager.accounts.containers.versions.undelete",
    "tagmanager.accounts.containers.versions.set_latest",
}


def gtm_needed_level(method_id: str, http_method: str) -> str:
    if method_id in _GTM_PUBLISH:
        return "publish"
    if method_id in _GTM_APPROVE:
        return "approve"
    return "read" if http_method == "GET" else "edit"


def _resource(params: dict[str, Any], pattern: re.Pattern[str], depth: int) -> str | None:
    for key in ("path", "parent", "name"):
        value = params.get(key)
        if isinstance(value, str):
            candidate = "/".join(value.split("/")[:depth])
            if pattern.fullmatch(candidate):
                return candidate
    return None


def http_permission_problem(
    *, api: str, method_id: str, http_method: str, params: dict[str, Any], email: str
) -> str | None:
    """Why the caller may not make this GTM or GA4 call (None: it may)."""
    store = access_store()
    if api == "gtm":
        container = _resource(params, _GTM_CONTAINER, 4)
        if container is None:
            return None
        level = store.level(email, "gtm", container)
        needed = gtm_needed_level(method_id, http_method)
        if level is not None and GTM_LEVELS.index(level) < GTM_LEVELS.index(needed):
            return f"{needed} permission on {container} is needed; the user has {level}"
    elif api == "ga4" and http_method != "GET":
        prop = _resource(params, _GA4_PROPERTY, 2)
        if prop is not None and store.level(email, "ga4", prop) == "viewer":
            return f"the editor role on {prop} is needed; the user is a viewer"
    return None
