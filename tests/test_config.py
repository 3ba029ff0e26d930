"""Production refuses a configuration that would quietly weaken it."""

from __future__ import annotations

import pytest

from tests.production import PRIVACY_SETTINGS
from tracker import create_app
from tracker.config import ConfigError

STRONG_KEY = "k3y-drawn-at-random-0123456789-qwertyuiop"


@pytest.fixture
def production(monkeypatch, tmp_path):
    """Start an app in production with a strong key and a proper public address."""
    monkeypatch.setenv("TRACKER_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", STRONG_KEY)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://experts.example.org")
    for name, value in PRIVACY_SETTINGS.items():
        monkeypatch.setenv(name, value)

    def start():
        return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})

    return start


def test_production_starts_with_a_strong_key_and_an_https_address(production):
    assert production().config["PUBLIC_BASE_URL"] == "https://experts.example.org"


@pytest.mark.parametrize(
    "key",
    [
        "a" * 40,
        "abababababababababababababababababababab",
        "changeme-changeme-changeme-changeme-0123",
        "CHANGE_ME_to_a_long_random_value_0123456789",
        "your-secret-key-here-0123456789-abcdefghij",
        "secret-key-for-production-0123456789-abcd",
    ],
)
def test_production_refuses_a_placeholder_secret_key(production, monkeypatch, key):
    monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(ConfigError, match="SECRET_KEY looks like a placeholder"):
        production()


@pytest.mark.parametrize(
    "address",
    [
        "experts.example.org",
        "ftp://experts.example.org",
        "javascript:alert(1)",
        "https://",
        "https://experts.example.org/?next=x",
        "https://experts.example.org/#top",
    ],
)
def test_production_refuses_a_public_base_url_that_is_not_an_http_address(
    production, monkeypatch, address
):
    monkeypatch.setenv("PUBLIC_BASE_URL", address)
    with pytest.raises(ConfigError, match=r"PUBLIC_BASE_URL must be an http\(s\) address"):
        production()


def test_development_accepts_what_production_refuses(monkeypatch, tmp_path):
    monkeypatch.setenv("TRACKER_ENV", "development")
    monkeypatch.setenv("PUBLIC_BASE_URL", "experts.example.org")
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}", "SECRET_KEY": "a" * 40}
    )
    assert app.config["SECRET_KEY"] == "a" * 40


# --- the privacy notice's controller -------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PRIVACY_SETTINGS))
def test_production_refuses_to_start_without_the_privacy_controller(production, monkeypatch, name):
    monkeypatch.delenv(name)
    with pytest.raises(ConfigError, match=f"^{name} must be set in production"):
        production()


def test_production_refuses_the_sample_controller_details(production, monkeypatch):
    monkeypatch.setenv("PRIVACY_CONTROLLER_NAME", "Caucasus Watch gGmbH (sample value)")
    with pytest.raises(ConfigError, match="PRIVACY_CONTROLLER_NAME is still the sample value"):
        production()


def test_production_has_no_sample_controller_details(production):
    config = production().config
    assert config["PRIVACY_CONTROLLER_NAME"] == PRIVACY_SETTINGS["PRIVACY_CONTROLLER_NAME"]
    assert config["PRIVACY_SUPERVISORY_AUTHORITY"] is None
    assert config["PRIVACY_SUPERVISORY_AUTHORITY_URL"] is None


def test_production_with_its_own_notice_file_needs_no_controller_details(
    production, monkeypatch, tmp_path
):
    for name in PRIVACY_SETTINGS:
        monkeypatch.delenv(name)
    own = tmp_path / "privacy.txt"
    own.write_text("Our own notice.", encoding="utf-8")
    monkeypatch.setenv("PRIVACY_NOTICE_FILE", str(own))
    assert production().config["PRIVACY_CONTROLLER_NAME"] is None


def test_a_supervisory_authority_address_must_be_a_web_address(monkeypatch, tmp_path):
    monkeypatch.setenv("PRIVACY_SUPERVISORY_AUTHORITY_URL", "javascript:alert(1)")
    with pytest.raises(ConfigError, match=r"PRIVACY_SUPERVISORY_AUTHORITY_URL must be an http"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})
