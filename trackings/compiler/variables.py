"""The user-defined variables our tags and triggers read, shared across trackings by key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trackings.compiler.entities import boolean, integer, template
from trackings.compiler.types import entity_key


@dataclass(frozen=True)
class VariableDef:
    key: str
    name: str
    body: dict[str, Any]

    @property
    def reference(self) -> str:
        return "{{" + self.name + "}}"


def data_layer(path: str) -> VariableDef:
    """A data layer variable (version 2) reading ``path`` (``ecommerce.value``)."""
    return VariableDef(
        key=entity_key("variable", f"dlv.{path}"),
        name=f"OCT - DLV - {path}",
        body={
            "type": "v",
            "parameter": [
                integer("dataLayerVersion", 2),
                boolean("setDefaultValue", False),
                template("name", path),
            ],
            "formatValue": {},
        },
    )


def url_query(query_key: str) -> VariableDef:
    """A URL variable returning one query parameter of the page URL."""
    return VariableDef(
        key=entity_key("variable", f"url.query.{query_key}"),
        name=f"OCT - URL query - {query_key}",
        body={
            "type": "u",
            "parameter": [template("component", "QUERY"), template("queryKey", query_key)],
            "formatValue": {},
        },
    )


def click_url_host() -> VariableDef:
    """The clicked link's host name without ``www.`` (as the dumky export builds it)."""
    return VariableDef(
        key=entity_key("variable", "url.host.click"),
        name="OCT - URL host - Click URL",
        body={
            "type": "u",
            "parameter": [
                boolean("stripWww", True),
                template("component", "HOST"),
                template("customUrlSource", "{{Click URL}}"),
            ],
            "formatValue": {},
        },
    )


def page_host() -> VariableDef:
    """The page's host name without ``www.``, to compare with the clicked link's."""
    return VariableDef(
        key=entity_key("variable", "url.host.page"),
        name="OCT - URL host - Page URL",
        body={
            "type": "u",
            "parameter": [boolean("stripWww", True), template("component", "HOST")],
            "formatValue": {},
        },
    )


def page_title() -> VariableDef:
    """``document.title``: GTM has no built-in variable for it."""
    return VariableDef(
        key=entity_key("variable", "js.page_title"),
        name="OCT - JS - Page title",
        body={
            "type": "jsm",
            "parameter": [template("javascript", "function() {\n  return document.title;\n}")],
            "formatValue": {},
        },
    )
