"""Requests the app refuses: NUL bytes, wrong methods, oversized bodies, too many submissions."""

from __future__ import annotations

import io

import pytest
from flask import request
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.applying import application_form, assert_nothing_stored, post
from tracker import create_app
from tracker.extensions import csrf, db, limiter
from tracker.models import Application, OutboxEmail
from tracker.web.access import public, staff
from tracker.web.errors import wait_advice

BAD_REQUEST = "<h1>We could not understand that request</h1>"
TOO_LARGE = "<h1>Your files are too large</h1>"
HSTS = "max-age=63072000; includeSubDomains"


def allowed(response) -> set[str]:
    return {method.strip() for method in response.headers["Allow"].split(",")}


# --- NUL bytes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/apply/local-experts%00", "/apply/local%00experts?lang=en", "/nowhere%00"]
)
def test_nul_in_the_path_is_a_bad_request(client, call, path):
    response = client.get(path + ("&" if "?" in path else "?") + "lang=en")
    assert response.status_code == 400
    assert BAD_REQUEST in response.text


@pytest.mark.parametrize("query", ["q=%00&lang=en", "lang=en&q=a%00b", "%00=x&lang=en"])
def test_nul_in_the_query_string_is_a_bad_request(client, call, query):
    response = client.get(f"/apply/local-experts?{query}")
    assert response.status_code == 400
    assert BAD_REQUEST in response.text


def test_nul_in_a_form_value_is_refused_and_nothing_is_stored(app, client, call):
    data = application_form(client, call, full_name="Nino\x00Beridze")
    response = client.post("/apply/local-experts?lang=en", data=data)
    assert response.status_code == 400
    assert BAD_REQUEST in response.text
    assert_nothing_stored(app)


def test_nul_in_a_form_field_name_is_refused_and_nothing_is_stored(app, client, call):
    data = application_form(client, call, **{"nick\x00name": "x"})
    response = client.post("/apply/local-experts?lang=en", data=data)
    assert response.status_code == 400
    assert BAD_REQUEST in response.text
    assert_nothing_stored(app)
    # The same form without the NUL goes through: the NUL was the only thing wrong.
    assert post(client, call, application_form(client, call)).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Application)) == 1


@pytest.fixture
def echo(app):
    """A public POST route that records the forms it was given."""
    seen = []

    def echo():
        seen.append(request.form.to_dict(flat=False))
        return "ok"

    app.add_url_rule("/test/echo", view_func=csrf.exempt(public(echo)), methods=["POST"])
    return seen


def test_nul_in_an_urlencoded_form_is_refused_before_the_view_runs(echo, client):
    seen = echo
    response = client.post("/test/echo?lang=en", data={"email": "ana@example.org\x00"})
    assert response.status_code == 400
    assert BAD_REQUEST in response.text
    assert seen == []
    assert client.post("/test/echo", data={"email": "ana@example.org"}).text == "ok"
    assert seen == [{"email": ["ana@example.org"]}]


# --- methods ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "methods"),
    [
        ("POST", "/privacy", {"GET", "HEAD", "OPTIONS"}),
        ("DELETE", "/apply/local-experts", {"GET", "HEAD", "OPTIONS", "POST"}),
        ("PUT", "/", {"GET", "HEAD", "OPTIONS"}),
        ("GET", "/test/post-only", {"OPTIONS", "POST"}),
        ("PATCH", "/review/", {"GET", "HEAD", "OPTIONS"}),
    ],
)
def test_a_method_the_route_does_not_use_is_a_405_with_allow(
    app, client, call, method, path, methods
):
    app.add_url_rule(
        "/test/post-only", view_func=staff(lambda: "done"), endpoint="post_only", methods=["POST"]
    )
    response = client.open(f"{path}?lang=en", method=method)
    assert response.status_code == 405
    assert allowed(response) == methods
    assert "<h1>That does not work here</h1>" in response.text


# --- body size, parts and field size ----------------------------------------------------------


@pytest.fixture
def small_body(app_config):
    """Lower MAX_CONTENT_LENGTH (before the app is built) so a test need not send 31 MB."""
    app_config["MAX_CONTENT_LENGTH"] = 64 * 1024
    return app_config


