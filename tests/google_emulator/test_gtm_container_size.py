"""A web container may not exceed 200 KB (support.google.com/tagmanager/answer/2772488): the
old emulator versioned and published any size; now create_version and publish are refused."""

from __future__ import annotations

from google_emulator.gtm.versions import CONTAINER_SIZE_LIMIT_BYTES

from .http_support import CONTAINER, WORKSPACE, google_error

# Custom HTML may hold up to 102,400 characters per tag; three such tags exceed 200 KB.
HTML = "<script>/*" + "x" * 90_000 + "*/</script>"


def _big_tag(name):
    return {
        "name": name,
        "type": "html",
        "parameter": [{"type": "template", "key": "html", "value": HTML}],
        "firingTriggerId": ["2147479553"],
    }


def test_a_version_over_200_kb_is_refused_and_nothing_is_created(gtm):
    workspaces = gtm.accounts().containers().workspaces()
    for name in ("Big 1", "Big 2"):
        workspaces.tags().create(parent=WORKSPACE, body=_big_tag(name)).execute()
    fits = workspaces.create_version(path=WORKSPACE, body={"name": "fits"}).execute()
    assert fits["compilerError"] is False
    workspace = fits["newWorkspacePath"]
    workspaces.tags().create(parent=workspace, body=_big_tag("Big 3")).execute()

    with google_error(400) as error:
        workspaces.create_version(path=workspace, body={"name": "too big"}).execute()

    assert error["status"] == "FAILED_PRECONDITION"
    assert "Container size limit exceeded" in error["message"]
    assert str(CONTAINER_SIZE_LIMIT_BYTES) in error["message"]
    headers = gtm.accounts().containers().version_headers()
    latest = headers.latest(parent=CONTAINER).execute()
    assert latest["containerVersionId"] == fits["containerVersion"]["containerVersionId"]
