"""The OpenAPI schema is valid and documents every endpoint with the error shape."""

import re

import pytest
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

ACTIONS = [
    "confirm-deposit",
    "approve-auditor",
    "return-for-cancellation",
    "report",
    "prepare-release",
    "approve-release",
    "withdraw-preparation",
    "dispute",
    "suspend",
    "lift-suspension",
    "settlement",
    "adjustment",
    "award",
    "sign",
    # Issue 14: the escrow fee (EA 4.4), dividends and votes (SPA 3.2, EA 1.3), corporate actions (EA 4.2).
    "fees/issue",
    "fees/pay",
    "dividends/record",
    "dividends/pass-through",
    "dividends/receipt",
    "meetings/record",
    "meetings/instruct",
    "meetings/proxy",
    "corporate-actions/propose",
    "corporate-actions/confirm",
]


def signed_in():
    """The schema and the docs need sign-in (confidential by default): any person of the portal."""
    from parties.models import User

    client = APIClient()
    client.force_authenticate(User.objects.create_user("reader", password="escrow-demo-2026"))
    return client


@pytest.fixture
def schema():
    response = signed_in().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_the_schema_is_valid_openapi(schema):
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Earn-out escrow portal API"


def test_every_action_is_documented_with_its_errors(schema):
    posts = {path: ops["post"] for path, ops in schema["paths"].items() if "post" in ops}
    for action in ACTIONS:
        path = next(p for p in posts if p.rstrip("/").endswith(f"/{action}"))
        assert {"400", "403", "404", "409"} <= set(posts[path]["responses"]), path
        assert posts[path]["description"], path
    report = next(op for p, op in posts.items() if p.endswith("/report/"))
    assert "multipart/form-data" in report["requestBody"]["content"]


def test_every_url_of_the_api_is_in_the_schema(schema):
    """Each route of escrow.api.urls, with its methods: nothing served goes undocumented (drf-spectacular names
    a primary key `{id}`)."""
    from escrow.api import urls

    documented = {path: set(ops) for path, ops in schema["paths"].items()}
    for pattern in urls.urlpatterns:
        route = "/api/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern.pattern)).replace("{pk}", "{id}")
        if route in {"/api/schema/", "/api/docs/"}:
            continue
        view = pattern.callback.cls
        methods = {m for m in ("get", "post") if hasattr(view, m)}
        assert route in documented, route
        assert methods <= documented[route], (route, methods, documented[route])


def test_the_download_is_documented_as_pdf(schema):
    download = schema["paths"]["/api/documents/{id}/download/"]["get"]
    assert "application/pdf" in download["responses"]["200"]["content"]


def test_the_docs_page_loads_with_its_own_csp(db):
    response = signed_in().get("/api/docs/")
    assert response.status_code == 200
    assert b"swagger-ui" in response.content
    assert b"cdn.jsdelivr" not in response.content  # assets from the sidecar package, no CDN
    assert "script-src 'self'" in response["Content-Security-Policy"]
