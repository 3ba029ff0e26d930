"""Production refuses a configuration that would quietly weaken it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.production import PRIVACY_SETTINGS
from tracker import create_app
from tracker.config import ConfigError, storage_location

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


# --- STORAGE_URL ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "location"),
    [
        (None, None),
        ("", None),
        ("s3://tracker-documents", ("tracker-documents", "")),
        ("s3://tracker-documents/", ("tracker-documents", "")),
        ("s3://tracker.documents/prod/eu_1", ("tracker.documents", "prod/eu_1")),
    ],
)
def test_storage_url_names_a_bucket_and_a_prefix(url, location):
    assert storage_location(url) == location


@pytest.mark.parametrize(
    "url",
    [
        "/srv/tracker/uploads",
        "file:///srv/tracker/uploads",
        "https://s3.example.org/tracker",
        "s3://",
        "s3://Tracker",
        "s3://ab",
        "s3://tracker..documents",
        "s3://user:secret@tracker",
        "s3://tracker/../other",
        "s3://tracker/prefix with space",
        "s3://tracker/prefix?versionId=1",
    ],
)
def test_a_bad_storage_url_stops_the_start_with_a_clear_message(monkeypatch, tmp_path, url):
    monkeypatch.setenv("STORAGE_URL", url)
    with pytest.raises(ConfigError, match=r"^STORAGE_URL must look like s3://bucket"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})


def test_the_filesystem_backend_never_imports_boto3(tmp_path):
    # boto3 and botocore cost tens of MB; the export command's memory budget has no room.
    script = (
        "import sys\n"
        "from tracker import create_app\n"
        "from tracker.documents.storage import backend, new_staging_path, open_stored,"
        " store_staged\n"
        f"app = create_app({{'SQLALCHEMY_DATABASE_URI': 'sqlite:///{tmp_path}/x.db',"
        f" 'STORAGE_ROOT': '{tmp_path}/uploads'}})\n"
        "with app.app_context():\n"
        "    staged = new_staging_path()\n"
        "    staged.write_bytes(b'CV')\n"
        "    print(type(backend()).__name__, open_stored(store_staged(staged)).read())\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] in"
        " {'boto3', 'botocore', 's3transfer'}))\n"
    )
    environment = {key: value for key, value in os.environ.items() if key != "STORAGE_URL"}
    result = subprocess.run(  # noqa: S603 (our interpreter, our script)
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=environment,
        check=True,
    )
    assert result.stdout.splitlines() == ["FilesystemBackend b'CV'", "[]"]
