"""Every response carries the security headers; staff pages stay out of caches; cookies are tight."""

from __future__ import annotations

import pytest
from flask import make_response, session

from tests.production import PRIVACY_SETTINGS
from tracker import create_app
from tracker.extensions import db
from tracker.web.access import admin, public, staff

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)
HSTS = "max-age=63072000; includeSubDomains"


def assert_security_headers(response, *, referrer: str, staff_page: bool) -> None:
    """Check the headers every response has, and those that depend on the page's policy."""
    headers = response.headers
    assert headers["Content-Security-Policy"] == CSP
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == referrer
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in headers  # plain HTTP
    if staff_page:
        assert headers["Cache-Control"] == "no-store"
        assert "Cookie" in vary(response)
    else:
        assert "no-store" not in headers.get("Cache-Control", "")


def vary(response) -> list[str]:
    return [item.strip() for item in response.headers.get("Vary", "").split(",") if item.strip()]


def cookie_attributes(response, name: str) -> tuple[str, set[str]]:
    """Return the value and the attributes (as written) of the Set-Cookie for *name*."""
    for header in response.headers.getlist("Set-Cookie"):
        first, *attributes = [part.strip() for part in header.split(";")]
        cookie_name, _, value = first.partition("=")
        if cookie_name == name:
            return value, set(attributes)
    raise AssertionError(f"no Set-Cookie for {name!r} in {response.headers.getlist('Set-Cookie')}")


@pytest.fixture
def test_routes(app):
    """A failing public page, an admin page, staff pages with their own Vary and CSP."""

    def explode():
        raise RuntimeError("boom")

    def with_vary():
        response = make_response("staff page")
        response.headers["Vary"] = "Accept-Encoding"
        return response

    def download():
        response = make_response(b"%PDF-1.7")
        response.headers["Content-Security-Policy"] = "sandbox"
        return response

    app.add_url_rule("/test/explode", view_func=public(explode))
    app.add_url_rule(
        "/test/admin-only", view_func=admin(lambda: "admin page"), endpoint="admin_only"
    )
    app.add_url_rule("/test/with-vary", view_func=staff(with_vary))
    app.add_url_rule("/test/download", view_func=staff(download))


def test_public_page_has_every_header_and_a_same_origin_referrer(client, call):
    response = client.get("/apply/local-experts")
    assert response.status_code == 200
    assert_security_headers(response, referrer="same-origin", staff_page=False)


def test_staff_page_is_not_stored_varies_on_cookie_and_sends_no_referrer(editor_client):
    response = editor_client.get("/review/")
    assert response.status_code == 200
    assert_security_headers(response, referrer="no-referrer", staff_page=True)


def test_admin_page_gets_the_staff_headers(test_routes, admin_client):
    response = admin_client.get("/test/admin-only")
    assert response.status_code == 200
    assert_security_headers(response, referrer="no-referrer", staff_page=True)


def test_staff_headers_also_on_a_refused_admin_page(test_routes, editor_client):
    response = editor_client.get("/test/admin-only")
    assert response.status_code == 403
    assert_security_headers(response, referrer="no-referrer", staff_page=True)


def test_staff_redirect_to_sign_in_is_not_stored_either(client):
    response = client.get("/review/")
    assert response.status_code == 302
    assert_security_headers(response, referrer="no-referrer", staff_page=True)


def test_vary_cookie_is_appended_to_an_existing_vary(test_routes, editor_client):
    response = editor_client.get("/test/with-vary")
    assert response.status_code == 200
    assert vary(response) == ["Accept-Encoding", "Cookie"]


def test_a_response_with_its_own_csp_keeps_it(test_routes, editor_client):
    response = editor_client.get("/test/download")
    assert response.status_code == 200
    assert response.headers.getlist("Content-Security-Policy") == ["sandbox"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


def test_not_found_page_has_every_header_and_no_referrer(client):
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert_security_headers(response, referrer="no-referrer", staff_page=False)


def test_static_file_has_every_header(client):
    response = client.get("/static/css/site.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    assert_security_headers(response, referrer="same-origin", staff_page=False)
    response.close()


def test_server_error_page_has_every_header(test_routes, client):
    response = client.get("/test/explode?lang=en")
    assert response.status_code == 500
    assert "<h1>Something went wrong on our side</h1>" in response.text
    assert_security_headers(response, referrer="same-origin", staff_page=False)


def test_hsts_only_over_https(client, call):
    secure = client.get("/apply/local-experts", base_url="https://localhost")
    assert secure.status_code == 200
    assert secure.headers["Strict-Transport-Security"] == HSTS
    assert "Strict-Transport-Security" not in client.get("/apply/local-experts").headers


def test_session_cookie_is_httponly_and_samesite_lax(client, call):
    response = client.get("/apply/local-experts")
    value, attributes = cookie_attributes(response, "session")
    assert value
    # Development and tests run on plain HTTP: no Secure flag, so the browser keeps it.
    assert attributes == {"HttpOnly", "Path=/", "SameSite=Lax"}


@pytest.fixture
def production_app(monkeypatch, app_config):
    """An app configured as production (TRACKER_ENV), with a route that writes the session."""
    monkeypatch.setenv("TRACKER_ENV", "production")
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    app_config["PUBLIC_BASE_URL"] = "https://experts.example.org"
    app_config["SECRET_KEY"] = "production-test-" + "0123456789abcdef" * 2
    app_config.update(PRIVACY_SETTINGS)
    app = create_app(app_config)

    def remember():
        session["seen"] = True
        return "ok"

    app.add_url_rule("/test/remember", view_func=public(remember))
    yield app
    with app.app_context():
        db.engine.dispose()


def test_production_session_cookie_uses_the_host_prefix(production_app):
    response = production_app.test_client().get("/test/remember", base_url="https://localhost")
    assert response.status_code == 200
    value, attributes = cookie_attributes(response, "__Host-session")
    assert value
    assert attributes == {"HttpOnly", "Path=/", "SameSite=Lax", "Secure"}
    assert not any(attribute.lower().startswith("domain=") for attribute in attributes)
    assert response.headers["Strict-Transport-Security"] == HSTS


def test_public_page_with_a_token_in_its_path_sends_no_referrer_and_is_not_stored(app, client):
    app.add_url_rule("/test/secret/<token>", view_func=public(lambda token: "page"))
    response = client.get("/test/secret/abc123")
    assert response.status_code == 200
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Security-Policy"] == CSP


@pytest.mark.parametrize(
    "path",
    [
        "/review/no-such-page",
        "/review/applications/999999",
        "/review",
        "/admin/no-such-page",
        "/auth/no-such-page",
    ],
)
def test_every_answer_under_a_staff_path_is_not_stored_even_an_error(editor_client, path):
    # A 404 there matches no view, so no access policy says "staff"; its path still names
    # the candidates and searches of the staff.
    response = editor_client.get(path + "?lang=en")
    assert response.status_code in (301, 302, 308, 404)
    assert response.headers["Cache-Control"] == "no-store"
    assert "Cookie" in vary(response)
    if response.status_code == 404:
        assert "Page not found" in response.text


def test_a_wrong_method_under_a_staff_path_is_not_stored_either(client):
    response = client.delete("/review/")
    assert response.status_code == 405
    assert response.headers["Cache-Control"] == "no-store"


def test_pages_that_only_begin_like_a_staff_path_are_not_staff_pages(client):
    response = client.get("/reviewers")
    assert response.status_code == 404
    assert "no-store" not in response.headers.get("Cache-Control", "")
