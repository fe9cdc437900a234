"""Accounts and containers."""

from __future__ import annotations

from typing import Any

from .. import seed
from ..access import gtm_user_permissions
from ..errors import invalid_field
from ..handlers import Call, handles
from . import render
from .store import (
    Container,
    get_account,
    get_container,
    gtm_store,
    new_fingerprint,
    split_path,
    web_container_data,
)

_ACCOUNTS = "tagmanager.accounts"
_CONTAINERS = "tagmanager.accounts.containers"
_CREATE_FIELDS = {"name", "usageContext", "domainName", "notes"}


@handles(f"{_ACCOUNTS}.list")
def accounts_list(call: Call) -> tuple[int, Any]:
    accounts = sorted(gtm_store().accounts.values(), key=lambda a: int(a.account_id))
    return 200, {"account": [render.account(a) for a in accounts]}


@handles(f"{_ACCOUNTS}.get")
def accounts_get(call: Call) -> tuple[int, Any]:
    return 200, render.account(get_account(split_path(call.param("path"))[0]))


@handles(f"{_ACCOUNTS}.user_permissions.list")
def user_permissions_list(call: Call) -> tuple[int, Any]:
    # Only an account administrator gets here (access.py); one page holds every user.
    account = get_account(split_path(call.param("parent"))[0])
    container_ids = sorted(account.containers, key=int)
    users = gtm_user_permissions(f"accounts/{account.account_id}", container_ids, seed.OWNER_EMAIL)
    return 200, {"userPermission": users}


@handles(f"{_CONTAINERS}.list")
def containers_list(call: Call) -> tuple[int, Any]:
    account = get_account(split_path(call.param("parent"))[0])
    containers = sorted(account.containers.values(), key=lambda c: int(c.container_id))
    return 200, ({"container": [render.container(c) for c in containers]} if containers else {})


@handles(f"{_CONTAINERS}.get")
def containers_get(call: Call) -> tuple[int, Any]:
    ids = split_path(call.param("path"))
    return 200, render.container(get_container(ids[0], ids[1]))


@handles(f"{_CONTAINERS}.create")
def containers_create(call: Call) -> tuple[int, Any]:
    account = get_account(split_path(call.param("parent"))[0])
    body = call.body or {}
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise invalid_field("container.name", "a non-empty value is required")
    if any(c.data["name"] == name for c in account.containers.values()):
        raise invalid_field("container.name", f"a container named {name!r} already exists")
    usage = body.get("usageContext")
    if not usage:
        raise invalid_field("container.usageContext", "at least one usage context is required")
    if usage != ["web"]:
        # Only web containers are hosted (no server/app/AMP features): refuse, don't pretend.
        raise invalid_field("container.usageContext", "the emulator hosts web containers only")
    store = gtm_store()
    container_id = str(store.next_container_id)
    store.next_container_id += 1
    data = web_container_data(name, store.new_public_id())
    for key in ("domainName", "notes"):
        if key in body:
            data[key] = body[key]
    container = Container(
        account_id=account.account_id,
        container_id=container_id,
        data=data,
        fingerprint=new_fingerprint(),
    )
    account.containers[container_id] = container
    # A new container has no version yet and one workspace, "Default Workspace".
    container.new_workspace("Default Workspace")
    return 200, render.container(container)