def test_body_over_max_content_length_is_a_413_and_nothing_is_stored(small_body, app, client, call):
    assert app.config["MAX_CONTENT_LENGTH"] == 64 * 1024
    data = application_form(client, call, cv=(io.BytesIO(b"%PDF-1.7\n" + b"0" * 70_000), "cv.pdf"))
    response = client.post("/apply/local-experts?lang=en", data=data)
    assert response.status_code == 413
    assert TOO_LARGE in response.text
    assert_nothing_stored(app)


def multipart_fields(count: int) -> dict[str, str]:
    return {f"field{i}": "x" for i in range(count)}


def test_more_parts_than_max_form_parts_is_a_413(app, client, call):
    limit = app.config["MAX_FORM_PARTS"]
    assert limit == 100
    over = client.post(
        "/apply/local-experts?lang=en",
        data=multipart_fields(limit + 1),
        content_type="multipart/form-data",
    )
    assert over.status_code == 413
    assert TOO_LARGE in over.text
    # At the limit the form is read, and refused for what it says (no ticket, no name …).
    at_limit = client.post(
        "/apply/local-experts?lang=en",
        data=multipart_fields(limit),
        content_type="multipart/form-data",
    )
    assert at_limit.status_code == 400
    assert_nothing_stored(app)


def test_urlencoded_form_fields_are_not_counted_as_parts(app, echo, client):
    # Werkzeug counts the parts of multipart bodies only; an inbox bulk action sends one
    # field per selected row, so url-encoded forms are bounded by their size instead.
    response = client.post("/test/echo", data={"ids": [str(i) for i in range(1000)]})
    assert response.text == "ok"
    assert len(echo[0]["ids"]) == 1000


def test_urlencoded_form_over_max_form_memory_size_is_a_413(app, echo, client):
    # Werkzeug reads an url-encoded body whole, bounded by MAX_CONTENT_LENGTH only.
    limit = app.config["MAX_FORM_MEMORY_SIZE"]
    response = client.post("/test/echo?lang=en", data={"text": "x" * limit})
    assert response.status_code == 413
    assert TOO_LARGE in response.text
    assert echo == []
    assert client.post("/test/echo", data={"text": "x" * (limit - 5)}).text == "ok"


def post_in_memory(client, path: str, data: dict):
    """POST *data* as multipart from memory (the test client spools bodies over 500 kB to a
    temporary file that it never closes, which pytest's filterwarnings=error turns fatal)."""
    values = {
        key: FileStorage(value[0], filename=value[1]) if isinstance(value, tuple) else value
        for key, value in data.items()
    }
    boundary, body = encode_multipart(values)
    return client.post(path, data=body, content_type=f'multipart/form-data; boundary="{boundary}"')


def test_text_field_over_max_form_memory_size_is_a_413(app, client, call):
    limit = app.config["MAX_FORM_MEMORY_SIZE"]
    assert limit == 1024 * 1024
    data = application_form(client, call, cover_letter="x" * (limit + 1))
    response = post_in_memory(client, "/apply/local-experts?lang=en", data)
    assert response.status_code == 413
    assert TOO_LARGE in response.text
    assert_nothing_stored(app)
    # At the limit the field is read, and refused by the form's own length check.
    data = application_form(client, call, cover_letter="x" * limit)
    response = post_in_memory(client, "/apply/local-experts?lang=en", data)
    assert response.status_code == 400
    assert "Your cover letter has 1,048,576 characters. Please shorten it to 8,000" in response.text


# --- rate limits on the public form -----------------------------------------------------------


@pytest.fixture
def limited(app_config):
    """Turn rate limiting on with small limits (before the app is built)."""
    app_config.update(
        RATELIMIT_ENABLED=True,
        APPLY_LIMIT_PER_IP="3 per hour",
        APPLY_LIMIT_PER_EMAIL="2 per day",
    )
    return app_config


def submit(client, email: str | None = None, ip: str = "192.0.2.1", lang: str = "en", **kwargs):
    """POST a (deliberately incomplete) application: the per-IP limit counts it all the same."""
    data = {"full_name": "Nino Beridze"}
    if email is not None:
        data["email"] = email
    return client.post(
        f"/apply/local-experts?lang={lang}",
        data=data,
        environ_overrides={"REMOTE_ADDR": ip},
        **kwargs,
    )


