"""A small Google Ads Query Language parser: the syntax, not what the fields mean.

    SELECT f1, f2 FROM resource
    [WHERE f op value [AND ...]]   op: = != < <= > >= IN, NOT IN, LIKE, NOT LIKE,
                                       REGEXP_MATCH, NOT REGEXP_MATCH, IS NULL, IS NOT NULL,
                                       BETWEEN a AND b, DURING <date range constant>
    [ORDER BY f [ASC|DESC], ...] [LIMIT n] [PARAMETERS name = value, ...]

Keywords are case-insensitive; there is no OR (GAQL has none). Syntax errors raise the
QueryError Google answers (``EXPECTED_FROM``, ``STRING_NOT_TERMINATED``, ...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .errors import AdsError, invalid_argument

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
    | (?P<string>'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
    | (?P<unterminated>['"])
    | (?P<number>-?\d+(?:\.\d+)?)
    | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
    | (?P<op>!=|<=|>=|=|<|>)
    | (?P<punct>[(),])
    """,
    re.VERBOSE,
)
COMPARISONS = frozenset({"=", "!=", "<", "<=", ">", ">="})
PARAMETERS = frozenset({"include_drafts", "omit_unselected_resource_names"})
KEYWORDS = frozenset({"SELECT", "FROM", "WHERE", "AND", "ORDER", "BY", "LIMIT", "PARAMETERS"})


@dataclass(frozen=True)
class Literal:
    kind: str  # "string" | "number" | "name" (an unquoted enum constant or boolean)
    value: Any


@dataclass(frozen=True)
class Condition:
    field: str
    operator: str
    values: tuple[Literal, ...] = ()


@dataclass
class Query:
    fields: list[str]
    resource: str
    conditions: list[Condition] = field(default_factory=list)
    order_by: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)
    limit: int | None = None
    parameters: dict[str, str] = field(default_factory=dict)


def query_error(code: str, message: str, *, trigger: str | None = None) -> AdsError:
    return invalid_argument("query_error", code, message, trigger=trigger)


@dataclass
class _Token:
    kind: str
    text: str
    value: Any


def tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise query_error(
                "BAD_SYMBOL", f"Error in query: unexpected symbol {text[position]!r}."
            )
        position = match.end()
        kind = match.lastgroup or ""
        raw = match.group()
        if kind == "space":
            continue
        if kind == "unterminated":
            raise query_error("STRING_NOT_TERMINATED", "Error in query: string not terminated.")
        value: Any = raw
        if kind == "string":
            value = re.sub(r"\\(.)", r"\1", raw[1:-1])
        elif kind == "number":
            value = float(raw) if "." in raw else int(raw)
        tokens.append(_Token(kind, raw, value))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.position = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def next(self) -> _Token:
        token = self.peek()
        if token is None:
            raise query_error("UNEXPECTED_END_OF_QUERY", "Error in query: unexpected end of query.")
        self.position += 1
        return token

    def at_text(self, text: str) -> bool:
        token = self.peek()
        return token is not None and token.text == text

    def at_keyword(self, *words: str) -> bool:
        for offset, word in enumerate(words):
            index = self.position + offset
            if index >= len(self.tokens):
                return False
            token = self.tokens[index]
            if token.kind != "name" or token.text.upper() != word:
                return False
        return True

    def take_keyword(self, *words: str) -> bool:
        if self.at_keyword(*words):
            self.position += len(words)
            return True
        return False

    def field_name(self) -> str:
        token = self.next()
        if token.kind != "name" or token.text.upper() in KEYWORDS:
            raise query_error(
                "BAD_FIELD_NAME",
                f"Error in query: invalid field name {token.text!r}.",
                trigger=token.text,
            )
        return token.text

    def literal(self) -> Literal:
        token = self.next()
        if token.kind not in ("string", "number", "name"):
            raise query_error("BAD_VALUE", f"Error in query: invalid value {token.text!r}.")
        return Literal(token.kind, token.value)

    def expect_punct(self, char: str, code: str) -> None:
        token = self.next()
        if token.text != char:
            raise query_error(code, f"Error in query: expected {char!r}, got {token.text!r}.")

    def parse(self) -> Query:
        if not self.take_keyword("SELECT"):
            raise query_error("EXPECTED_SELECT", "Error in query: expected SELECT.")
        fields = [self.field_name()]
        while self.at_text(","):
            self.next()
            fields.append(self.field_name())
        if not self.take_keyword("FROM"):
            raise query_error("EXPECTED_FROM", "Error in query: expected FROM.")
        resource = self.next()
        if resource.kind != "name" or "." in resource.text:
            raise query_error(
                "BAD_RESOURCE_TYPE_IN_FROM_CLAUSE",
                f"Error in query: invalid resource type {resource.text!r} in the FROM clause.",
            )
        query = Query(fields=fields, resource=resource.text)
        if self.take_keyword("WHERE"):
            query.conditions.append(self.condition())
            while self.take_keyword("AND"):
                query.conditions.append(self.condition())
        if self.take_keyword("ORDER"):
            if not self.take_keyword("BY"):
                raise query_error("EXPECTED_BY", "Error in query: expected BY after ORDER.")
            query.order_by.append(self.ordering())
            while self.at_text(","):
                self.next()
                query.order_by.append(self.ordering())
        if self.take_keyword("LIMIT"):
            token = self.next()
            if token.kind != "number" or not isinstance(token.value, int):
                raise query_error("BAD_LIMIT_VALUE", f"Error in query: invalid LIMIT {token.text}.")
            if token.value < 1:
                raise query_error("LIMIT_VALUE_TOO_LOW", "Error in query: LIMIT must be positive.")
            query.limit = token.value
        if self.take_keyword("PARAMETERS"):
            self.parameters(query)
        extra = self.peek()
        if extra is not None:
            raise query_error(
                "UNEXPECTED_INPUT",
                f"Error in query: unexpected input {extra.text!r}.",
                trigger=extra.text,
            )
        return query

    def condition(self) -> Condition:
        name = self.field_name()
        token = self.next()
        if token.kind == "op":
            if self.at_text("("):
                raise query_error(
                    "EXPECTED_SINGLE_VALUE", f"Error in query: {token.text} takes a single value."
                )
            return Condition(name, token.text, (self.literal(),))
        operator = token.text.upper() if token.kind == "name" else token.text
        negated = operator == "NOT"
        if negated:
            operator = self.next().text.upper()
        if operator == "IN":
            return Condition(name, "NOT IN" if negated else "IN", self.value_list())
        if operator in ("LIKE", "REGEXP_MATCH"):
            value = self.literal()
            if value.kind != "string":
                raise query_error(
                    "INVALID_VALUE_WITH_LIKE_OPERATOR",
                    f"Error in query: {operator} needs a string value.",
                )
            return Condition(name, f"NOT {operator}" if negated else operator, (value,))
        if operator == "BETWEEN" and not negated:
            low = self.literal()
            if not self.take_keyword("AND"):
                raise query_error(
                    "EXPECTED_VALUE_WITH_BETWEEN_OPERATOR",
                    "Error in query: BETWEEN takes two values joined by AND.",
                )
            return Condition(name, "BETWEEN", (low, self.literal()))
        if operator == "DURING" and not negated:
            value = self.literal()
            if value.kind != "name":
                raise query_error(
                    "INVALID_VALUE_WITH_DURING_OPERATOR",
                    f"Error in query: DURING takes a date range constant, not {value.value!r}.",
                )
            return Condition(name, "DURING", (value,))
        if operator == "IS" and not negated:
            is_not = self.take_keyword("NOT")
            if not self.take_keyword("NULL"):
                raise query_error("BAD_OPERATOR", "Error in query: expected NULL after IS.")
            return Condition(name, "IS NOT NULL" if is_not else "IS NULL")
        raise query_error(
            "BAD_OPERATOR", f"Error in query: unsupported operator {operator!r}.", trigger=operator
        )

    def value_list(self) -> tuple[Literal, ...]:
        self.expect_punct("(", "EXPECTED_LIST")
        if self.at_text(")"):
            raise query_error("PROHIBITED_EMPTY_LIST_IN_CONDITION", "Error in query: empty list.")
        values = [self.literal()]
        while self.at_text(","):
            self.next()
            values.append(self.literal())
        self.expect_punct(")", "EXPECTED_LIST")
        return tuple(values)

    def ordering(self) -> tuple[str, bool]:
        name = self.field_name()
        if self.take_keyword("DESC"):
            return name, True
        self.take_keyword("ASC")
        return name, False

    def parameters(self, query: Query) -> None:
        while True:
            token = self.next()
            if token.text not in PARAMETERS:
                raise query_error(
                    "BAD_PARAMETER_NAME", f"Error in query: unknown parameter {token.text!r}."
                )
            self.expect_punct("=", "BAD_PARAMETER_VALUE")
            value = self.next()
            if value.text.lower() not in ("true", "false"):
                raise query_error(
                    "BAD_PARAMETER_VALUE", f"Error in query: invalid value {value.text!r}."
                )
            query.parameters[token.text] = value.text.lower()
            if not self.at_text(","):
                return
            self.next()


def parse(text: str) -> Query:
    if not text.strip():
        raise query_error("EXPECTED_SELECT", "Error in query: the query is empty.")
    return _Parser(text).parse()
