"""An endpoint must be https on a public address: loopback, private, link-local (the
cloud's metadata service) and names resolving to them are refused, unless
WEBHOOK_ALLOW_PRIVATE is set for development."""

from __future__ import annotations

import socket

import pytest

from tracker.webhooks.endpoints import WebhookError, check_url

PUBLIC_ONLY = "webhooks are sent to public addresses only."


def localhost() -> str:
    return socket.getaddrinfo("localhost", 443, type=socket.SOCK_STREAM)[0][4][0]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "http://hooks.example.org/tracker",
            "Webhooks are sent over https only: the address must start with https://.",
        ),
        ("https://127.0.0.1/hooks", f"127.0.0.1 is a loopback address; {PUBLIC_ONLY}"),
        ("https://10.0.0.1/hooks", f"10.0.0.1 is a private address; {PUBLIC_ONLY}"),
        (
            "https://169.254.169.254/latest/meta-data",
            f"169.254.169.254 is a link-local address; {PUBLIC_ONLY}",
        ),
        ("https://[::1]:8443/hooks", f"::1 is a loopback address; {PUBLIC_ONLY}"),
        ("https://[fe80::1]/hooks", f"fe80::1 is a link-local address; {PUBLIC_ONLY}"),
        ("https://0.0.0.0/hooks", f"0.0.0.0 is an unspecified address; {PUBLIC_ONLY}"),
        ("https://192.168.1.20/hooks", f"192.168.1.20 is a private address; {PUBLIC_ONLY}"),
        ("https://224.0.0.1/hooks", f"224.0.0.1 is a multicast address; {PUBLIC_ONLY}"),
        ("https://100.64.0.1/hooks", f"100.64.0.1 is a reserved address; {PUBLIC_ONLY}"),
        ("https://[::ffff:10.1.2.3]/", f"::ffff:10.1.2.3 is a private address; {PUBLIC_ONLY}"),
        (
            "https://user:secret@hooks.example.org/",
            "Please give a web address such as https://cms.example.org/hooks "
            "(no user name or password, no #fragment).",
        ),
        (
            "ftp://hooks.example.org/",
            "Please give a web address such as https://cms.example.org/hooks "
            "(no user name or password, no #fragment).",
        ),
    ],
)
def test_addresses_that_are_not_public_https_are_refused(app, url, message):
    with pytest.raises(WebhookError) as refused:
        check_url(url)
    assert str(refused.value) == message


def test_a_name_resolving_to_loopback_is_refused(app):
    with pytest.raises(WebhookError) as refused:
        check_url("https://localhost:8443/hooks")
    assert str(refused.value) == (
        f"localhost resolves to {localhost()}, a loopback address; {PUBLIC_ONLY}"
    )


def test_a_public_address_is_accepted_with_its_query(app):
    assert check_url("  https://93.184.216.34/hooks?source=tracker ") == (
        "https://93.184.216.34/hooks?source=tracker"
    )


def test_webhook_allow_private_admits_loopback_and_http(app):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    assert check_url("http://127.0.0.1:8080/hooks") == "http://127.0.0.1:8080/hooks"
    assert check_url("https://localhost/hooks") == "https://localhost/hooks"
