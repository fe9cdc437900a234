import pytest
from django.test import Client


def test_healthz_answers_ok_and_echoes_the_request_id(client: Client) -> None:
    response = client.get("/healthz", HTTP_X_REQUEST_ID="probe-123")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["X-Request-ID"] == "probe-123"


@pytest.mark.django_db
def test_readyz_checks_database_and_cache(client: Client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "cache": "ok"}


def test_a_request_without_an_id_gets_a_fresh_one(client: Client) -> None:
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz", HTTP_X_REQUEST_ID="bad id with spaces")["X-Request-ID"]
    assert first != second
    assert second
    assert " " not in second


@pytest.mark.django_db
def test_readyz_is_unavailable_when_the_cache_is_down(client: Client, settings) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            # Nothing listens on port 1.
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["cache"].startswith("error")
