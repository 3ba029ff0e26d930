"""Check one row of an import file: every value against the words the tracker knows.

Regions and topics must be keys of some call's regions and topics; languages are codes
of data/languages.json with a LanguageLevel (``ka:native;de:B2``); the address is checked
as the application form checks it, the name as the form does (names.name_problem). Every
problem of a row is reported, each in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from tracker.applications.names import clean_name, name_problem
from tracker.enums import LanguageLevel
from tracker.extensions import db
from tracker.labels import spoken_language_names
from tracker.models import Call

LIST_SEPARATOR = ";"
LEVEL_SEPARATOR = ":"
# The longest values the experts table holds (models.Expert).
MAX_LENGTHS = {"full_name": 200, "email": 254, "phone": 40, "city": 120, "notes": 5000}
_LEVELS = {level.value.lower(): level.value for level in LanguageLevel}


@dataclass
class Vocabulary:
    """The keys an import may use: regions (with their country) and topics of all calls,
    and the language codes."""

    regions: dict[str, str | None]
    topics: set[str]
    languages: set[str]


def load_vocabulary() -> Vocabulary:
    """Return the region and topic keys of every call and the known language codes."""
    regions: dict[str, str | None] = {}
    topics: set[str] = set()
    for call_regions, call_topics in db.session.execute(
        select(Call.regions, Call.topics).order_by(Call.id)
    ):
        for region in call_regions or []:
            regions.setdefault(region["key"], region.get("country"))
        topics.update(topic["key"] for topic in call_topics or [])
    # "other" needs the language's name, which an import has no column for.
    languages = set(spoken_language_names("en")) - {"other"}
    return Vocabulary(regions, topics, languages)


@dataclass
class ExpertData:
    """The values of a row that passed every check."""

    full_name: str
    email: str
    regions: list[str] = field(default_factory=list)
    languages: list[tuple[str, str]] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    phone: str | None = None
    city: str | None = None
    notes: str | None = None


def _items(text: str) -> list[str]:
    """Return the non-empty ``;``-separated items of *text*, trimmed, each once."""
    return list(dict.fromkeys(item.strip() for item in text.split(LIST_SEPARATOR) if item.strip()))


def _address(text: str, problems: list) -> str:
    """Return the address as the application form stores it, or add why it cannot be one."""
    try:
        result = validate_email(text, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        problems.append(
            _l("“%(email)s” is not an email address we can write to.", email=text[:80])
            if text
            else _l("The email address is missing.")
        )
        return ""
    return result.ascii_email.lower()


def _name(text: str, problems: list) -> str:
    """Return the cleaned name, or add why it cannot be a name."""
    name = clean_name(text) or ""
    if not name:
        problems.append(_l("The name is missing."))
        return ""
    problem = name_problem(name)
    if problem is not None:
        problems.append(problem)
    return name


def _keys(text: str, known, unknown, problems: list) -> list[str]:
    """Return the keys of *text*; add *unknown*(key) for each that *known* lacks."""
    keys = _items(text)
    problems.extend(unknown(key[:60]) for key in keys if key not in known)
    return keys


def _languages(text: str, known: set[str], problems: list) -> list[tuple[str, str]]:
    """Return the (code, level) pairs of ``ka:native;de:B2``; add a problem for each bad one."""
    pairs: dict[str, str] = {}
    for item in _items(text):
        code, separator, level = (part.strip() for part in item.partition(LEVEL_SEPARATOR))
        code = code.lower()
        if not separator or not level:
            problems.append(
                _l(
                    "Write each language with its level, like “ka:native;de:B2”, not “%(item)s”.",
                    item=item[:60],
                )
            )
        elif code not in known:
            problems.append(_l("“%(code)s” is not a language code we know.", code=code[:20]))
        elif level.lower() not in _LEVELS:
            problems.append(
                _l(
                    "“%(level)s” is not a level: write one of %(levels)s.",
                    level=level[:20],
                    levels=", ".join(_LEVELS.values()),
                )
            )
        else:
            pairs.setdefault(code, _LEVELS[level.lower()])
    return list(pairs.items())


def _lengths(cells: dict[str, str], problems: list) -> None:
    for column, limit in MAX_LENGTHS.items():
        if len(cells.get(column, "").strip()) > limit:
            problems.append(
                _l(
                    "The column “%(column)s” is longer than %(max)s characters.",
                    column=column,
                    max=limit,
                )
            )


def check_row(cells: dict[str, str], vocabulary: Vocabulary, problems: list) -> ExpertData:
    """Return the values of *cells*, adding to *problems* everything that is wrong."""
    _lengths(cells, problems)
    data = ExpertData(
        full_name=_name(cells.get("full_name", ""), problems),
        email=_address(cells.get("email", "").strip(), problems),
    )
    data.regions = _keys(
        cells.get("regions", ""),
        vocabulary.regions,
        lambda key: _l("“%(key)s” is not a region of any call.", key=key),
        problems,
    )
    data.languages = _languages(cells.get("languages", ""), vocabulary.languages, problems)
    data.topics = _keys(
        cells.get("topics", ""),
        vocabulary.topics,
        lambda key: _l("“%(key)s” is not a topic of any call.", key=key),
        problems,
    )
    for column in ("phone", "city", "notes"):
        setattr(data, column, cells.get(column, "").strip() or None)
    return data
