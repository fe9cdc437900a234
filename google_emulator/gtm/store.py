"""GTM data: accounts, containers, their versions and workspaces, and the seed.

Entities are kept per kind as `{id: body}` where `body` is the stored (validated, lower-camel)
entity without the fields the API derives on output (`path`, `accountId`, `containerId`,
`workspaceId`, `tagManagerUrl`); `fingerprint` is stored. Ids are allocated per container, so a
workspace's new entities never collide with another workspace's when they meet in a version.
"""

from __future__ import annotations

import copy
import secrets
import string
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from .. import seed
from ..errors import not_found
from ..state import STATE
from .builtins import DEFAULT_WEB_BUILTINS

# kind -> (API collection name, id field) for the entity kinds the emulator implements.
KINDS: dict[str, tuple[str, str]] = {
    "tag": ("tags", "tagId"),
    "trigger": ("triggers", "triggerId"),
    "variable": ("variables", "variableId"),
    "folder": ("folders", "folderId"),
}
COLLECTION_KIND = {collection: kind for kind, (collection, _) in KINDS.items()}
MAX_WORKSPACES = 3  # free containers: Default + 2
UI = "https://tagmanager.google.com/#/container"

Entities = dict[str, dict[str, dict[str, Any]]]  # kind -> id -> body
Builtins = dict[str, dict[str, Any]]  # built-in type -> {"type", "name"}

_fingerprint_lock = threading.Lock()
_last_fingerprint = [0]


def new_fingerprint() -> str:
    """Milliseconds since the epoch like Google's, strictly increasing within the process."""
    with _fingerprint_lock:
        _last_fingerprint[0] = max(_last_fingerprint[0] + 1, int(time.time() * 1000))
        return str(_last_fingerprint[0])


def empty_entities() -> Entities:
    return {kind: {} for kind in KINDS}


def default_builtins() -> Builtins:
    return {t: {"type": t} for t in DEFAULT_WEB_BUILTINS}


@dataclass
class Version:
    version_id: str
    name: str
    description: str
    fingerprint: str
    entities: Entities
    builtins: Builtins
    container: dict[str, Any]
    deleted: bool = False


@dataclass
class Workspace:
    workspace_id: str
    name: str
    description: str
    fingerprint: str
    base_version_id: str | None
    entities: Entities
    builtins: Builtins
    # (kind, id) -> (entity in workspace or None, entity in the new base or None)
    conflicts: dict[tuple[str, str], tuple[Any, Any]] = field(default_factory=dict)


@dataclass
class Container:
    account_id: str
    container_id: str
    data: dict[str, Any]  # name, publicId, usageContext, domainName, notes, features, tagIds
    fingerprint: str
    versions: dict[str, Version] = field(default_factory=dict)
    workspaces: dict[str, Workspace] = field(default_factory=dict)
    live_version_id: str | None = None
    latest_version_id: str | None = None
    next_ids: dict[str, int] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return f"accounts/{self.account_id}/containers/{self.container_id}"

    def allocate(self, counter: str) -> str:
        value = self.next_ids.get(counter, 1)
        self.next_ids[counter] = value + 1
        return str(value)

    def version(self, version_id: str | None) -> Version | None:
        return self.versions.get(version_id) if version_id else None

    def new_workspace(self, name: str, description: str = "") -> Workspace:
        base = self.version(self.latest_version_id)
        ws = Workspace(
            workspace_id=self.allocate("workspace"),
            name=name,
            description=description,
            fingerprint=new_fingerprint(),
            base_version_id=base.version_id if base else None,
            entities=copy.deepcopy(base.entities) if base else empty_entities(),
            builtins=copy.deepcopy(base.builtins) if base else default_builtins(),
        )
        self.workspaces[ws.workspace_id] = ws
        return ws


@dataclass
class Account:
    account_id: str
    name: str
    fingerprint: str
    containers: dict[str, Container] = field(default_factory=dict)


