"""The cover letter's character counter in a real browser: shown at once, spoken on a pause,
and nothing cut from a paste over the limit."""

from __future__ import annotations

from tests.e2e.conftest import PageWatch

COUNT = ".character-count"
SPOKEN = "#cover_letter ~ [aria-live=polite]"


def test_the_counter_counts_down_and_past_the_limit_without_cutting(live_app, call_slug, new_page):
    page = new_page()
    watch = PageWatch(page)
    page.goto(f"{live_app.base_url}/apply/{call_slug}?lang=en")

    assert page.inner_text(COUNT) == "You have 8,000 characters left"
    assert page.get_attribute(COUNT, "aria-hidden") == "true"
    assert page.inner_text(SPOKEN) == ""  # nothing is announced on load

    # Screen readers hear the count once typing has paused, not on every key. (The text is
    # set without an input event, so only the typing below can announce anything.)
    page.evaluate(
        """selector => {
            document.querySelector("#cover_letter").value = "x".repeat(7980);
            window.announcements = 0;
            new MutationObserver(() => window.announcements++).observe(
                document.querySelector(selector), {childList: true, characterData: true});
        }""",
        SPOKEN,
    )
    page.type("#cover_letter", "y" * 19, delay=20)
    assert page.inner_text(COUNT) == "You have 1 character left"
    page.wait_for_function("selector => document.querySelector(selector).textContent", arg=SPOKEN)
    assert page.inner_text(SPOKEN) == "You have 1 character left"
    assert page.evaluate("window.announcements") == 1

    # A paste over the limit is kept whole; the count says by how much it is too long.
    page.fill("#cover_letter", "Ich berichte aus Kutaissi. " * 400)
    assert page.input_value("#cover_letter") == "Ich berichte aus Kutaissi. " * 400
    assert page.inner_text(COUNT) == "You have 2,800 characters too many"
    assert "is-over" in page.get_attribute(COUNT, "class")

    # An emoji is one character, as the server counts it; a line break is one too.
    page.fill("#cover_letter", "🙂\n" * 10)
    assert page.inner_text(COUNT) == "You have 7,980 characters left"
    assert watch.console_errors == []
