"""Further languages in a real browser: "Add another language" adds a row in the page."""

from __future__ import annotations

from tests.e2e.conftest import DESKTOP, PageWatch


def test_add_another_language_adds_a_numbered_row_and_focuses_it(live_app, call_slug, new_page):
    page = new_page(DESKTOP)
    watch = PageWatch(page)
    page.goto(f"{live_app.base_url}/apply/{call_slug}?lang=en")
    rows = page.locator("[data-language-rows] [data-language-row]")
    assert rows.count() == 1
    # The name of a language only shows once "Other language" is chosen.
    assert not page.locator("#other_languages-0-language_name").is_visible()
    page.select_option("#other_languages-0-language", "other")
    assert page.locator("#other_languages-0-language_name").is_visible()
    page.fill("#other_languages-0-language_name", "Udi")

    page.evaluate("window.stillTheSamePage = true")
    page.get_by_role("button", name="Add another language").click()
    assert page.evaluate("window.stillTheSamePage") is True  # no reload: added in the page
    assert rows.count() == 2
    assert page.evaluate("document.activeElement.id") == "other_languages-1-language"
    assert page.get_by_label("Language 2", exact=True).count() == 1
    assert page.get_by_label("Level 2", exact=True).count() == 1
    assert page.input_value("#other_languages-0-language_name") == "Udi"

    for _ in range(8):
        page.get_by_role("button", name="Add another language").click()
    assert rows.count() == 10
    assert page.evaluate("document.activeElement.id") == "other_languages-9-language"
    assert not page.get_by_role("button", name="Add another language").is_visible()
    assert page.get_by_text("You have added as many languages as the form takes.").is_visible()
    assert watch.console_errors == []


def test_remove_takes_a_row_out_and_numbers_the_rest_again(live_app, call_slug, new_page):
    page = new_page(DESKTOP)
    watch = PageWatch(page)
    page.goto(f"{live_app.base_url}/apply/{call_slug}?lang=en")
    add = page.get_by_role("button", name="Add another language")
    for index, code in enumerate(["ka", "ru", "hy"]):
        if index:
            add.click()
        page.select_option(f"#other_languages-{index}-language", code)
    page.get_by_role("button", name="Remove language 2").click()
    # Armenian moved up: it is row 2 now, by id, name, label and button, and has focus.
    assert page.evaluate("document.activeElement.id") == "other_languages-1-language"
    assert page.input_value("#other_languages-1-language") == "hy"
    assert page.get_attribute("#other_languages-1-language", "name") == (
        "other_languages-1-language"
    )
    assert page.get_by_label("Language 2", exact=True).input_value() == "hy"
    assert page.get_by_role("button", name="Remove language 2").count() == 1
    assert page.locator("#other_languages-2-language").count() == 0
    add.click()
    assert page.evaluate("document.activeElement.id") == "other_languages-2-language"
    assert page.get_by_label("Language 3", exact=True).count() == 1
    assert watch.console_errors == []
