"""Who is acting: a person (User) or a machine (ApiKey). Services take an Actor for auditing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tenants.models import ApiKey, Membership, User


@dataclass(frozen=True)
class Actor:
    user: User | None = None
    api_key: ApiKey | None = None
    # Beat jobs and staff actions without a person still say who they are.
    system: str | None = None

    @property
    def label(self) -> str:
        if self.user is not None:
            return self.user.email
        if self.api_key is not None:
            return f"api-key:{self.api_key.prefix}"
        return f"system:{self.system or 'oneclicktag'}"

    @classmethod
    def system_actor(cls, name: str) -> Actor:
        return cls(system=name)


@dataclass(frozen=True)
class FirebaseIdentity:
    """What `request.auth` is for a person signed in with a Firebase ID token: the address the
    token carries and whether Firebase verified it (what an invitation is checked against)."""

    uid: str
    email: str
    email_verified: bool
    # The person's memberships in live organizations (organization joined), when they were
    # read with the user in one query; None: not read, tenants.resolution reads them.
    memberships: tuple[Membership, ...] | None = field(default=None, compare=False, repr=False)

    @property
    def verified_email(self) -> str:
        return self.email if self.email_verified else ""


class ApiKeyPrincipal:
    """What `request.user` is for a request signed with an API key (never a real User)."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, api_key: ApiKey) -> None:
        self.api_key = api_key

    def __str__(self) -> str:
        return f"api-key:{self.api_key.prefix}"
