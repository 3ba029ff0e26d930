"""The insight dashboard page: numbers, accessible SVG charts with tables, bounded queries."""

from __future__ import annotations

import html
import re

import pytest

from tests.sql_log import statements_sent
from tests.test_insights import NOW, dataset  # noqa: F401 - the fixture is used below
from tracker.admin import dashboard_views
from tracker.extensions import db


@pytest.fixture(autouse=True)
def _frozen_clock(monkeypatch):
    monkeypatch.setattr(dashboard_views, "utcnow", lambda: NOW)


def text_of(fragment: str) -> str:
    """Return the visible text of an HTML fragment, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def table_rows(page: str, heading_id: str) -> list[list[str]]:
    """Return the cells of the first table after the heading *heading_id*, row by row."""
    section = page.split(f'id="{heading_id}"', 1)[1]
    table = re.search(r"<table.*?</table>", section, re.S).group(0)
    body = table.split("<tbody>", 1)[1] if "<tbody>" in table else table
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([text_of(cell) for cell in cells])
    return rows


def big_numbers(page: str) -> list[str]:
    box = re.search(r'<ul class="big-numbers">(.*?)</ul>', page, re.S).group(1)
    return [text_of(item) for item in re.findall(r"<li>(.*?)</li>", box, re.S)]


def test_dashboard_shows_exact_numbers_for_a_known_dataset(dataset, editor_client):  # noqa: F811
    response = editor_client.get("/admin/dashboard?lang=en")
    assert response.status_code == 200
    page = response.text

    assert big_numbers(page) == [
        "8 applications received",
        "3 in the last 7 days",
        "2 waiting for a first review",
        "2 on the shortlist or on trial",
        "1 accepted",
        "4 h 0 min median time to a first answer",
    ]
    assert table_rows(page, "funnel-heading") == [
        ["Received", "8", "100 %"],
        ["Reviewed", "6", "75 %"],
        ["Shortlisted", "4", "50 %"],
        ["Accepted", "2", "25 %"],
    ]
    assert table_rows(page, "status-heading") == [
        ["New", "2"],
        ["In review", "1"],
        ["Shortlisted", "1"],
        ["Trial", "1"],
        ["Accepted", "1"],
        ["On hold", "0"],
        ["Rejected", "1"],
        ["Withdrawn", "1"],
    ]
    assert table_rows(page, "region-heading") == [
        ["Georgia", "5"],
        ["Armenia", "2"],
        ["Abkhazia", "1"],
    ]
    assert table_rows(page, "calls-heading") == [
        ["Photographers", "1"],
        ["Local experts wanted", "7"],
    ]
    weeks = table_rows(page, "weeks-heading")
    assert len(weeks) == 26
    assert weeks[0] == ["25 May 2026", "0"]
    assert weeks[-3:] == [["2 Nov 2026", "1"], ["9 Nov 2026", "1"], ["16 Nov 2026", "2"]]
    assert table_rows(page, "answer-heading") == [
        ["Median", "4 h 0 min"],
        ["Applications answered", "7"],
        ["Applications still waiting for an answer", "1"],
    ]
    coverage = table_rows(page, "coverage-heading")
    assert coverage[:4] == [
        ["Georgia", "3", "0", "1", "Gap: 3 missing", "0"],
        ["Abkhazia", "1", "0", "0", "Gap: 1 missing", "0"],
        ["Tskhinvali region / South Ossetia", "–", "0", "0", "No target", "0"],
        ["Armenia", "1", "1", "1", "Target met", "0"],
    ]
    assert "2 regions have a gap." in page


def test_each_chart_is_accessible_with_the_numbers_and_labels_as_text(
    dataset,  # noqa: F811
    editor_client,
):
    page = editor_client.get("/admin/dashboard?lang=en").text
    weeks = re.search(
        r'<svg class="chart" role="img" aria-labelledby="weeks-chart-title weeks-chart-desc".*?</svg>',
        page,
        re.S,
    ).group(0)
    assert '<title id="weeks-chart-title">' in weeks
    assert '<desc id="weeks-chart-desc">' in weeks
    for chart in ("funnel-chart", "coverage-chart", "status-chart", "region-chart"):
        # Labels are HTML text (they wrap, never cut off); the bars are small SVGs.
        match = re.search(
            rf'<figure class="bar-chart[^"]*" id="{chart}" role="img" '
            rf'aria-labelledby="{chart}-title {chart}-desc">.*?</figure>',
            page,
            re.S,
        )
        assert match, chart
        assert f'<span class="visually-hidden" id="{chart}-title">' in match.group(0)
        assert f'<span class="visually-hidden" id="{chart}-desc">' in match.group(0)
        assert "<rect" in match.group(0)
        assert "style=" not in match.group(0)
    funnel = re.search(r'<figure[^>]*id="funnel-chart".*?</figure>', page, re.S).group(0)
    assert re.findall(r'<span class="bar-label">([^<]*)</span>', funnel) == [
        "Received",
        "Reviewed",
        "Shortlisted",
        "Accepted",
    ]
    assert re.findall(r'<span class="bar-value">(\d+)</span>', funnel) == ["8", "6", "4", "2"]
    # Bars are the share of the largest number.
    assert re.findall(r'<svg class="bar" width="([\d.]+)%"', funnel) == [
        "100.0",
        "75.0",
        "50.0",
        "25.0",
    ]
    assert "Received: 8. Reviewed: 6. Shortlisted: 4. Accepted: 2." in funnel
    coverage = text_of(re.search(r'<figure[^>]*id="coverage-chart".*?</figure>', page, re.S)[0])
    assert "Georgia 0 accepted, 1 shortlisted · gap: 3 of 3" in coverage
    assert "Armenia 1 accepted, 1 shortlisted · target 1 met" in coverage
    assert "<script" not in page.split('<main id="main"')[1]


def test_long_call_titles_are_shown_whole_in_the_chart(dataset, editor_client):  # noqa: F811
    title = "Local experts for the economy, energy policy and transport in the South Caucasus"
    dataset["a"].title = {"de": title, "en": title}
    db.session.commit()
    page = editor_client.get("/admin/dashboard?lang=en").text
    chart = re.search(r'<figure[^>]*id="call-chart".*?</figure>', page, re.S).group(0)
    assert re.findall(r'<span class="bar-label">([^<]*)</span>', chart) == [
        "Photographers",
        title,
    ]


def test_the_dashboard_filters_by_call(dataset, admin_client):  # noqa: F811
    call = dataset["a"]
    page = admin_client.get(f"/admin/dashboard?call={call.id}&lang=en").text
    assert "<h1>Dashboard: Local experts wanted</h1>" in page
    assert big_numbers(page)[0] == "7 applications received"
    assert big_numbers(page)[-1] == "5 h 0 min median time to a first answer"
    assert table_rows(page, "coverage-heading")[0] == [
        "Georgia",
        "2",
        "0",
        "1",
        "Gap: 2 missing",
        "0",
    ]
    assert f'<option value="{call.id}" selected>' in page
    assert 'id="calls-heading"' not in page


@pytest.mark.parametrize("value", ["abc", "999999", "1e3"])
def test_an_unknown_call_filter_is_a_404(dataset, admin_client, value):  # noqa: F811
    assert admin_client.get(f"/admin/dashboard?call={value}").status_code == 404


def test_an_empty_dashboard(app, call, editor_client):
    page = editor_client.get("/admin/dashboard?lang=en").text
    assert big_numbers(page)[0] == "0 applications received"
    assert "– median time to a first answer" in big_numbers(page)[-1]
    assert table_rows(page, "region-heading") == [["No applications yet."]]


def test_signed_out_visitors_are_sent_to_sign_in(app, client):
    response = client.get("/admin/dashboard")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_the_dashboard_runs_a_bounded_number_of_queries(
    dataset,  # noqa: F811
    editor_client,
    make_application,
):
    def queries_for_one_page() -> int:
        db.session.commit()
        with statements_sent() as statements:
            assert editor_client.get("/admin/dashboard").status_code == 200
        return len(statements)

    before = queries_for_one_page()
    for region in ("georgia", "armenia", "dagestan") * 10:
        make_application(region=region, status="shortlisted")
    assert queries_for_one_page() == before
    assert before <= 25
