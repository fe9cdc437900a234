"""What each Google user may do, per resource, and which developer tokens are approved.

Configured through `POST /_emulator/access` (replaces the whole configuration; `GET` reads it):

    {"grants": [{"email": "owner@example.com",
                 "gtm_account": {"accounts/6000000001": "user"},
                 "gtm": {"accounts/6000000001/containers/7000000001": "edit"},
                 "ga4": {"properties/4000001": "viewer"},
                 "ads": {"2220000002": "read_only"}}],
     "unapproved_developer_tokens": ["test-only-token"],
     "declined_scopes": ["https://www.googleapis.com/auth/tagmanager.manage.users"]}

A resource a grant does not name keeps full access (the seed owner owns everything). Kept in the
state file; `/_emulator/reset` empties it. The levels and what they allow, per Google:

- GTM account permissions User < Administrator (same page): only an administrator creates
  containers and sees or changes who has access (`accounts.user_permissions`).
- GTM container permissions Read < Edit < Approve < Publish ("Container permissions",
  support.google.com/tagmanager/answer/6107011): read reads; edit changes workspaces and their
  entities; approve also creates and manages versions; publish also publishes.
- GA4 roles Viewer < Editor ("Access roles", support.google.com/analytics/answer/9305587): a
  viewer reads, an editor may also create, change and delete.
- Google Ads access Read only < Standard ("About access levels", support.google.com/google-ads/
  answer/9978556): read-only users cannot make changes (mutates answer ACTION_NOT_PERMITTED).
- Granular consent ("How to handle granular permissions", developers.google.com/identity/
  protocols/oauth2/resources/granular-permissions): a person may untick any requested scope
  except the sign-in ones (openid, email, profile); `declined_scopes` are the ones they untick.
- A developer token with Test Account access reaches only test accounts (developers.google.com/
  google-ads/api/docs/api-policy/access-levels): DEVELOPER_TOKEN_NOT_APPROVED otherwise.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from typing import Any

from .state import STATE, ConfigError

GTM_ACCOUNT_LEVELS = ("user", "admin")
GTM_LEVELS = ("read", "edit", "approve", "publish")
GA4_LEVELS = ("viewer", "editor")
ADS_LEVELS = ("read_only", "standard")
_GTM_ACCOUNT = re.compile(r"^accounts/\d+$")
_GTM_CONTAINER = re.compile(r"^accounts/\d+/containers/\d+$")
_GA4_PROPERTY = re.compile(r"^properties/\d+$")
_ADS_CUSTOMER = re.compile(r"^\d{10}$")


@dataclass
class AccessStore:
    # email -> api -> resource -> level
    grants: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    unapproved_developer_tokens: set[str] = field(default_factory=set)
    declined_scopes: set[str] = field(default_factory=set)

    def level(self, email: str, api: str, resource: str) -> str | None:
        """The configured level, or None for full access."""
        return self.grants.get(email, {}).get(api, {}).get(resource)

    def as_dict(self) -> dict[str, Any]:
        return {
            "grants": [{"email": email, **apis} for email, apis in sorted(self.grants.items())],
            "unapproved_developer_tokens": sorted(self.unapproved_developer_tokens),
            "declined_scopes": sorted(self.declined_scopes),
        }


STATE.register_store("access", AccessStore)


def access_store() -> AccessStore:
    store: AccessStore = STATE.store("access")
    return store


_APIS: dict[str, tuple[tuple[str, ...], re.Pattern[str]]] = {
    "gtm_account": (GTM_ACCOUNT_LEVELS, _GTM_ACCOUNT),
    "gtm": (GTM_LEVELS, _GTM_CONTAINER),
    "ga4": (GA4_LEVELS, _GA4_PROPERTY),
    "ads": (ADS_LEVELS, _ADS_CUSTOMER),
}


def access_configure(body: Any) -> dict[str, Any]:
    """Replace the access configuration (all or nothing); answers it."""
    if not isinstance(body, dict) or set(body) - {
        "grants",
        "unapproved_developer_tokens",
        "declined_scopes",
    }:
        raise ConfigError("body", "must be {grants, unapproved_developer_tokens, declined_scopes}")
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
    declined = body.get("declined_scopes", [])
    if not isinstance(declined, list) or not all(isinstance(s, str) and s for s in declined):
        raise ConfigError("declined_scopes", "must be a list of scopes")
    if set(declined) & SIGN_IN_SCOPES:
        raise ConfigError("declined_scopes", "sign-in scopes cannot be declined")
    new.declined_scopes = set(declined)
    with STATE.lock:
        STATE.restore({"access": new})
    return new.as_dict()


# Granted with sign-in whatever the person unticks (the granular-permissions page above).
SIGN_IN_SCOPES = frozenset(
    {
        "openid",
        "email",
        "profile",
        "https://www.googleapis.com/auth/userinfo.email",
        "https://www.googleapis.com/auth/userinfo.profile",
    }
)
# GTM methods that need account Administrator rights (the account permissions above).
_GTM_ACCOUNT_ADMIN_PREFIXES = (
    "tagmanager.accounts.user_permissions.",
    "tagmanager.accounts.containers.create",
    "tagmanager.accounts.update",
)

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
    if api == "gtm" and method_id.startswith(_GTM_ACCOUNT_ADMIN_PREFIXES):
        account = _resource(params, _GTM_ACCOUNT, 2)
        if account is not None and store.level(email, "gtm_account", account) == "user":
            return f"administrator permission on {account} is needed; the user is a user"
        return None
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


def gtm_user_permissions(
    account: str, container_ids: list[str], owner_email: str
) -> list[dict[str, Any]]:
    """Who has access to a GTM account and at what level, as `accounts.user_permissions.list`
    answers (UserPermission in the discovery document): the seed owner and every configured
    grant. A level the configuration does not name is full access (admin, publish)."""
    store = access_store()
    emails = sorted({owner_email, *store.grants})
    answer = []
    for email in emails:
        containers = [
            {
                "containerId": container_id,
                "permission": store.level(email, "gtm", f"{account}/containers/{container_id}")
                or "publish",
            }
            for container_id in container_ids
        ]
        answer.append(
            {
                "path": f"{account}/user_permissions/{_permission_id(email)}",
                "accountId": account.removeprefix("accounts/"),
                "emailAddress": email,
                "accountAccess": {
                    "permission": store.level(email, "gtm_account", account) or "admin"
                },
                "containerAccess": containers,
            }
        )
    return answer


def _permission_id(email: str) -> str:
    # Stable per user, as Google's ids are; not derived from anything a client can guess wrong.
    return str(zlib.crc32(email.lower().encode()) or 1)
