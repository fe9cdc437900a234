"""Where a webhook may be sent. Checked when an endpoint is saved and again, after resolving the
name, right before every attempt (a name can point somewhere else by then: DNS rebinding).

Only public addresses are allowed: no private, loopback, link-local, shared, multicast or
reserved ones. `WEBHOOK_ALLOWED_NETWORKS` lists networks an operator allows anyway (an internal
receiver); plain http is accepted only where `WEBHOOK_ALLOW_HTTP` is on (not in production).

The same checks guard every other request made to a URL a customer gave us (the site check's
browser, trackings.sitecheck), under that feature's own `AddressPolicy`.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_LOOPBACK = ipaddress.ip_address("127.0.0.1")


@dataclass(frozen=True)
class AddressPolicy:
    """What one feature may reach: its schemes, and the non-public networks allowed anyway."""

    schemes: tuple[str, ...]
    allowed_networks: tuple[Network, ...] = ()

    @classmethod
    def of(cls, *, schemes: tuple[str, ...], allowed: list[str]) -> AddressPolicy:
        return cls(
            schemes=schemes,
            allowed_networks=tuple(ipaddress.ip_network(n, strict=False) for n in allowed),
        )

    def allows(self, address: IPAddress) -> bool:
        return any(address in network for network in self.allowed_networks)


def webhook_policy() -> AddressPolicy:
    return AddressPolicy.of(
        schemes=("https", "http") if settings.WEBHOOK_ALLOW_HTTP else ("https",),
        allowed=settings.WEBHOOK_ALLOWED_NETWORKS,
    )


class TargetRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TargetUnresolved(TargetRefused):
    """The name does not resolve now: not a policy refusal, DNS may answer at the next try."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    # Path and query as sent on the request line.
    path: str


def target_parse(url: str, policy: AddressPolicy | None = None) -> Target:
    """The URL's parts, refusing what is never allowed whatever it resolves to."""
    policy = policy or webhook_policy()
    parts = urlsplit(url.strip())
    allowed_schemes = policy.schemes
    if parts.scheme not in allowed_schemes:
        raise TargetRefused(f"The URL must use {' or '.join(allowed_schemes)}.")
    if parts.username or parts.password:
        raise TargetRefused("The URL must not carry a user name or password.")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise TargetRefused("The URL has no host.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise TargetRefused("The URL's port is not a number between 1 and 65535.") from error
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    target = Target(scheme=parts.scheme, host=host, port=port, path=path)
    literal = _ip_literal(host)
    if literal is not None:
        address_check(literal, policy)
    elif host == "localhost" or host.endswith((".localhost", ".local", ".internal")):  # noqa: SIM102
        # Named local hosts only where loopback itself is allowed (a development machine).
        if not policy.allows(_LOOPBACK):
            raise TargetRefused("The URL points to a local host name.")
    return target


def target_resolve(target: Target, policy: AddressPolicy | None = None) -> list[str]:
    """Every address the host resolves to now, each allowed, or TargetRefused."""
    policy = policy or webhook_policy()
    literal = _ip_literal(target.host)
    if literal is not None:
        address_check(literal, policy)
        return [str(literal)]
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except OSError as error:
        raise TargetUnresolved(f"The host {target.host} does not resolve.") from error
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    for address in addresses:
        # One refused address refuses the name: an attacker controls which one we would use.
        address_check(ipaddress.ip_address(address.split("%", 1)[0]), policy)
    return addresses


def address_check(address: IPAddress, policy: AddressPolicy | None = None) -> None:
    policy = policy or webhook_policy()
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if policy.allows(address):
        return
    if not address.is_global or address.is_multicast:
        raise TargetRefused(
            f"The URL resolves to {address}, a private, loopback, link-local or reserved address."
        )


def _ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
