"""One date format on every page: tracker.dates, and nothing else formats a date."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from flask import render_template_string
from flask_babel import force_locale

from tracker.dates import day, day_formatter, moment, short_day

ROOT = Path(__file__).resolve().parents[1]
WHEN = datetime(2026, 12, 3, 14, 5)  # stored times are naive UTC


@pytest.mark.parametrize(
    ("language", "expected_day", "expected_moment", "expected_short"),
    [
        ("de", "3. Dez. 2026", "3. Dez. 2026, 14:05", "3. Dez."),
        ("en", "3 Dec 2026", "3 Dec 2026, 14:05", "3 Dec"),
        # CLDR keeps "2026 г." together with a narrow no-break space.
        ("ru", "3 дек. 2026\u202fг.", "3 дек. 2026\u202fг., 14:05", "3 дек."),
    ],
)
def test_one_format_in_each_language(app, language, expected_day, expected_moment, expected_short):
    with app.test_request_context(), force_locale(language):
        assert day(WHEN) == expected_day
        assert day(date(2026, 12, 3)) == expected_day
        assert moment(WHEN) == expected_moment
        assert moment(WHEN, zone=True) == f"{expected_moment} UTC"
        assert short_day(WHEN) == expected_short


def test_templates_get_day_and_moment_as_globals_and_filters(app):
    source = "{{ day(when) }} | {{ when|day }} | {{ moment(when) }} | {{ when|moment }}"
    with app.test_request_context(), force_locale("de"):
        assert render_template_string(source, when=WHEN) == (
            "3. Dez. 2026 | 3. Dez. 2026 | 3. Dez. 2026, 14:05 | 3. Dez. 2026, 14:05"
        )


def test_calls_list_shows_deadline_in_the_one_format(app, admin_client, call):
    from tracker.extensions import db

    call.closes_at = WHEN
    db.session.commit()
    page = admin_client.get("/admin/calls?lang=de").text
    assert "<td>3. Dez. 2026, 14:05</td>" in page
    page = admin_client.get("/admin/calls?lang=en").text
    assert "<td>3 Dec 2026, 14:05</td>" in page


def test_closed_call_page_says_when_it_opens_with_the_zone(app, client, call):
    from tracker.extensions import db

    call.opens_at = datetime(2099, 12, 3, 14, 5)
    db.session.commit()
    page = client.get(f"/apply/{call.slug}?lang=ru").text
    assert "3 дек. 2099\u202fг., 14:05 UTC" in page


# Any other way to turn a date into text: Jinja's Flask-Babel filters, strftime, Babel's
# formatters, or a CLDR pattern written out ("d MMM y").
STRAY_FORMATS = re.compile(
    r"datetimeformat|\bdateformat|timeformat\b|strftime\(|format_date\(|format_datetime\("
    r"|format_time\(|format_skeleton\(|[\"'][^\"'\n]*\b(?:d\.? MMM|MMM d|dd\.MM|HH:mm)"
)


def test_no_page_or_module_formats_dates_another_way():
    """tracker/dates.py owns the format; a second one anywhere else fails here."""
    allowed = {ROOT / "tracker" / "dates.py"}
    files = [
        path
        for folder in ("templates", "tracker")
        for path in sorted((ROOT / folder).rglob("*"))
        if path.suffix in {".py", ".html", ".txt", ".js"} and path not in allowed
    ]
    assert len(files) > 100
    stray = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in files
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if STRAY_FORMATS.search(line)
    ]
    assert stray == []


def test_emails_carry_no_dates():
    """Every value an email can show is listed: none is a date object. The one date an
    email names – an assignment's deadline – arrives as text tracker.assignments wrote with
    tracker.dates, in the expert's language and time zone."""
    from tracker.mail.templates import EXTRA_PLACEHOLDERS, PLACEHOLDERS

    used = set()
    for path in (ROOT / "templates" / "mail").glob("*.txt"):
        for expression in re.findall(r"{{(.*?)}}", path.read_text(encoding="utf-8")):
            without_strings = re.sub(r"\"[^\"]*\"", "", expression)
            used |= set(
                re.findall(r"(?<![\w.])([a-z_]+(?:\.[a-z_]+)?)(?!\w*\s*=[^=])", without_strings)
            )
    used -= {"_"}
    assert sorted(used) == [
        "assignment_brief",
        "assignment_title",
        "call_link",
        "call_title",
        "deadline",
        "desk_email",
        "editor_name",
        "entry.link",
        "entry.name",
        "entry.reference",
        "entry.regions",
        "erasure_link",
        "fee",
        "full_name",
        "hours",
        "inviter",
        "link",
        "minutes",
        "person",
        "reference",
        "region",
        "rejection_reason",
        "retention_days",
        "sentence",
        "settings_link",
        "site_name",
        "status_link",
        "user.email",
        "user.name",
        "version_note",
    ]
    # What admins may write into the editable templates: no date either.
    assert set(PLACEHOLDERS).union(*EXTRA_PLACEHOLDERS.values()) == {
        "first_name",
        "full_name",
        "call_title",
        "reference",
        "status_link",
        "editor_name",
        "desk_email",
        "site_name",
        "rejection_reason",
        "version_note",
        "retention_days",
        "assignment_title",
        "assignment_brief",
        "fee",
        "deadline",
        "call_link",
    }


def test_day_formatter_gives_the_days_of_day_in_the_configured_zone(app, monkeypatch):
    # Tbilisi is UTC+4: 21:30 UTC on the 3rd is already the 4th there.
    monkeypatch.setattr(app.extensions["babel"], "timezone_selector", lambda: "Asia/Tbilisi")
    late = datetime(2026, 12, 3, 21, 30)
    values = [late, late.replace(tzinfo=UTC), WHEN, WHEN, date(2026, 12, 3)]
    for language in ("de", "en", "ru"):
        with app.test_request_context(), force_locale(language):
            format_day = day_formatter()
            assert [format_day(value) for value in values] == [day(value) for value in values]
    with app.test_request_context(), force_locale("en"):
        assert [day_formatter()(value) for value in values] == [
            "4 Dec 2026",
            "4 Dec 2026",
            "3 Dec 2026",
            "3 Dec 2026",
            "3 Dec 2026",
        ]
