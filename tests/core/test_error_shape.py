"""One error shape everywhere under /api/, including what never reaches a DRF view."""

from django.test import Client, RequestFactory

from oneclicktag.core.error_pages import server_error
from tests.fixtures.tenants import TenantHandle


def _assert_shape(response, status: int, code: str) -> None:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    assert error["request_id"] == response["X-Request-ID"]


def test_an_unknown_api_path_is_a_json_404(client: Client) -> None:
    _assert_shape(client.get("/api/v1/no-such-thing/"), 404, "not_found")
    _assert_shape(client.get("/api/nothing"), 404, "not_found")


def test_an_unknown_api_path_is_a_json_404_with_debug_on_too(client: Client, settings) -> None:
    settings.DEBUG = True
    _assert_shape(client.get("/api/v1/no-such-thing/"), 404, "not_found")
    assert client.get("/no-such-page/")["Content-Type"].startswith("text/html")


def test_pages_outside_the_api_keep_the_html_404(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


def test_an_unsupported_method_is_a_json_405(alice: TenantHandle) -> None:
    _assert_shape(alice.client.put("/api/v1/members/", {}), 405, "method_not_allowed")


def test_a_role_too_low_is_a_json_403(alice: TenantHandle) -> None:
    _assert_shape(alice.client_for("viewer").get("/api/v1/api-keys/"), 403, "permission_denied")


def test_missing_credentials_are_a_json_401(client: Client) -> None:
    _assert_shape(client.get("/api/v1/members/"), 401, "not_authenticated")


def test_malformed_json_is_a_json_400(alice: TenantHandle) -> None:
    response = alice.client.generic(
        "POST", "/api/v1/api-keys/", "{not json", content_type="application/json"
    )
    _assert_shape(response, 400, "parse_error")


def test_a_crash_outside_drf_answers_without_internals(db: None) -> None:
    request = RequestFactory().get("/api/v1/anything")
    response = server_error(request)
    assert response.status_code == 500
    assert b"server_error" in response.content
    html = server_error(RequestFactory().get("/admin/"))
    assert b"server_error" not in html.content


def test_a_bad_cursor_or_page_size_is_a_400_naming_it(alice: TenantHandle) -> None:
    for query, field in (
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"page_size": "many"}, "page_size"),
        ({"page_size": "0"}, "page_size"),
    ):
        response = alice.client.get("/api/v1/customers/", query)
        _assert_shape(response, 400, "validation_error")
        assert list(response.json()["error"]["fields"]) == [field]
    # Too large is not an error: the page is capped.
    assert alice.client.get("/api/v1/customers/", {"page_size": "5000"}).status_code == 200
