"""The language switcher keeps what the applicant typed, and the inbox filter."""

from __future__ import annotations

import html
import io
import re

from sqlalchemy import func, select

from tests.applying import sample
from tests.conftest import hidden_fields
from tracker.extensions import db
from tracker.models import Application


def form_data(page: str, **extra) -> dict:
    return {
        **hidden_fields(page),
        "full_name": "Nino Beridze",
        "email": "nino@example.org",
        "home_country": "georgia",
        "city": "Kutaisi",
        "regions": ["chechnya", "ingushetia"],
        "german_level": "B2",
        "topics": ["politics", "energy"],
        "cover_letter": "Ich schreibe über <Westgeorgien>.",
        "consent": "y",
        **extra,
    }


def value_of(page: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page)
    return html.unescape(match.group(1))


def test_switching_language_on_the_form_keeps_the_answers_and_the_files(app, client, call):
    page = client.get(f"/apply/{call.slug}?lang=en").text
    assert 'name="switch_language" value="de"' in page
    assert 'form="application-form"' in page
    switched = client.post(
        f"/apply/{call.slug}",
        data=form_data(
            page,
            switch_language="de",
            cv=(io.BytesIO(sample("cv.pdf")), "Lebenslauf.pdf"),
        ),
        content_type="multipart/form-data",
    )
    assert switched.status_code == 200
    text = switched.text
    assert '<html lang="de">' in text
    assert "There is a problem" not in text
    assert "Es gibt ein Problem" not in text
    assert value_of(text, "full_name") == "Nino Beridze"
    assert value_of(text, "city") == "Kutaisi"
    assert re.search(r'<option selected value="georgia">|<option value="georgia" selected', text)
    assert re.search(r'value="politics"[^>]*checked|checked[^>]*value="politics"', text)
    for region in ("chechnya", "ingushetia"):
        assert re.search(rf'checked[^>]*value="{region}"|value="{region}"[^>]*checked', text)
    assert "Ich schreibe über &lt;Westgeorgien&gt;." in text
    # The file was checked and kept: shown by name, its input still there to replace it.
    assert '<span class="kept-name">Lebenslauf.pdf</span> ✓' in text
    assert 'id="cv" name="cv"' in text
    assert 'role="status"' not in text  # no "choose your files again" any more
    # Nothing was stored, and the next page is German too.
    assert db.session.scalar(select(func.count()).select_from(Application)) == 0
    assert '<html lang="de">' in client.get(f"/apply/{call.slug}").text


def test_switching_language_without_files_shows_no_kept_file(client, call):
    page = client.get(f"/apply/{call.slug}?lang=en").text
    switched = client.post(f"/apply/{call.slug}", data=form_data(page, switch_language="ru"))
    assert switched.status_code == 200
    assert '<html lang="ru">' in switched.text
    assert "kept-name" not in switched.text


def test_switching_to_an_unknown_language_keeps_the_current_one(client, call):
    page = client.get(f"/apply/{call.slug}?lang=en").text
    switched = client.post(f"/apply/{call.slug}", data=form_data(page, switch_language="xx"))
    assert switched.status_code == 200
    assert '<html lang="en">' in switched.text
    assert value_of(switched.text, "full_name") == "Nino Beridze"


def test_language_links_elsewhere_keep_the_query_string(client, call):
    page = client.get("/privacy?lang=en&x=1").text
    assert 'href="/privacy?lang=de&amp;x=1"' in page
    assert "switch_language" not in page


def test_enter_in_a_field_submits_the_application_not_the_switcher(client, call):
    """Implicit submission clicks the first submit button of the form: a hidden one."""
    page = client.get(f"/apply/{call.slug}?lang=en").text
    first = re.search(r'<button[^>]*form="application-form"[^>]*>', page).group(0)
    assert "hidden" in first
    assert "switch_language" not in first


def test_the_browsers_language_picks_among_all_six_on_public_pages_only(client, call):
    """Accept-Language chooses Georgian, Armenian or Azerbaijani on the applicant's pages;
    staff pages are offered only in the languages they are complete in (German, English,
    Russian), so a Georgian browser gets the login page in English."""
    for code in ("ka", "hy", "az"):
        page = client.get(f"/apply/{call.slug}", headers={"Accept-Language": code}).text
        assert f'<html lang="{code}">' in page
        assert f'<span aria-current="true" lang="{code}">' in page
    login = client.get("/auth/login", headers={"Accept-Language": "ka, en;q=0.5"}).text
    assert '<html lang="en">' in login
    assert 'lang="ka"' not in login  # the switcher there offers staff languages only
    assert client.get("/auth/login?lang=ka").text.count('<html lang="de">') == 1


def test_a_call_without_the_pages_language_shows_another_marked_with_a_note(client, call):
    """A call with no Georgian text shows its English one, marked lang="en", and says so in
    Georgian; a call that has Georgian shows no note."""
    with_georgian = client.get(f"/apply/{call.slug}?lang=ka").text
    assert "call-language-note" not in with_georgian
    assert f"<h1>{html.escape(call.title['ka'])}</h1>" in with_georgian

    call.title = {code: text for code, text in call.title.items() if code != "ka"}
    call.description = {code: text for code, text in call.description.items() if code != "ka"}
    db.session.commit()
    page = client.get(f"/apply/{call.slug}?lang=ka").text
    assert f'<h1 lang="en">{call.title["en"]}</h1>' in page
    assert (
        '<p class="muted call-language-note">ეს კონკურსი თქვენს ენაზე ჯერ არ არის '
        "ხელმისაწვდომი. აქ ნაჩვენებია: English.</p>"
    ) in page
    first_paragraph = html.escape(call.description["en"].split("\n\n")[0])
    assert re.search(rf'<div lang="en">\s*<p>{re.escape(first_paragraph)}</p>', page)
