"""The OpenAPI document: valid OpenAPI 3.1, served to anyone, and its page from our origin."""

from __future__ import annotations

import re

from openapi_spec_validator import validate
from openapi_spec_validator.validation import OpenAPIV31SpecValidator
from pydantic import BaseModel


def test_the_document_is_valid_openapi_3_1(client):
    response = client.get("/api/v1/openapi.json")

    document = response.get_json()
    assert response.status_code == 200
    assert document["openapi"] == "3.1.0"
    validate(document, cls=OpenAPIV31SpecValidator)
    assert document["components"]["securitySchemes"] == {
        "bearer": {"type": "http", "scheme": "bearer"}
    }


def _api_rules(app):
    """Yield (METHOD, OpenAPI path, endpoint) of every token route."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint not in ("api.openapi", "api.docs"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                yield method, path, rule.endpoint


def test_every_operation_names_its_scope_as_a_security_requirement(app, client):
    document = client.get("/api/v1/openapi.json").get_json()

    for method, path, endpoint in _api_rules(app):
        scope = str(app.view_functions[endpoint].api_scope)
        assert document["paths"][path][method.lower()]["security"] == [{"bearer": [scope]}]


def test_every_error_answer_is_declared_as_problem_json(client):
    document = client.get("/api/v1/openapi.json").get_json()

    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, answer in operation["responses"].items():
                types = set(answer.get("content", {}))
                if int(status) >= 400:
                    assert types == {"application/problem+json"}, (method, path, status)
                    assert answer["content"]["application/problem+json"]["schema"] == {
                        "$ref": "#/components/schemas/Problem"
                    }


def test_every_api_route_is_in_the_document(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    documented = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    }
    assert {(method, path) for method, path, _endpoint in _api_rules(app)} == documented


def _api_models(cls=BaseModel):
    for subclass in cls.__subclasses__():
        if subclass.__module__.startswith("tracker.api"):
            yield subclass
        yield from _api_models(subclass)


def test_model_names_are_unique(app):
    # Schemas are named by their class alone (tracker.api): two classes of one name
    # would silently share one schema.
    names = [model.__name__ for model in set(_api_models())]
    assert "Problem" in names
    assert sorted(names) == sorted(set(names))


def test_the_docs_page_lists_every_operation_from_our_own_origin(client):
    response = client.get("/api/v1/docs")
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert (
        '<td><a href="#get__api_v1_calls"><code>GET /api/v1/calls</code></a></td>\n'
        "        <td>List the calls.</td>\n"
        "        <td><code>applications:read</code></td>" in page
    )
    assert not re.search(r"""(src|href)=["']https?://""", page)
    assert "<script" not in page.replace('<script src="/static/', "")
