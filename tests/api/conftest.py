"""Fixtures of the JSON API tests: tokens, and a client that checks every answer against
the OpenAPI document (openapi-core), so no response the tests see can drift from it."""

from __future__ import annotations

import json

import pytest
from openapi_core import Config, OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from werkzeug.test import EnvironBuilder

from tracker.api.docs_views import openapi_document
from tracker.api_tokens import create_token


@pytest.fixture
def api_admin(make_user):
    """The admin API tokens act for."""
    return make_user("api-admin@example.org", "admin", name="Api Admin")


@pytest.fixture
def make_token(api_admin):
    """Create a token with the given scopes; return its secret."""

    def make(*scopes: str, name: str = "CMS", expires_days: int | None = None) -> str:
        _token, secret = create_token(name, scopes, by=api_admin, expires_days=expires_days)
        return secret

    return make


class ApiClient:
    """Calls the API with a token, and validates each answer against the OpenAPI document."""

    def __init__(self, client, openapi: OpenAPI, secret: str | None):
        self.client, self.openapi, self.secret = client, openapi, secret

    def open(
        self, method: str, path: str, *, headers: dict | None = None, check: bool = True, **kwargs
    ):
        headers = dict(headers or {})
        if self.secret is not None:
            headers.setdefault("Authorization", f"Bearer {self.secret}")
        response = self.client.open(path, method=method, headers=headers, **kwargs)
        if check:  # off only for paths the document cannot know (an unknown URL)
            # The request built again: the app has read the sent one's body already.
            request = EnvironBuilder(path, method=method, headers=headers, **kwargs)
            self.check(response, request.get_request())
        return response

    def check(self, response, request=None) -> None:
        """Validate *response* (and its request) against the document."""
        # Read into a list first: openapi-core would swap a streamed body (a file) for a
        # copy of its iterator, and the file would never be closed.
        response.get_data()
        self.openapi.validate_response(
            WerkzeugOpenAPIRequest(request or response.request), WerkzeugOpenAPIResponse(response)
        )

    def get(self, path: str, **kwargs):
        return self.open("GET", path, **kwargs)

    def patch(self, path: str, **kwargs):
        return self.open("PATCH", path, **kwargs)

    def post(self, path: str, **kwargs):
        return self.open("POST", path, **kwargs)

    def delete(self, path: str, **kwargs):
        return self.open("DELETE", path, **kwargs)


# openapi-core validates a document when it reads it (about a second): each document is
# read once per test process, however many tests use it.
_READ_DOCUMENTS: dict[str, OpenAPI] = {}


@pytest.fixture
def openapi(app):
    """The API's OpenAPI document, as openapi-core reads it."""
    with app.test_request_context():
        document = openapi_document()
    key = json.dumps(document, sort_keys=True)
    if key not in _READ_DOCUMENTS:
        _READ_DOCUMENTS[key] = OpenAPI.from_dict(
            document,
            config=Config(extra_media_type_deserializers={"application/problem+json": json.loads}),
        )
    return _READ_DOCUMENTS[key]


@pytest.fixture
def api(client, openapi, make_token):
    """Return an API client whose token has *scopes* (none: no token at all)."""

    def make(*scopes: str, secret: str | None = None) -> ApiClient:
        if secret is None and scopes:
            secret = make_token(*scopes)
        return ApiClient(client, openapi, secret)

    return make