@dataclass
class GtmStore:
    accounts: dict[str, Account] = field(default_factory=dict)
    public_ids: set[str] = field(default_factory=set)
    next_container_id: int = int(seed.GTM_CONTAINER_ID) + 1

    def new_public_id(self) -> str:
        alphabet = string.ascii_uppercase + string.digits
        while True:
            public_id = "GTM-" + "".join(secrets.choice(alphabet) for _ in range(7))
            if public_id not in self.public_ids:
                self.public_ids.add(public_id)
                return public_id


def web_container_data(name: str, public_id: str) -> dict[str, Any]:
    return {
        "name": name,
        "publicId": public_id,
        "usageContext": ["web"],
        "features": {
            "supportUserPermissions": True,
            "supportEnvironments": True,
            "supportWorkspaces": True,
            "supportGtagConfigs": False,
            "supportBuiltInVariables": True,
            "supportClients": False,
            "supportFolders": True,
            "supportTags": True,
            "supportTemplates": True,
            "supportTriggers": True,
            "supportVariables": True,
            "supportVersions": True,
            "supportZones": True,
            "supportTransformations": False,
        },
        "tagIds": [public_id],
    }


def seeded_store() -> GtmStore:
    store = GtmStore()
    account = Account(seed.GTM_ACCOUNT_ID, seed.GTM_ACCOUNT_NAME, new_fingerprint())
    store.accounts[account.account_id] = account
    container = Container(
        account_id=account.account_id,
        container_id=seed.GTM_CONTAINER_ID,
        data=web_container_data(seed.GTM_CONTAINER_NAME, seed.GTM_CONTAINER_PUBLIC_ID),
        fingerprint=new_fingerprint(),
    )
    store.public_ids.add(seed.GTM_CONTAINER_PUBLIC_ID)
    account.containers[container.container_id] = container
    # Version 1 is published and empty; the Default Workspace (id 1) starts from it.
    version_id = container.allocate("version")
    container.versions[version_id] = Version(
        version_id=version_id,
        name="",
        description="",
        fingerprint=new_fingerprint(),
        entities=empty_entities(),
        builtins=default_builtins(),
        container=copy.deepcopy(container.data),
    )
    container.live_version_id = container.latest_version_id = version_id
    container.new_workspace(seed.GTM_DEFAULT_WORKSPACE_NAME)
    return store


def carry_ids_over(old: GtmStore, new: GtmStore) -> None:
    """After a reset: container ids, public ids and the entity/version/workspace ids of a
    re-seeded container go on from where they were, never handed out twice."""
    new.next_container_id = max(new.next_container_id, old.next_container_id)
    new.public_ids |= old.public_ids
    for account_id, account in new.accounts.items():
        old_account = old.accounts.get(account_id)
        for container_id, container in account.containers.items():
            previous = old_account.containers.get(container_id) if old_account else None
            if previous is None:
                continue
            for counter, value in previous.next_ids.items():
                container.next_ids[counter] = max(container.next_ids.get(counter, 1), value)


STATE.register_store("gtm", seeded_store, carry_over=carry_ids_over)


def gtm_store() -> GtmStore:
    store: GtmStore = STATE.store("gtm")
    return store


def get_account(account_id: str) -> Account:
    account = gtm_store().accounts.get(account_id)
    if account is None:
        raise not_found(f"accounts/{account_id}")
    return account


def get_container(account_id: str, container_id: str) -> Container:
    container = get_account(account_id).containers.get(container_id)
    if container is None:
        raise not_found(f"accounts/{account_id}/containers/{container_id}")
    return container


def get_workspace(container: Container, workspace_id: str) -> Workspace:
    ws = container.workspaces.get(workspace_id)
    if ws is None:
        raise not_found(f"{container.path}/workspaces/{workspace_id}")
    return ws


def split_path(path: str) -> list[str]:
    """`accounts/1/containers/2/workspaces/3` -> ["1", "2", "3"] (the ids, in order)."""
    parts = path.split("/")
    return parts[1::2]
