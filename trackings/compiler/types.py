"""The compiler's public types: what goes in (trackings, the container) and what comes out.

Everything here is plain data. The compiler and the planner never touch the ORM or the network;
the engine converts models to these and sends the planner's output to Google.

The marker and reference conventions (the contract between compiler, planner and engine):

* Every entity we manage carries a stable key ``oneclicktag:<kind>:<id>`` (see ``entity_key``).
  The key is the first line of the entity's ``notes`` in GTM, so a later deployment (or a re-run
  after a crash) finds the entity again by marker, never by its display name. The second line,
  ``oneclicktag-customer:<customer id>``, says whose it is: keys like ``google-tag:container``
  are the same for every customer, and one customer's deployment must never touch (update or
  delete) another's entities, whatever container they meet in.
  Kinds: ``trigger`` / ``trigger-part-<n>`` / ``ga4-tag`` / ``ads-tag`` (and, for a tracking's
  second GA4 event, ``trigger-<extra>`` / ``ga4-tag-<extra>``, e.g. video progress) with the
  tracking's UUID
  as id; ``google-tag``, ``linker`` with id ``container``; ``listener`` with the behaviour as id
  (``oneclicktag:listener:rage_click``); ``variable`` with a slug of what it reads
  (``oneclicktag:variable:dlv.ecommerce.value``).
* A desired body refers to another of OUR entities by a string that is exactly
  ``"@ref:<key>"`` wherever GTM expects that entity's id: in ``firingTriggerId`` /
  ``blockingTriggerId`` lists and in ``triggerReference`` parameter values (trigger groups).
  The planner replaces each with the existing entity's id or with the ``new_<n>`` placeholder of
  the entity it creates in the same ``bulk_update``. GTM's built-in trigger ids (All Pages,
  ``2147479553``) are written as themselves. ``DesiredEntity.refs`` lists the keys referenced.
* Variables are referenced inside parameter values by name (``{{OCT - DLV - ecommerce.value}}``),
  as GTM requires; if the planner has to rename one of ours (a foreign entity took the name) it
  rewrites those ``{{…}}`` references too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

EntityType = Literal["tag", "trigger", "variable"]

MARKER_PREFIX = "oneclicktag"
OWNER_PREFIX = "oneclicktag-customer:"
REF_PREFIX = "@ref:"

# GTM's built-in trigger "All Pages" (page view on every page).
ALL_PAGES_TRIGGER_ID = "2147479553"


def entity_key(kind: str, ident: str | UUID) -> str:
    """The stable marker of one managed entity: ``oneclicktag:<kind>:<id>``."""
    return f"{MARKER_PREFIX}:{kind}:{ident}"


def ref(key: str) -> str:
    """The symbolic reference to one of our entities, resolved by the planner."""
    return f"{REF_PREFIX}{key}"


def tracking_id_of(key: str) -> UUID | None:
    """The tracking a per-tracking entity belongs to (``None`` for shared entities)."""
    parts = key.split(":", 2)
    if len(parts) != 3 or parts[0] != MARKER_PREFIX:
        return None
    try:
        return UUID(parts[2])
    except ValueError:
        return None


@dataclass(frozen=True)
class TrackingSpec:
    """One tracking the engine wants live.

    ``ga4_event_name`` empty means the catalog's default for the type. ``ads_conversion_id`` is
    the Google Ads conversion action's id (informational: the ``awct`` tag's conversion id is the
    account's AW- number from ``ContainerSpec``); ``ads_conversion_label`` is the label read back
    from ``tag_snippets`` — without it no ``awct`` tag is compiled yet.
    """

    id: UUID
    type: str
    name: str
    config: Mapping[str, Any] = field(default_factory=dict)
    destinations: frozenset[str] = frozenset({"ga4"})
    ga4_event_name: str = ""
    ga4_parameters: Mapping[str, str] = field(default_factory=dict)
    ads_conversion_id: str | None = None
    ads_conversion_label: str | None = None
    ads_value: Decimal | None = None
    ads_currency: str | None = None
    # A ConversionActionCategory name chosen for this tracking; empty means the catalog's.
    ads_category: str | None = None
    # Primary (bidding) or secondary Ads action; None means the catalog's default.
    ads_primary: bool | None = None


@dataclass(frozen=True)
class ContainerSpec:
    """The customer's connection, as far as compiling needs it.

    ``measurement_id`` is the GA4 web stream's ``G-…`` id; ``ads_conversion_id`` the Google Ads
    conversion tracking id (digits; an ``AW-`` prefix is tolerated) or ``None`` without Ads.
    """

    measurement_id: str
    ads_conversion_id: str | None
    public_id: str
    # The customer whose entities these are (written into every entity's notes).
    owner: str


@dataclass(frozen=True)
class DesiredEntity:
    """One GTM entity as we want it, in the API's lower-camel form without ids or fingerprint."""

    entity_type: EntityType
    key: str
    body: dict[str, Any]
    refs: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return str(self.body["name"])


