"""A LibreTranslate stand-in on loopback: a real HTTP server in a thread that records every
request it receives and answers as a test tells it to."""

from __future__ import annotations

import json
import secrets
import socket
import threading
from dataclasses import dataclass, field

import pytest
from werkzeug.wrappers import Request, Response

from tests.conftest import login_as
from tests.http_servers import serving
from tracker.extensions import db
from tracker.models import Document
from tracker.translation.switch import switch_previews

COVER_LETTER = "Dear editors, I report from Kutaisi for local radio."
TRANSLATED = "Liebe Redaktion, ich berichte aus Kutaissi für das Lokalradio."


@dataclass
class StubService:
    """The stand-in: *answer* is what it does next ("translate", "error", "not_json",
    "no_text", "redirect", "hang"); *received* holds each request as (path, headers, body)."""

    url: str
    answer: str = "translate"
    received: list[tuple[str, dict, bytes]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    @property
    def bodies(self) -> list[dict]:
        """Return the JSON bodies received, in order."""
        return [json.loads(body) for _path, _headers, body in self.received]

    def respond(self, request: Request) -> Response:
        self.received.append((request.path, dict(request.headers), request.get_data()))
        if self.answer == "error":
            return Response("overloaded", status=503)
        if self.answer == "not_json":
            return Response("<html>Welcome</html>", content_type="text/html")
        if self.answer == "no_text":
            return Response(json.dumps({"error": "none"}), content_type="application/json")
        if self.answer == "redirect":
            return Response("", status=307, headers={"Location": "http://127.0.0.2/translate"})
        if self.answer == "hang":
            # Answers only when the test ends: the client's timeout must give up first.
            self.release.wait(30)
        body = {
            "translatedText": TRANSLATED,
            "detectedLanguage": {"confidence": 92, "language": "en"},
        }
        return Response(json.dumps(body), content_type="application/json")


@pytest.fixture
def stub_service():
    """Start the stand-in on 127.0.0.1 (a free port) and stop it after the test."""
    service = StubService(url="")
    with serving(service.respond) as url:
        service.url = url
        yield service
        service.release.set()


@pytest.fixture
def app_config(app_config, stub_service):
    """The app configured for the stand-in (the admin switch still off)."""
    return app_config | {
        "TRANSLATION_URL": stub_service.url,
        "TRANSLATION_API_KEY": "test-key",
        "TRANSLATION_TIMEOUT": 0.5,
    }


@pytest.fixture
def switched_on(app, make_user):
    """An admin turned machine-translated previews on; return that admin."""
    admin = make_user("admin@example.org", "admin", name="Ada Admin")
    switch_previews(True, by=admin)
    return admin


def add_document(application, kind: str = "cover_letter", text: str | None = COVER_LETTER):
    """Store a document row of *kind* with *text* as its extracted text."""
    document = Document(
        application=application,
        kind=kind,
        filename=f"{kind}.txt",
        file_type="txt",
        content_type="text/plain",
        size=100,
        sha256="0" * 64,
        storage_key=secrets.token_hex(16),
        flags=[],
        text=text,
    )
    db.session.add(document)
    db.session.commit()
    return document


def closed_port() -> int:
    """Return a loopback port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


__all__ = ["add_document", "closed_port", "login_as"]
