"""Submitting the application form from a test: a valid form, the post, what was stored."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path, PurePath, PurePosixPath

from sqlalchemy import func, select

from tests.conftest import hidden_fields
from tests.hostile_files import SAMPLES
from tests.storage_backends import s3_object_names
from tracker.extensions import db
from tracker.models import Application, Document, OutboxEmail

__all__ = [
    "SAMPLES",
    "application_form",
    "assert_nothing_stored",
    "check_page_fields",
    "is_check_page",
    "kept_on_disk",
    "error_summary",
    "post",
    "sample",
    "stored_files",
]


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def application_form(client, call, **overrides) -> dict:
    """Return a complete, valid submission for *call*; overrides replace or remove fields."""
    page = client.get(f"/apply/{call.slug}")
    data = {
        **hidden_fields(page.text),
        "full_name": "Nino Beridze",
        "email": "Nino.Beridze@Example.org",
        "phone": "+995 555 123 456",
        "home_country": "georgia",
        "city": "Kutaisi",
        "regions": ["georgia"],
        "german_level": "B2",
        "other_languages-0-language": "ka",
        "other_languages-0-level": "native",
        "other_languages-1-language": "ru",
        "other_languages-1-level": "C1",
        "topics": ["politics", "environment"],
        "cover_letter": "Ich schreibe seit zehn Jahren über Westgeorgien.",
        "links": "https://example.org/anaklia\nhttps://example.org/kutaisi",
        "preferred_language": "de",
        "heard_about": "colleague",
        "consent": "y",
        "cv": (io.BytesIO(sample("cv.pdf")), "Lebenslauf Nino.pdf"),
        "writing_sample": (io.BytesIO(sample("writing_sample.odt")), "anaklia.odt"),
    }
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def post(client, call, data, query: str = "", **kwargs):
    """POST the form as a person sends it: a valid form shows the check page, then "Send".

    Returns the last answer: the thanks redirect, or the form with its errors.
    """
    url = f"/apply/{call.slug}{query}"
    response = client.post(url, data=data, content_type="multipart/form-data", **kwargs)
    if is_check_page(response):
        response = client.post(
            url, data={**check_page_fields(response.text), "send": "1"}, **kwargs
        )
    return response


def is_check_page(response) -> bool:
    return response.status_code == 200 and 'name="send"' in response.text


def check_page_fields(page: str) -> dict[str, list[str]]:
    """Return the hidden fields of the check page (the answers it carries), by name."""
    fields: dict[str, list[str]] = {}
    for tag in re.findall(r'<input type="hidden"[^>]*>', page):
        name = re.search(r'name="([^"]+)"', tag).group(1)
        value = re.search(r'value="([^"]*)"', tag)
        fields.setdefault(html.unescape(name), []).append(
            html.unescape(value.group(1)) if value else ""
        )
    return fields


def stored_files(app) -> list[PurePath]:
    """Return the files in storage, without those kept for forms not yet sent (kept_on_disk).

    With the S3 backend: the local files (uploads being checked) and the bucket's objects.
    """
    root = Path(app.config["STORAGE_ROOT"])
    local = [p for p in root.rglob("*") if p.is_file() and "kept" not in p.parts]
    remote = [PurePosixPath(name) for name in s3_object_names() if "kept" not in name.split("/")]
    return sorted(local) + sorted(remote)


def kept_on_disk(app) -> list[PurePath]:
    """Return the files kept for forms not yet sent (documents/kept.py), in either backend."""
    root = Path(app.config["STORAGE_ROOT"]) / "kept"
    local = sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
    remote = [PurePosixPath(name) for name in s3_object_names() if "kept" in name.split("/")]
    return local + sorted(remote)


def assert_nothing_stored(app):
    assert db.session.scalar(select(func.count()).select_from(Application)) == 0
    assert db.session.scalar(select(func.count()).select_from(Document)) == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == 0
    assert stored_files(app) == []


def error_summary(page: str) -> list[str]:
    """Return the texts of the links in the error summary."""
    box = re.search(r'<div class="error-summary".*?</div>', page, re.S)
    assert box, "no error summary on the page"
    links = re.findall(r"<li><a [^>]*>(.*?)</a>", box.group(0), re.S)
    return [html.unescape(re.sub(r"\s+", " ", text).strip()) for text in links]
