"""The viewset mixin and the function-view decorator both run the handler once per key."""

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework import status, viewsets
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate

from oneclicktag.core.idempotency import ABANDONED_AFTER, IdempotentCreateMixin, idempotent
from oneclicktag.core.models import IdempotencyRecord
from tests.fixtures.tenants import TenantHandle

calls: list[dict] = []


class _Creating(viewsets.GenericViewSet):
    def create(self, request: Request) -> Response:
        calls.append(dict(request.data))
        return Response({"number": len(calls)}, status=status.HTTP_201_CREATED)


class _IdempotentCreating(IdempotentCreateMixin, _Creating):
    pass


@api_view(["POST"])
@idempotent
def _function_view(request: Request) -> Response:
    calls.append(dict(request.data))
    return Response({"number": len(calls)}, status=status.HTTP_201_CREATED)


def _post(view, user, body: dict, key: str) -> Response:
    request = APIRequestFactory().post("/x/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    force_authenticate(request, user=user)
    return view(request)


def test_the_mixin_makes_a_viewset_create_idempotent(alice: TenantHandle) -> None:
    calls.clear()
    view = _IdempotentCreating.as_view({"post": "create"})
    first = _post(view, alice.owner, {"a": 1}, "mixin-1")
    again = _post(view, alice.owner, {"a": 1}, "mixin-1")
    other = _post(view, alice.owner, {"a": 2}, "mixin-1")
    assert (first.status_code, again.status_code, other.status_code) == (201, 201, 409)
    assert again.data == first.data == {"number": 1}
    assert calls == [{"a": 1}]


def test_the_decorator_makes_a_function_view_idempotent(alice: TenantHandle) -> None:
    calls.clear()
    first = _post(_function_view, alice.owner, {"b": 1}, "fn-1")
    again = _post(_function_view, alice.owner, {"b": 1}, "fn-1")
    fresh = _post(_function_view, alice.owner, {"b": 1}, "fn-2")
    assert [r.status_code for r in (first, again, fresh)] == [201, 201, 201]
    assert again.data == {"number": 1}
    assert fresh.data == {"number": 2}
    assert len(calls) == 2


@api_view(["POST"])
@idempotent
def _transaction_probe(request: Request) -> Response:
    # What a handler that waits on Google would hold open if the wrapper wrapped it in one.
    calls.append({"in_transaction": connection.in_atomic_block})
    return Response({"number": len(calls)}, status=status.HTTP_201_CREATED)


@pytest.mark.django_db(transaction=True)
def test_the_handler_runs_outside_any_database_transaction(alice: TenantHandle) -> None:
    calls.clear()
    first = _post(_transaction_probe, alice.owner, {"c": 1}, "tx-1")
    again = _post(_transaction_probe, alice.owner, {"c": 1}, "tx-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert calls == [{"in_transaction": False}]


def test_a_placeholder_left_by_a_dead_request_frees_its_key(alice: TenantHandle) -> None:
    calls.clear()
    first = _post(_function_view, alice.owner, {"d": 1}, "dead-1")
    # As if that process had died after its claim and before its answer, long ago.
    IdempotencyRecord.objects.filter(key="dead-1").update(
        response_status=0, created_at=timezone.now() - ABANDONED_AFTER
    )
    again = _post(_function_view, alice.owner, {"d": 1}, "dead-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in again
    assert len(calls) == 2
