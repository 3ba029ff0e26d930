"""tracker.outbound: the request goes to the address that was checked, and an answer is
read only up to its limit."""

from __future__ import annotations

from tracker.outbound import Target, post


def test_the_request_goes_to_the_checked_address_with_the_name_as_host(receiver):
    port = int(receiver.url.split(":")[2].split("/")[0])
    # No DNS server knows this name: only the address given is connected to.
    target = Target("http", "hooks.invalid", port, "/hooks/tracker")

    answer = post(target, b"{}", headers={"X-Test": "1"}, timeout=5, connect_to="127.0.0.1")

    assert (answer.status, answer.body, answer.truncated) == (200, b"thanks", False)
    (request,) = receiver.received
    assert (request.path, request.headers["Host"], request.body) == (
        "/hooks/tracker",
        f"hooks.invalid:{port}",
        b"{}",
    )


def test_an_answer_is_read_up_to_the_limit(receiver):
    port = int(receiver.url.split(":")[2].split("/")[0])
    target = Target("http", "127.0.0.1", port, "/hooks")

    answer = post(target, b"{}", headers={}, timeout=5, max_bytes=3)

    assert (answer.status, answer.body, answer.truncated) == (200, b"tha", True)
