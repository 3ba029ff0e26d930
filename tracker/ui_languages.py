"""The languages tracker's pages and emails are written in: the one list to extend.

Everything that offers, picks or checks a page language reads it here: the locale selector
(:func:`tracker.select_locale`), the language switchers, the applicant's preferred-language
choice, the email templates seeded and required per language, the call texts admins write
per language, the staff accounts' languages, the CLI choices and the translation tests. The
database stores language codes without enumerating them, so a new language needs no
migration. Adding one is three steps, listed in the README ("Adding a language").
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UiLanguage:
    """A language the applicant pages (and perhaps the staff pages) are complete in.

    :param code: ISO 639-1 code: the catalogue's folder in tracker/translations, the
        suffix of the email templates (templates/mail/<key>.<code>.txt), the stored value.
    :param name: the language's name in itself, as the switchers show it.
    :param staff: the staff pages are complete in it too, so staff accounts may choose it.
    :param fallback: where a call has no text of its own in this language, the versions
        shown instead, in this order (the page says so).
    """

    code: str
    name: str
    staff: bool
    fallback: tuple[str, ...]


# The order of the switchers. German is the site's main language: every message and every
# call has it, so it ends every fallback chain.
LANGUAGES = (
    UiLanguage("de", "Deutsch", staff=True, fallback=("en",)),
    UiLanguage("en", "English", staff=True, fallback=("de",)),
    UiLanguage("ru", "Русский", staff=True, fallback=("en", "de")),
    UiLanguage("ka", "ქართული", staff=False, fallback=("en", "de")),
    UiLanguage("hy", "Հայերեն", staff=False, fallback=("en", "de")),
    UiLanguage("az", "Azərbaycanca", staff=False, fallback=("en", "de")),
)
MAIN_LANGUAGE = "de"

UI_LANGUAGES = tuple(language.code for language in LANGUAGES)
STAFF_LANGUAGES = tuple(language.code for language in LANGUAGES if language.staff)
# Each language's own name, for switchers and choices: {"de": "Deutsch", …}.
LANGUAGE_NAMES = {language.code: language.name for language in LANGUAGES}
_FALLBACKS = {language.code: language.fallback for language in LANGUAGES}


def shown_language(texts: dict, language: str) -> str | None:
    """Return which version of *texts* (``{code: text}``) a page in *language* shows.

    Its own if it has one, else the language's fallbacks in order, else any version; None
    when every version is empty.
    """
    for code in (language, *_FALLBACKS.get(language, (MAIN_LANGUAGE,))):
        if (texts.get(code) or "").strip():
            return code
    return next((code for code, text in texts.items() if (text or "").strip()), None)


def localized(texts: dict, language: str) -> str:
    """Return the version of *texts* a page in *language* shows ("" if none has text)."""
    code = shown_language(texts, language)
    return texts[code] if code is not None else ""
