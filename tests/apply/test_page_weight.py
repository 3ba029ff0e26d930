"""The public form stays light for applicants on slow phone connections."""

from __future__ import annotations

import re

BUDGET = 150 * 1024


def referenced_assets(html: str) -> list[str]:
    """Return the same-origin stylesheets, scripts and images the page loads."""
    return re.findall(r'<(?:link|script|img)\b[^>]*?(?:href|src)="(/[^"]+)"', html)


def test_public_form_weighs_under_150_kb(client, call):
    page = client.get(f"/apply/{call.slug}?lang=en")
    assert page.status_code == 200
    assets = referenced_assets(page.text)
    assert "/static/css/site.css" in [asset.split("?")[0] for asset in assets]
    total = len(page.data)
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        total += len(response.get_data())
        response.close()  # static files are streamed from disk
    assert total < BUDGET, f"{total} bytes"
    assert total > 20 * 1024  # the HTML and the stylesheet really were counted