def apply(client, call, ip: str = "192.0.2.1", **overrides):
    """POST a complete application (as Nino.Beridze@Example.org unless overridden), then
    send it from the check page: two posts."""
    return post(
        client,
        call,
        application_form(client, call, **overrides),
        "?lang=en",
        environ_overrides={"REMOTE_ADDR": ip},
    )


def applications() -> int:
    return db.session.scalar(select(func.count()).select_from(Application))


def assert_limited(response, max_wait: int, wait_in_words: str) -> None:
    """Check a refused POST: 429, the form shown again, the real wait in words."""
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= max_wait
    assert (
        f"<p>This form has been sent too many times. Please try again {wait_in_words}.</p>"
        in response.text
    )
    assert 'id="application-form"' in response.text


def test_per_ip_limit_counts_every_post(limited, app, client, call):
    for _ in range(5):
        assert client.get("/apply/local-experts").status_code == 200
    assert [submit(client).status_code for _ in range(3)] == [400, 400, 400]
    response = submit(client)
    assert_limited(response, 3600, "in 1 hour")
    # Other addresses and pages are unaffected; the form can still be read.
    assert submit(client, ip="192.0.2.2").status_code == 400
    assert client.get("/apply/local-experts").status_code == 200


def test_the_refused_form_keeps_what_was_typed_but_stores_nothing(limited, app, client, call):
    for _ in range(3):
        submit(client)
    response = apply(
        client,
        call,
        full_name="Nana Kapanadze",
        city="Batumi",
        cover_letter="Ich berichte seit 2015 aus Adscharien.",
    )
    assert_limited(response, 3600, "in 1 hour")
    assert 'value="Nana Kapanadze"' in response.text
    assert 'value="Batumi"' in response.text
    assert "Ich berichte seit 2015 aus Adscharien.</textarea>" in response.text
    # The files passed the checks: they are kept with the form and need not be chosen again.
    assert '<span class="kept-name">Lebenslauf Nino.pdf</span> ✓' in response.text
    assert '<span class="kept-name">anaklia.odt</span> ✓' in response.text
    assert_nothing_stored(app)


def test_the_429_page_is_translated(limited, app, client, call):
    for _ in range(3):
        submit(client)
    german = submit(client, lang="de")
    assert german.status_code == 429
    assert "Dieses Formular wurde zu oft gesendet. Bitte versuchen Sie es in 1 Stunde erneut." in (
        german.text
    )
    russian = submit(client, lang="ru")
    assert russian.status_code == 429
    assert "Пожалуйста, попробуйте ещё раз через 1 час." in russian.text
    assert int(russian.headers["Retry-After"]) > 0


def test_per_email_limit_counts_stored_applications_only(limited, app, client, call):
    app.config["APPLY_LIMIT_PER_IP"] = "20 per hour"
    # Mistakes do not count: a form the form refuses, a refused document, a bot's form.
    refused = [
        submit(client, "nino.beridze@example.org").status_code,
        apply(client, call, cv=(io.BytesIO(b"MZ\x90\x00 not a pdf"), "cv.pdf")).status_code,
        apply(client, call, city=None).status_code,
    ]
    assert refused == [400, 400, 400]
    assert applications() == 0
    first = application_form(client, call)
    assert post_as(client, call, first).status_code == 302
    # The same form sent twice (a double click) stored nothing new: it does not count.
    assert post_as(client, call, first).status_code == 302
    # Nor does the same documents sent again with a fresh form (Back, then send again).
    assert apply(client, call, email="NINO.beridze@example.org ").status_code == 302
    assert applications() == 1
    second = apply(client, call, email="NINO.beridze@example.org ", cover_letter="Zweiter Brief.")
    assert second.status_code == 302
    # The third stored application for this address is refused, from any client address.
    response = apply(client, call, ip="198.51.100.7", cover_letter="Dritter Brief.")
    assert_limited(response, 24 * 3600, "in 1 day")
    assert applications() == 2
    assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == 2
    # Another address is not affected.
    assert apply(client, call, email="nana@example.org").status_code == 302


def post_as(client, call, data: dict, ip: str = "192.0.2.1"):
    """POST *data* again with fresh file objects (a sent BytesIO is consumed)."""
    fresh = {
        key: (io.BytesIO(value[0].getvalue()), value[1]) if isinstance(value, tuple) else value
        for key, value in data.items()
    }
    return post(client, call, fresh, "?lang=en", environ_overrides={"REMOTE_ADDR": ip})


