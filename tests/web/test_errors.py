"""Error pages keep the site's layout, say what to do, and never show a traceback."""

import pytest
from werkzeug.exceptions import BadRequest, TooManyRequests

from tracker.web.access import public


def _page_text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def failing_routes(app):
    def explode():
        raise RuntimeError("secret internals: /srv/tracker/db password=hunter2")

    def throttled():
        raise TooManyRequests(retry_after=120)

    def bad():
        raise BadRequest()

    for view in (explode, throttled, bad):
        app.add_url_rule(f"/test/{view.__name__}", view_func=public(view))


def test_unhandled_exception_shows_the_generic_page_without_a_traceback(failing_routes, client):
    response = client.get("/test/explode?lang=en")
    page = _page_text(response)
    assert response.status_code == 500
    assert "<h1>Something went wrong on our side</h1>" in page
    assert "Nothing you sent was lost or half-saved. Please try again later." in page
    for leak in (
        "Traceback",
        "RuntimeError",
        "secret internals",
        "hunter2",
        "Werkzeug",
        "Debugger",
    ):
        assert leak not in page
    assert 'class="site-header"' in page


def test_too_many_requests_keeps_retry_after(failing_routes, client):
    response = client.get("/test/throttled?lang=en")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "120"
    assert "<h1>Too many attempts</h1>" in _page_text(response)


def test_bad_request_page(failing_routes, client):
    response = client.get("/test/bad?lang=en")
    assert response.status_code == 400
    assert "<h1>We could not understand that request</h1>" in _page_text(response)


def test_wrong_method_is_a_405_with_allow(client):
    response = client.post("/privacy?lang=en")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert "<h1>That does not work here</h1>" in _page_text(response)


def test_not_found_is_translated(client):
    page = _page_text(client.get("/nowhere?lang=ru"))
    assert "<h1>Страница не найдена</h1>" in page
    assert '<html lang="ru">' in page