@dataclass(frozen=True)
class DesiredConversionAction:
    """A Google Ads conversion action one tracking needs (created before the GTM changes)."""

    tracking_id: UUID
    name: str
    category: str
    counting_type: str
    default_value: Decimal | None
    currency_code: str | None
    always_use_default_value: bool
    click_through_lookback_window_days: int
    view_through_lookback_window_days: int
    primary_for_goal: bool = True


@dataclass
class DesiredContainer:
    """The whole desired state of one container's managed entities."""

    # The customer they belong to: the planner only ever changes entities marked as theirs.
    owner: str = ""
    entities: list[DesiredEntity] = field(default_factory=list)
    # GTM API built-in variable types (``clickElement``) the entities reference.
    built_in_variables: set[str] = field(default_factory=set)
    ads_conversion_actions: list[DesiredConversionAction] = field(default_factory=list)

    # Indexes over `entities`, built in one pass on first use. The engine asks about every
    # tracking of a deployment; scanning the entities each time made that quadratic. An index
    # is rebuilt when `entities` is replaced or grows (the compiler only ever appends).
    _indexes: dict[str, tuple[int, int, Any]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def _index(self, name: str, build: Any) -> Any:
        stamp = (id(self.entities), len(self.entities))
        cached = self._indexes.get(name)
        if cached is None or cached[:2] != stamp:
            cached = (*stamp, build())
            self._indexes[name] = cached
        return cached[2]

    def by_key(self) -> dict[str, DesiredEntity]:
        return dict(self._by_key())

    def _by_key(self) -> dict[str, DesiredEntity]:
        index: dict[str, DesiredEntity] = self._index(
            "by_key", lambda: {entity.key: entity for entity in self.entities}
        )
        return index

    def entity(self, key: str) -> DesiredEntity:
        return self._by_key()[key]

    def _keys_by_tracking(self) -> dict[UUID, list[str]]:
        def build() -> dict[UUID, list[str]]:
            keys: dict[UUID, list[str]] = {}
            for entity in self.entities:
                owner = tracking_id_of(entity.key)
                if owner is not None:
                    keys.setdefault(owner, []).append(entity.key)
            return keys

        index: dict[UUID, list[str]] = self._index("keys_by_tracking", build)
        return index

    def keys_for_tracking(self, tracking_id: UUID) -> list[str]:
        """The keys of the entities that exist only for this tracking."""
        return list(self._keys_by_tracking().get(tracking_id, ()))

    def shared_variables(self) -> list[DesiredEntity]:
        """Variables no single tracking owns (several may read them)."""
        shared: list[DesiredEntity] = self._index(
            "shared_variables",
            lambda: [
                e
                for e in self.entities
                if e.entity_type == "variable" and tracking_id_of(e.key) is None
            ],
        )
        return shared
