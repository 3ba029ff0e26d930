"""Fixtures of the editors' pages."""

from __future__ import annotations

import pytest

from tests.conftest import login_as


@pytest.fixture
def colleague(app, make_user):
    """A second editor, signed in on a client of their own."""
    client = app.test_client()
    client.user = make_user("ben@example.org", "editor", name="Ben Editor")
    login_as(client, client.user)
    return client
