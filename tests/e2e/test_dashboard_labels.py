"""The dashboard at 1400 and 390 px: no label is clipped, whatever the language or title."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import make_staff, screenshot, serious_violations, sign_in
from tests.stored import new_application
from tracker.extensions import db

ADMIN = "admin@example.org"
LONG_TITLE = {
    "de": "Lokale Expertinnen und Experten für Wirtschaft, Energiepolitik und Verkehr im Südkaukasus",
    "en": "Local experts for the economy, energy policy and transport in the South Caucasus",
}

# Every element that shows a label or a value on the dashboard.
LABELS = ".big-numbers li, .bar-label, .bar-value, .page-head h1, .dashboard table th, .dashboard table td"

# Which labels overflow their box, and whether each clipped one says its whole text.
CLIPPED = """(selector) => [...document.querySelectorAll(selector)]
  .filter((el) => el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1)
  .filter((el) => getComputedStyle(el).textOverflow !== 'ellipsis' || el.title !== el.textContent.trim())
  .map((el) => `${el.className || el.tagName}: ${el.textContent.trim()}`)"""

# The SVG texts (the weeks' axis) that reach outside their drawing, where they are cut off.
SVG_CLIPPED = """() => [...document.querySelectorAll('svg text')].filter((text) => {
  const box = text.getBBox();
  const view = text.ownerSVGElement.viewBox.baseVal;
  return box.x < view.x || box.x + box.width > view.x + view.width
    || box.y < view.y || box.y + box.height > view.y + view.height;
}).map((text) => text.textContent)"""


def add_application(call, region: str, status: str) -> None:
    db.session.add(new_application(call, region=region, status=status))


@pytest.fixture
def dashboard(live_app, call_slug):
    """A call with a very long title and a coverage gap ("Lücke: 1 von 2")."""
    from sqlalchemy import select

    from tracker.models import Call

    with live_app.app_context():
        call = db.session.scalar(select(Call).where(Call.slug == call_slug))
        call.title = LONG_TITLE
        call.targets = {"georgia": 2, "armenia": 1}
        add_application(call, "georgia", "accepted")
        add_application(call, "armenia", "shortlisted")
        add_application(call, "georgia", "new")
        db.session.commit()
    make_staff(live_app, ADMIN, "admin", "Ada Admin")
    return live_app


@pytest.mark.parametrize("width", [1400, 390])
@pytest.mark.parametrize("language", ["de", "en"])
def test_no_dashboard_label_is_clipped(dashboard, new_page, width, language):
    page = new_page({"width": width, "height": 900})
    sign_in(page, dashboard, ADMIN)
    page.goto(f"{dashboard.base_url}/admin/dashboard?lang={language}")
    screenshot(page, f"dashboard-labels-{language}-{width}")
    assert page.locator(".bar-label").count() >= 10
    coverage = page.locator("#coverage-chart .bar-value").all_inner_texts()
    gap = "Lücke: 1 von 2" if language == "de" else "gap: 1 of 2"
    assert any(text.endswith(gap) for text in coverage), coverage
    assert page.evaluate(CLIPPED, LABELS) == []
    assert page.locator("#weeks-chart-title").count() == 1
    assert page.evaluate(SVG_CLIPPED) == []
    # Nothing sticks out of the page sideways either.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert serious_violations(page) == []  # the red gap rows keep their contrast
