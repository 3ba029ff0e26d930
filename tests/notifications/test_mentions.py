"""Reading mentions on the server: "@" and a full name, or a first name only one active
member has; case does not matter; ambiguous and inactive names mention nobody."""

from __future__ import annotations

import pytest

from tracker.notifications.mentions import mentioned_in


@pytest.fixture
def team(make_user):
    return {
        "nino": make_user("nino@example.org", name="Nino Beridze"),
        "ana_k": make_user("ana.k@example.org", name="Ana Kapanadze"),
        "ana_m": make_user("ana.m@example.org", name="Ana Melikyan"),
        "olga": make_user("olga@example.org", name="Olga Petrova", active=False),
        "ben": make_user("ben@example.org", name="Ben Weber"),
    }


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("@Nino Beridze, bitte lesen", ["nino"]),  # full name
        ("@Nino kannst du…", ["nino"]),  # a first name only one member has
        ("@nino und @NINO BERIDZE", ["nino"]),  # case-insensitive, each person once
        ("@Ana kannst du…", []),  # two Anas: which one?
        ("@Ana Melikyan und @Ben", ["ana_m", "ben"]),  # a full name settles it
        ("@Olga Petrova, @Olga", []),  # inactive: nobody
        ("@Ninotchka und Nino ohne at", []),  # no whole name after an @
        ("Schreib an ben@example.org", []),  # an address is no mention of Ben
        ("@", []),
    ],
)
def test_mentions(team, body, expected):
    assert [user.email for user in mentioned_in(body)] == [team[key].email for key in expected]
