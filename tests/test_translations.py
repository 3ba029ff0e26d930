"""The catalogues are complete, keep their placeholders, and match the source.

Every page language of tracker/ui_languages.py but English (the messages' own) has a
catalogue. The staff languages' catalogues (German, Russian) hold every message; the others
(Georgian, Armenian, Azerbaijani) everything an applicant can see: the apply and status
pages, error pages and the messages of the code behind them.

A message that is new in the source and not yet in the catalogues fails here: run
`make messages`, then translate the new entries.
"""

from __future__ import annotations

import gettext
import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from tracker.ui_languages import STAFF_LANGUAGES, UI_LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "tracker" / "translations"

# A message is applicant-facing if any of its source locations starts with one of these.
APPLICANT_FACING = (
    "templates/base.html",
    "templates/macros.html",
    "templates/apply/",
    "templates/portal/",
    "templates/errors/",
    "tracker/apply/",
    "tracker/portal/",
    "tracker/web/",
    "tracker/labels.py",
    "tracker/call_options.py",
    "tracker/privacy_notice.py",
    "tracker/applications/form_tickets.py",
    "tracker/applications/names.py",
    "tracker/applications/risk.py",
    "tracker/applications/submit.py",
    "tracker/documents/archives.py",
    "tracker/documents/refusals.py",
)

# Every page language but English (the messages' own) has a catalogue. The staff languages'
# catalogues hold every message; the others every applicant-facing one.
CATALOGUES = [language for language in UI_LANGUAGES if language != "en"]
STAFF_CATALOGUES = [language for language in STAFF_LANGUAGES if language != "en"]

# The same keywords as `make messages`: Babel's defaults plus the lazy variants.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
# Only these top-level folders hold sources named in babel.cfg; skipping the rest keeps it fast.
SOURCE_DIRS = ("tracker", "templates")

NAMED_PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc]")
JINJA_EXPRESSION = re.compile(r"\{\{.*?\}\}")
JINJA_STATEMENT = re.compile(r"\{%%?.*?%?%\}")


@cache
def catalog(language: str) -> Catalog:
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as fileobj:
        return read_po(fileobj, locale=language)


def entries(language: str) -> list:
    return [message for message in catalog(language) if message.id]


def label(message) -> str:
    msgid = message.id[0] if isinstance(message.id, tuple) else message.id
    return msgid[:80]