def test_per_ip_limit_counts_every_attempt_of_any_address(limited, app, client, call):
    app.config["APPLY_LIMIT_PER_IP"] = "7 per hour"
    # Each application is two posts: the form (shown to check), then "Send application".
    assert apply(client, call).status_code == 302
    assert apply(client, call).status_code == 302
    # Other addresses from the first IP pass until the IP's own limit (7) is spent.
    assert [submit(client, f"other{i}@example.org").status_code for i in range(3)] == [400] * 3
    assert_limited(submit(client, "fresh@example.org"), 3600, "in 1 hour")


def test_posts_without_a_valid_address_share_no_email_bucket(limited, app, client, call):
    statuses = [
        submit(client, None, ip="203.0.113.5").status_code,
        submit(client, "not-an-address", ip="203.0.113.5").status_code,
        submit(client, "x" * 300 + "@example.org", ip="203.0.113.5").status_code,
    ]
    assert statuses == [400, 400, 400]
    assert submit(client, "not-an-address", ip="198.51.100.9").status_code == 400
    assert_limited(submit(client, None, ip="203.0.113.5"), 3600, "in 1 hour")


@pytest.mark.parametrize(
    ("lang", "heading", "advice"),
    [
        ("en", "Too many attempts", "Please try again in 52 minutes."),
        ("de", "Zu viele Versuche", "Bitte versuchen Sie es in 52 Minuten erneut."),
        ("ru", "Слишком много попыток", "Пожалуйста, попробуйте ещё раз через 52 минуты."),
    ],
)
def test_the_429_page_says_the_real_wait(limited, app, lang, heading, advice):
    def ping():
        return "pong"

    app.add_url_rule("/test/ping", view_func=limiter.limit("1 per 52 minutes")(public(ping)))
    client = app.test_client()
    assert client.get(f"/test/ping?lang={lang}").text == "pong"
    response = client.get(f"/test/ping?lang={lang}")
    assert response.status_code == 429
    assert 51 * 60 < int(response.headers["Retry-After"]) <= 52 * 60
    assert f"<h1>{heading}</h1>" in response.text
    assert f'<p class="lead">{advice}</p>' in response.text


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (45, "in 45 seconds"),
        (60, "in 1 minute"),
        (61, "in 2 minutes"),
        (52 * 60 - 30, "in 52 minutes"),
        (3600, "in 1 hour"),
        (3601, "in 2 hours"),
        (23 * 3600 + 1, "in 1 day"),
    ],
)
def test_the_wait_is_rounded_up_never_down(app, seconds, words):
    with app.test_request_context("/?lang=en"):
        assert wait_advice(seconds) == f"Please try again {words}."


# --- proxies ----------------------------------------------------------------------------------


@pytest.fixture
def build_app(app, app_config):
    """Build a second app on the test database: ProxyFix is installed when an app is built."""
    built = []

    def build(**overrides):
        built.append(create_app({**app_config, **overrides}))
        return built[-1]

    yield build
    for each in built:
        with each.app_context():
            db.engine.dispose()


def test_x_forwarded_for_is_ignored_without_proxy_fix(limited, app, client, call):
    assert app.config["PROXY_FIX_X_FOR"] == 0
    statuses = [
        submit(client, headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code for i in range(4)
    ]
    assert statuses == [400, 400, 400, 429]


def test_x_forwarded_for_is_honoured_with_proxy_fix(limited, build_app, call):
    client = build_app(PROXY_FIX_X_FOR=1).test_client()
    statuses = [
        submit(client, headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code for i in range(4)
    ]
    assert statuses == [400, 400, 400, 400]
    # The same forwarded address (the proxy's peer) is limited, whatever REMOTE_ADDR is.
    same = [
        submit(client, ip=f"10.0.0.{i}", headers={"X-Forwarded-For": "198.51.100.1"}).status_code
        for i in range(4)
    ]
    assert same == [400, 400, 400, 429]


def test_x_forwarded_proto_counts_only_with_proxy_fix(build_app, client):
    forwarded = {"X-Forwarded-Proto": "https"}
    assert "Strict-Transport-Security" not in client.get("/privacy", headers=forwarded).headers
    proxied = build_app(PROXY_FIX_X_PROTO=1).test_client()
    response = proxied.get("/privacy", headers=forwarded)
    assert response.headers["Strict-Transport-Security"] == HSTS
