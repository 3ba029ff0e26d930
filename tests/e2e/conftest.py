"""Browser tests: the real app on a loopback port, driven by Playwright in Debian's chromium."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.apps import build_app
from tracker.extensions import db

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Without these, chromium reaches for Google's services, which this network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(
    os.environ.get("SCREENSHOT_DIR", Path(__file__).parents[2] / "artifacts" / "screenshots")
)
PHONE = {"width": 360, "height": 800}
DESKTOP = {"width": 1366, "height": 900}

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason=f"no chromium at {CHROMIUM} (apt-get install chromium)"
)


class RequestsInFlight:
    """WSGI middleware that counts the requests the app is serving, so that a test's end
    can wait for them before the database is emptied and the engine disposed.

    The server's request threads are daemons it never joins; a request still running (a
    page image the browser asked for as the test ended) would otherwise take a connection
    from the pool after the dispose, and psycopg warns (an error here) when that connection
    is collected, in whatever test is running then. A request counts until its body is
    sent: werkzeug closes the response only after reading what the browser sent beyond it,
    which waits on the browser's socket, not on the app. Once closed, the middleware
    answers 503 without calling the app.
    """

    def __init__(self, app) -> None:
        self.app = app
        self.running = 0
        self.closed = False
        self.changed = threading.Condition()

    def __call__(self, environ, start_response):
        # A generator: nothing is counted until the server starts reading the response,
        # and a response it drops unread leaves no count behind.
        with self.changed:
            refused = self.closed
            if not refused:
                self.running += 1
        if refused:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            yield b"The test has ended."
            return
        try:
            response = self.app(environ, start_response)
            try:
                yield from response
            finally:
                if hasattr(response, "close"):
                    response.close()
        finally:
            with self.changed:
                self.running -= 1
                self.changed.notify_all()

    def close(self, timeout: float = 60) -> None:
        """Refuse new requests and wait for the running ones to finish."""
        with self.changed:
            self.closed = True
            if not self.changed.wait_for(lambda: self.running == 0, timeout):
                raise RuntimeError(f"{self.running} requests still running after {timeout} s")


@pytest.fixture
def live_app(app_config, databases):
    """The app served by a real HTTP server on a free loopback port, with its own database."""
    app = build_app({**app_config, "TESTING": False, "WTF_CSRF_SSL_STRICT": False})
    url = app_config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        databases.empty(url, keeps_schema=True)
    requests = RequestsInFlight(app)
    server = make_server("127.0.0.1", 0, requests, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    app.base_url = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_BASE_URL"] = app.base_url  # links in emails lead back to this server
    try:
        yield app
    finally:
        server.shutdown()
        thread.join()
        requests.close()
        server.server_close()
        with app.app_context():
            db.session.remove()
            databases.after_test(url, keeps_schema=True)
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under artifacts/screenshots (kept by CI)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def call_slug(live_app) -> str:
    """Seed the default call in the live app's database and return its slug."""
    from tracker.calls import seed_default_call

    with live_app.app_context():
        call, _ = seed_default_call()
        db.session.commit()
        return call.slug


@pytest.fixture
def new_page(browser):
    """Open pages in contexts of their own (viewport, JavaScript…); all closed at the end."""
    contexts = []

    def open_page(viewport=DESKTOP, **options):
        context = browser.new_context(viewport=viewport, locale="en-GB", **options)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def make_staff(app, email: str, role: str, name: str) -> None:
    """Create a staff account in the live app with the test password."""
    from tests.conftest import password_hash
    from tracker.models import User

    with app.app_context():
        db.session.add(User(email=email, name=name, role=role, password_hash=password_hash()))
        db.session.commit()


def sign_in(page, app, email: str) -> None:
    """Sign in through the login form, as a person would."""
    from tests.conftest import PASSWORD

    page.goto(f"{app.base_url}/auth/login?lang=en")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "/auth/login" not in page.url, page.inner_text("main")


class PageWatch:
    """Record the dialogs a page opens and the console errors it logs."""

    def __init__(self, page) -> None:
        self.dialogs: list[str] = []
        self.console_errors: list[str] = []
        page.on("dialog", self._on_dialog)
        page.on("console", self._on_console)

    def _on_dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _on_console(self, message) -> None:
        # /favicon.ico is served (tracker/static/favicon.ico): a 404 for it is an error too.
        if message.type == "error":
            self.console_errors.append(message.text)

    @property
    def csp_errors(self) -> list[str]:
        return [text for text in self.console_errors if "Content Security Policy" in text]


def serious_violations(page, impacts=("serious", "critical")) -> list[str]:
    """Run axe-core on the page and return its violations of *impacts*, described."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    assert results.response["passes"], "axe-core did not run"
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] in impacts:
            targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
            found.append(f"{violation['id']} ({violation['impact']}): {targets[:5]}")
    return found


def fill_answers(page, name: str = "Nino Beridze", email: str = "nino.beridze@example.org"):
    """Fill every field of the application form a person must fill, except the files."""
    page.fill("#full_name", name)
    page.fill("#email", email)
    page.select_option("#home_country", "georgia")
    page.fill("#city", "Kutaisi")
    page.check("input[name=regions][value=georgia]")
    page.select_option("#german_level", "B2")
    page.check("input[name=topics][value=politics]")
    page.fill("#cover_letter", "Ich schreibe seit zehn Jahren über Westgeorgien.")
    page.check("#consent")