def forms(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def source_ids(message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def is_applicant_facing(locations) -> bool:
    return any(filename.replace("\\", "/").startswith(APPLICANT_FACING) for filename in locations)


@cache
def extracted() -> dict[str | tuple[str, ...], set[str]]:
    """Every message the source holds today, with the files it comes from."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as fileobj:
        method_map, options_map = parse_mapping_cfg(fileobj, filename="babel.cfg")

    def only_sources(dirpath: str) -> bool:
        relative = Path(dirpath).resolve().relative_to(ROOT).parts
        return not relative or (
            relative[0] in SOURCE_DIRS and not any(p.startswith((".", "_")) for p in relative)
        )

    messages: dict[str | tuple[str, ...], set[str]] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT),
        method_map,
        options_map,
        keywords=KEYWORDS,
        strip_comment_tags=True,
        directory_filter=only_sources,
    ):
        messages.setdefault(message, set()).add(filename)
    return messages


def tokens(text: str) -> tuple[set[str], list[str], list[str], int]:
    return (
        set(NAMED_PLACEHOLDER.findall(text)),
        sorted(JINJA_EXPRESSION.findall(text)),
        sorted(JINJA_STATEMENT.findall(text)),
        text.count("%%"),
    )


def test_the_russian_catalogue_has_the_right_plural_rule():
    ru = catalog("ru")
    assert ru.num_plurals == 3
    choose = gettext.c2py(ru.plural_expr)
    # one: 1, 21, 101; few: 2–4, 22–24; many: 0, 5–20, 25–30, 111–114.
    numbers = (0, 1, 2, 4, 5, 11, 12, 14, 15, 20, 21, 22, 24, 25, 101, 111, 112, 114, 121, 1002)
    expected = (2, 0, 1, 1, 2, 2, 2, 2, 2, 2, 0, 1, 1, 2, 0, 2, 2, 2, 0, 1)
    assert tuple(choose(n) for n in numbers) == expected


def test_every_page_language_has_a_catalogue_and_no_other_does():
    present = sorted(path.name for path in TRANSLATIONS.iterdir() if path.is_dir())
    assert present == sorted(CATALOGUES)


@pytest.mark.parametrize("language", STAFF_CATALOGUES)
def test_every_message_of_a_staff_language_is_translated_and_none_is_fuzzy(language):
    missing = [label(m) for m in entries(language) if not all(forms(m))]
    wrong_count = [
        label(m)
        for m in entries(language)
        if isinstance(m.id, tuple) and len(forms(m)) != catalog(language).num_plurals
    ]
    fuzzy = [label(m) for m in entries(language) if m.fuzzy]
    assert not missing, f"{len(missing)} {language} messages are not translated: {missing}"
    assert not wrong_count, (
        f"{language} plural entries need {catalog(language).num_plurals} forms: {wrong_count}"
    )
    assert not fuzzy, f"{language} messages marked fuzzy (check them, then drop the flag): {fuzzy}"
    assert not catalog(language).fuzzy, f"the {language} catalogue's header is marked fuzzy"


@pytest.mark.parametrize("language", CATALOGUES)
def test_every_applicant_facing_message_is_translated(language):
    wanted = catalog(language)
    sources = extracted()
    missing = []
    for message in entries(language):
        locations = {filename for filename, _line in message.locations}
        locations |= sources.get(message.id, set())
        if is_applicant_facing(locations) and (
            not all(forms(message))
            or len(forms(message)) != wanted.num_plurals
            and message.pluralizable
        ):
            missing.append(label(message))
    new_ones = [
        (msgid[0] if isinstance(msgid, tuple) else msgid)[:80]
        for msgid, locations in sources.items()
        if is_applicant_facing(locations) and wanted.get(msgid) is None
    ]
    assert not missing, f"{len(missing)} applicant-facing messages lack {language}: {missing}"
    assert not new_ones, (
        f"applicant-facing messages missing from {language}/messages.po: {new_ones}"
    )


@pytest.mark.parametrize("language", CATALOGUES)
def test_translations_keep_their_placeholders(language):
    problems = []
    for message in entries(language):
        ids = source_ids(message)
        # Every form (plural ones too) keeps all the names of the msgid and msgid_plural,
        # and the literal {{ … }} and {%% … %%} tokens of the template-editing help texts.
        names = set().union(*(tokens(text)[0] for text in ids))
        wanted = (names, *tokens(ids[0])[1:])
        for index, text in enumerate(forms(message)):
            if text and tokens(text) != wanted:
                problems.append(f"{label(message)!r} [{index}]: {text!r}")
    assert not problems, "placeholders differ from the msgid:\n" + "\n".join(problems)


def test_the_catalogues_hold_every_message_of_the_source():
    de = catalog("de")
    sources = extracted()
    assert len(sources) > 100, "extraction found almost nothing: check babel.cfg"
    missing = [
        (msgid[0] if isinstance(msgid, tuple) else msgid)[:80]
        for msgid in sources
        if de.get(msgid) is None
    ]
    assert not missing, (
        f"{len(missing)} messages in the source are not in de/messages.po – run `make messages` "
        f"and translate them: {missing}"
    )
    wrong_plural = [
        msgid[0][:80]
        for msgid in sources
        if isinstance(msgid, tuple) and de.get(msgid) is not None and de.get(msgid).id != msgid
    ]
    assert not wrong_plural, f"plural forms differ from the source: {wrong_plural}"
