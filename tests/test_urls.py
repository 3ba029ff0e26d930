"""Absolute links for emails and exports: from PUBLIC_BASE_URL, never from a Host header."""

from __future__ import annotations

from tracker.urls import base_url, external_url


def test_links_are_built_on_the_public_base_url(app):
    app.config["PUBLIC_BASE_URL"] = "https://experts.example.org/"
    assert base_url() == "https://experts.example.org"
    assert external_url("portal.show", token="abc") == "https://experts.example.org/status/abc"
    assert (
        external_url("review.candidate", application_id=12)
        == "https://experts.example.org/review/applications/12"
    )


def test_links_ignore_a_forged_host_header(app):
    app.config["PUBLIC_BASE_URL"] = "https://experts.example.org"
    with app.test_request_context("/", headers={"Host": "evil.example"}):
        assert external_url("portal.show", token="t") == "https://experts.example.org/status/t"
    app.config["PUBLIC_BASE_URL"] = None
    with app.test_request_context("/", headers={"Host": "evil.example"}):
        assert external_url("portal.show", token="t") == "http://localhost/status/t"


def test_without_a_public_base_url_the_server_name_is_used(app):
    app.config.update(PUBLIC_BASE_URL=None, SERVER_NAME="tracker.test:8000")
    assert external_url("portal.reissue") == "http://tracker.test:8000/status/reissue"


def test_a_path_prefix_in_the_public_base_url_is_kept(app):
    app.config["PUBLIC_BASE_URL"] = "https://example.org/experts"
    assert external_url("portal.show", token="t") == "https://example.org/experts/status/t"
