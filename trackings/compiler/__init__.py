"""The compiler: pure functions from wanted trackings to the desired GTM container."""

from trackings.compiler.compile import compile_container
from trackings.compiler.types import (
    ALL_PAGES_TRIGGER_ID,
    ContainerSpec,
    DesiredContainer,
    DesiredConversionAction,
    DesiredEntity,
    TrackingSpec,
    entity_key,
    ref,
    tracking_id_of,
)

__all__ = [
    "ALL_PAGES_TRIGGER_ID",
    "ContainerSpec",
    "DesiredContainer",
    "DesiredConversionAction",
    "DesiredEntity",
    "TrackingSpec",
    "compile_container",
    "entity_key",
    "ref",
    "tracking_id_of",
]
