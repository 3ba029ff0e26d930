"""Fill a database with realistic fake applications, for demonstrations and benchmarks.

`seed_demo` writes applicants from the regions of the default call, with names from the
matching Faker locales (Georgian, Armenian, Azerbaijani, Russian, German) in native script
or Latin transliteration, cities by region, German plus the region's languages with
levels, topics of the call, statuses spread over the pipeline with their history,
``created_at`` spread over the last twelve months, cover letters in German, English or
Russian, and real documents (PDF, DOCX, ODT, TXT) in storage with their extracted text and
search entries. No email is queued: addresses are under the reserved example.* domains.

Benchmark word: ``Anaklia`` (`BENCHMARK_WORD`) appears in the CV of about 1 % of the
applications (`BENCHMARK_SHARE`) and nowhere else in the generated data, so a search for
it should find about n / 100 applications.

Files: 100,000 applications bring ~250,000 documents. Writing and fsyncing a distinct file
for each would take most of an hour and gigabytes, so a handful of template documents are
built once (each stored by `storage.store_staged` on first use) and every further
document gets its own storage key whose file is a hard link to a template's file (a copy
where the filesystem has no hard links). Every row therefore has a file of its own name,
size and sha256, as `storage reconcile` expects, and deleting one leaves the others
alone. A file gets at most `LINKS_PER_FILE` links before a fresh copy is made, which
stays far below every filesystem's link limit. Links are not fsynced: this is demo data.

Rows are written with bulk INSERTs, `BATCH_SIZE` applications per transaction, so memory
stays flat however many applications are asked for.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import secrets
import shutil
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from faker import Faker
from faker.decode import unidecode
from flask import current_app
from sqlalchemy import insert, select

from tracker.applications.people import name_key
from tracker.applications.submit import REFERENCE_ALPHABET
from tracker.calls import seed_default_call
from tracker.database import begin_write
from tracker.documents.extract import extract_text
from tracker.documents.storage import delete_stored, new_staging_path, path_for, store_staged
from tracker.documents.validate import CONTENT_TYPES, sanitise_filename
from tracker.enums import (
    FINAL_STATUSES,
    TRANSITIONS,
    DocumentKind,
    FileType,
    RejectionReason,
    Status,
)
from tracker.extensions import db
from tracker.models import (
    Application,
    ApplicationLanguage,
    ApplicationTopic,
    Document,
    SearchEntry,
    StatusChange,
    utcnow,
)
from tracker.search import search_text

BATCH_SIZE = 1000
LINKS_PER_FILE = 1000
BENCHMARK_WORD = "Anaklia"
BENCHMARK_SHARE = 0.01
LOCALES = ("de_DE", "ka_GE", "hy_AM", "az_AZ", "ru_RU")
# RFC 2606 domains: no demo address can ever reach a real mailbox.
EMAIL_DOMAINS = ("example.org", "example.com", "example.net")

# Region → (Faker locale, dialling code, [(Latin name, native name), …]).
REGIONS: dict[str, tuple[str, str, list[tuple[str, str]]]] = {
    "georgia": (
        "ka_GE",
        "+995",
        [
            ("Tbilisi", "თბილისი"),
            ("Kutaisi", "ქუთაისი"),
            ("Batumi", "ბათუმი"),
            ("Rustavi", "რუსთავი"),
            ("Zugdidi", "ზუგდიდი"),
            ("Gori", "გორი"),
            ("Poti", "ფოთი"),
            ("Telavi", "თელავი"),
            ("Akhaltsikhe", "ახალციხე"),
            ("Mestia", "მესტია"),
        ],
    ),
    "abkhazia": (
        "ru_RU",
        "+7",
        [("Sukhum", "Сухум"), ("Gagra", "Гагра"), ("Gudauta", "Гудаута"), ("Gali", "Гал")],
    ),
    "tskhinvali": (
        "ru_RU",
        "+995",
        [("Tskhinvali", "Цхинвал"), ("Java", "Дзау"), ("Akhalgori", "Ахалгори")],
    ),
    "armenia": (
        "hy_AM",
        "+374",
        [
            ("Yerevan", "Երևան"),
            ("Gyumri", "Գյումրի"),
            ("Vanadzor", "Վանաձոր"),
            ("Vagharshapat", "Վաղարշապատ"),
            ("Dilijan", "Դիլիջան"),
            ("Kapan", "Կապան"),
            ("Goris", "Գորիս"),
        ],
    ),
    "azerbaijan": (
        "az_AZ",
        "+994",
        [
            ("Baku", "Bakı"),
            ("Ganja", "Gəncə"),
            ("Sumgait", "Sumqayıt"),
            ("Lankaran", "Lənkəran"),
            ("Shaki", "Şəki"),
            ("Quba", "Quba"),
        ],
    ),
    "nakhchivan": (
        "az_AZ",
        "+994",
        [("Nakhchivan", "Naxçıvan"), ("Ordubad", "Ordubad"), ("Julfa", "Culfa")],
    ),
    "karabakh": (
        "az_AZ",
        "+994",
        [("Shusha", "Şuşa"), ("Aghdam", "Ağdam"), ("Fuzuli", "Füzuli"), ("Lachin", "Laçın")],
    ),
    "dagestan": (
        "ru_RU",
        "+7",
        [("Makhachkala", "Махачкала"), ("Derbent", "Дербент"), ("Khasavyurt", "Хасавюрт")],
    ),
    "chechnya": (
        "ru_RU",
        "+7",
        [("Grozny", "Грозный"), ("Gudermes", "Гудермес"), ("Urus-Martan", "Урус-Мартан")],
    ),
    "ingushetia": (
        "ru_RU",
        "+7",
        [("Magas", "Магас"), ("Nazran", "Назрань"), ("Malgobek", "Малгобек")],
    ),
    "north_ossetia": (
        "ru_RU",
        "+7",
        [("Vladikavkaz", "Владикавказ"), ("Beslan", "Беслан"), ("Mozdok", "Моздок")],
    ),
    "kabardino_balkaria": (
        "ru_RU",
        "+7",
        [("Nalchik", "Нальчик"), ("Baksan", "Баксан"), ("Tyrnyauz", "Тырныауз")],
    ),
    "karachay_cherkessia": (
        "ru_RU",
        "+7",
        [("Cherkessk", "Черкесск"), ("Karachayevsk", "Карачаевск")],
    ),
    "adygea": ("ru_RU", "+7", [("Maykop", "Майкоп"), ("Adygeysk", "Адыгейск")]),
    "elsewhere": (
        "de_DE",
        "+49",
        [
            ("Berlin", "Berlin"),
            ("Hamburg", "Hamburg"),
            ("Wien", "Wien"),
            ("Zürich", "Zürich"),
            ("Istanbul", "İstanbul"),
            ("Prag", "Praha"),
            ("Warschau", "Warszawa"),
            ("Riga", "Rīga"),
        ],
    ),
}
REGION_WEIGHTS = {
    "georgia": 28,
    "abkhazia": 3,
    "tskhinvali": 2,
    "armenia": 16,
    "azerbaijan": 14,
    "nakhchivan": 2,
    "karabakh": 2,
    "dagestan": 6,
    "chechnya": 4,
    "ingushetia": 2,
    "north_ossetia": 3,
    "kabardino_balkaria": 2,
    "karachay_cherkessia": 1,
    "adygea": 1,
    "elsewhere": 14,
}
# Languages people of each region work in besides German, the most common first.
REGION_LANGUAGES: dict[str, list[str]] = {
    "georgia": ["ka", "ru", "en", "xmf"],
    "abkhazia": ["ru", "ab", "en"],
    "tskhinvali": ["ru", "os", "ka"],
    "armenia": ["hy", "ru", "en", "fa"],
    "azerbaijan": ["az", "ru", "en", "tr"],
    "nakhchivan": ["az", "tr", "ru"],
    "karabakh": ["az", "ru", "en"],
    "dagestan": ["ru", "av", "lez"],
    "chechnya": ["ru", "ce", "en"],
    "ingushetia": ["ru", "inh"],
    "north_ossetia": ["ru", "os", "en"],
    "kabardino_balkaria": ["ru", "kbd"],
    "karachay_cherkessia": ["ru", "kbd"],
    "adygea": ["ru", "kbd"],
    "elsewhere": ["en", "ru", "fr", "uk"],
}
NATIVE_LANGUAGES = {"ka_GE": "ka", "hy_AM": "hy", "az_AZ": "az", "ru_RU": "ru"}
GERMAN_LEVELS = {"A2": 4, "B1": 14, "B2": 28, "C1": 30, "C2": 14, "native": 10}
OTHER_LEVELS = {"B1": 10, "B2": 25, "C1": 35, "C2": 15, "native": 15}
# Where applications stand, roughly as in a call that has been open for a year.
STATUS_WEIGHTS = {
    Status.NEW: 34,
    Status.IN_REVIEW: 18,
    Status.SHORTLISTED: 8,
    Status.TRIAL: 4,
    Status.ACCEPTED: 5,
    Status.ON_HOLD: 6,
    Status.REJECTED: 22,
    Status.WITHDRAWN: 3,
}
HEARD_ABOUT = ("website", "social_media", "colleague", "newsletter", "university", "other")
HEARD_ABOUT_OTHER = ("Telegram", "Konferenz in Tiflis", "Radio", "Facebook-Gruppe")

_GEORGIAN_LATIN = dict(
    zip(
        "აბგდევზთიკლმნოპჟრსტუფქღყშჩცძწჭხჯჰ",
        # The national romanisation of 2002, as on Georgian passports.
        [*"abgdevztiklmnop", "zh", *"rstupk", "gh", "q", "sh", "ch", "ts", "dz", "ts", "ch"]
        + ["kh", "j", "h"],
        strict=True,
    )
)

# -- cover letters -----------------------------------------------------------------------------

LETTER_OPENINGS = {
    "de": ["Sehr geehrte Redaktion,", "Liebe Kolleginnen und Kollegen,", "Guten Tag,"],
    "en": ["Dear editors,", "Dear editorial team,", "Hello,"],
    "ru": ["Уважаемая редакция!", "Добрый день!", "Здравствуйте!"],
}
LETTER_SENTENCES = {
    "de": [
        "ich lebe in {city} und berichte seit {years} Jahren über {region}.",
        "Mein Schwerpunkt ist {topic}; dazu habe ich für lokale und internationale Medien "
        "recherchiert.",
        "Ich spreche die Sprachen der Region und habe verlässliche Quellen in Verwaltung und "
        "Zivilgesellschaft.",
        "Gerne würde ich Reportagen und Analysen für ein deutschsprachiges Publikum schreiben.",
        "Ich arbeite als Fixer und Übersetzer für ausländische Korrespondenten.",
        "Meine Texte erschienen bisher vor allem auf Russisch und Englisch.",
        "Ich habe ein Netzwerk in Dörfern und Kleinstädten, die selten in den Nachrichten "
        "vorkommen.",
    ],
    "en": [
        "I live in {city} and have been reporting on {region} for {years} years.",
        "My focus is {topic}, which I have covered for local and international outlets.",
        "I speak the languages of the region and have trusted sources in local government "
        "and civil society.",
        "I would like to write features and analysis for a German-speaking audience.",
        "I also work as a fixer and interpreter for foreign correspondents.",
        "Most of my work so far has been published in Russian and English.",
        "I know villages and small towns that rarely make the news.",
    ],
    "ru": [
        "Я живу в городе {city} и уже {years} лет пишу о регионе {region}.",
        "Моя основная тема – {topic}; я писал(а) об этом для местных и международных СМИ.",
        "Я говорю на языках региона и знаю надёжные источники в администрации и "
        "гражданском обществе.",
        "Я хотел(а) бы писать репортажи и аналитику для немецкоязычной аудитории.",
        "Я также работаю фиксером и переводчиком для иностранных корреспондентов.",
        "Мои тексты выходили на русском и английском языках.",
        "Я хорошо знаю сёла и малые города, о которых редко пишут.",
    ],
}
LETTER_CLOSINGS = {
    "de": "Mit freundlichen Grüßen",
    "en": "Kind regards,",
    "ru": "С уважением,",
}

# -- template documents ------------------------------------------------------------------------

CV_EN = [
    "Curriculum Vitae",
    "Freelance journalist, fixer and translator",
    "Experience",
    "2020–2025  Correspondent for a regional news agency",
    "2017–2020  Producer for international broadcasters",
    "2015–2017  Reporter, local newspaper",
    "Education",
    "MA in International Relations",
    "Training in data journalism and verification",
    "Skills",
    "Interviews in difficult settings, archive research, photo and video",
]
CV_DE = [
    "Lebenslauf",
    "Freie Journalistin und Übersetzerin",
    "Berufserfahrung",
    "2019–2025  Korrespondentin einer Nachrichtenagentur",
    "2016–2019  Redakteurin bei einem regionalen Fernsehsender",
    "Ausbildung",
    "Master in Politikwissenschaft",
    "Sprachkurs Deutsch, Goethe-Institut",
    "Schwerpunkte: Wahlen, Energiepolitik, Minderheitenrechte",
]
CV_RU = [
    "Резюме",
    "Журналист, фиксер и переводчик",
    "Опыт работы",
    "2018–2025  Корреспондент регионального информационного агентства",
    "2015–2018  Редактор новостей на местном телевидении",
    "Образование",
    "Магистр журналистики",
    "Темы: выборы, экономика, права меньшинств, экология",
]
# The benchmark CVs: the same, with one line naming Anaklia.
CV_EN_BENCHMARK = [
    *CV_EN[:6],
    f"2014–2015  Research on the {BENCHMARK_WORD} deep-sea port project",
    *CV_EN[6:],
]
CV_DE_BENCHMARK = [
    *CV_DE[:5],
    f"2014–2016  Recherche zum Tiefseehafen {BENCHMARK_WORD}",
    *CV_DE[5:],
]
LETTER_DE = [
    "Sehr geehrte Redaktion,",
    "hiermit bewerbe ich mich als lokale Autorin. Ich lebe in der Region, über die ich "
    "schreibe, und kenne ihre Menschen, ihre Konflikte und ihre Geschichten.",
    "Ich freue mich auf Ihre Antwort.",
    "Mit freundlichen Grüßen",
]
LETTER_EN = [
    "Dear editors,",
    "I am applying to write for you as a local contributor. I have lived here all my life "
    "and know the people, the conflicts and the stories that outsiders miss.",
    "I look forward to hearing from you.",
    "Kind regards",
]
LETTER_RU = [
    "Уважаемая редакция!",
    "Прошу рассмотреть мою кандидатуру в качестве местного автора. Я живу в регионе, о "
    "котором пишу, и знаю его людей, конфликты и истории.",
    "С уважением",
]
SAMPLE_DE = [
    "Das Dorf, das auf den Bus wartet",
    "Zweimal am Tag fährt ein Bus in die Hauptstadt. Wer ihn verpasst, verpasst den Arzt, "
    "das Amt und oft die Arbeit. Die Bewohner haben gelernt, ihr Leben nach dem Fahrplan "
    "zu richten.",
    "Die neue Straße wurde vor drei Jahren versprochen. Gebaut wurde bisher ein Schild.",
    "Im Winter bleiben nur die Alten. Die Jungen arbeiten in der Stadt oder im Ausland und "
    "schicken Geld, das für Medikamente und Brennholz reicht.",
]
SAMPLE_EN = [
    "The valley that exports its young",
    "Every spring the minibuses leave full and come back empty. Remittances now pay for "
    "more roofs than the harvest does.",
    "Local officials speak of a new processing plant. The farmers speak of the price of diesel.",
]
SAMPLE_RU = [
    "Вода по расписанию",
    "В посёлке вода идёт три часа утром и два часа вечером. Люди запасают её в бочках и "
    "вёдрах и планируют день вокруг крана.",
    "Новую насосную станцию обещают уже пятый год.",
]


@dataclass
class DemoReport:
    """What `seed_demo` created."""

    applications: int = 0
    documents: int = 0
    call_slug: str = ""


@dataclass
class _Template:
    """One template document: built and stored on first use, then linked."""

    name: str
    file_type: FileType
    build: Callable[[], bytes]
    source: Path | None = None
    links: int = 0
    size: int = 0
    sha256: str = ""
    text: str | None = None


@dataclass
class _Files:
    """The template documents and the files made from them in the current batch."""

    templates: dict[str, _Template]
    created: list[str] = field(default_factory=list)
    prefixes: set[str] = field(default_factory=set)

    def new_file(self, template: _Template) -> str:
        """Return the storage key of a new file with *template*'s content."""
        if template.source is None:
            # The first document of a template stores it the way uploads are stored.
            data = template.build()
            staged = new_staging_path()
            fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            key = store_staged(staged)
            template.source = path_for(key)
            template.size = len(data)
            template.sha256 = hashlib.sha256(data).hexdigest()
            template.text = extract_text(template.source, template.file_type)
            self.created.append(key)
            return key
        copy = template.links >= LINKS_PER_FILE
        key = self._place(template.source, copy=copy)
        if copy:
            template.source, template.links = path_for(key), 0
        template.links += 1
        return key

    def _place(self, source: Path, *, copy: bool) -> str:
        while True:
            key = secrets.token_hex(16)
            destination = path_for(key)
            if key[:2] not in self.prefixes:
                destination.parent.mkdir(mode=0o700, exist_ok=True)
                self.prefixes.add(key[:2])
            # 128 random bits do not collide in practice; never overwrite all the same.
            if os.path.lexists(destination):
                continue
            if copy:
                _copy_file(source, destination)
            else:
                try:
                    os.link(source, destination)
                except OSError:
                    # A filesystem without hard links (some network and FUSE mounts).
                    _copy_file(source, destination)
            self.created.append(key)
            return key


def _copy_file(source: Path, destination: Path) -> None:
    fd = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with open(source, "rb") as reader, os.fdopen(fd, "wb") as writer:
        shutil.copyfileobj(reader, writer)


def seed_demo(
    n: int,
    *,
    seed: int | None = None,
    progress: Callable[[int], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> DemoReport:
    """Create *n* fake applications with documents, history and search entries.

    :param seed: makes the people, answers and statuses repeatable (storage keys, form
        tokens and, where they would collide with existing rows, references stay random).
    :param progress: called with the number of applications written after each batch.

    Seeds the default call first if it is missing. Commits once per batch; on a failure
    the current batch is rolled back and its files removed, earlier batches stay.
    """
    call, _ = seed_default_call()
    db.session.commit()
    report = DemoReport(call_slug=call.slug)
    # Fake data, not secrets: a seedable generator is the point (storage keys and form
    # tokens come from `secrets`).
    rng = random.Random(seed)  # noqa: S311
    fake = Faker(list(LOCALES))
    fake.seed_instance(seed if seed is not None else rng.getrandbits(32))
    generator = _Generator(rng, fake, call)
    files = _Files(templates=_templates())
    now = utcnow()
    start = now - timedelta(days=365)
    for first in range(0, n, batch_size):
        size = min(batch_size, n - first)
        # Spread over the year in order, so ids grow with created_at as in real life.
        times = [
            start + timedelta(days=365) * ((first + i + rng.random()) / n) for i in range(size)
        ]
        plans = [generator.application(created_at, now) for created_at in times]
        files.created = []
        try:
            report.documents += _write_batch(plans, files)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            for key in files.created:
                delete_stored(key)
            raise
        report.applications += size
        if progress is not None:
            progress(size)
    return report


def _write_batch(plans: list[dict], files: _Files) -> int:
    """Insert one batch of planned applications with everything that belongs to them."""
    begin_write()
    _assign_references(plans)
    ids = db.session.scalars(
        insert(Application).returning(Application.id, sort_by_parameter_order=True),
        [plan["application"] for plan in plans],
    ).all()
    languages, topics, documents, changes, entries = [], [], [], [], []
    for application_id, plan in zip(ids, plans, strict=True):
        row = plan["application"]
        languages += [{"application_id": application_id, **each} for each in plan["languages"]]
        topics += [{"application_id": application_id, "topic": each} for each in plan["topics"]]
        changes += [{"application_id": application_id, **each} for each in plan["history"]]
        texts = []
        for kind, template_name, filename in plan["documents"]:
            template = files.templates[template_name]
            key = files.new_file(template)
            documents.append(
                {
                    "application_id": application_id,
                    "kind": kind.value,
                    "filename": sanitise_filename(filename, template.file_type),
                    "file_type": template.file_type.value,
                    "content_type": CONTENT_TYPES[template.file_type],
                    "size": template.size,
                    "sha256": template.sha256,
                    "storage_key": key,
                    "flags": [],
                    "text": template.text,
                    "created_at": row["created_at"],
                }
            )
            texts.append(SimpleNamespace(text=template.text))
        entries.append(
            {
                "application_id": application_id,
                "body": search_text(SimpleNamespace(**row), texts),
            }
        )
    for model, rows in (
        (ApplicationLanguage, languages),
        (ApplicationTopic, topics),
        (Document, documents),
        (StatusChange, changes),
        (SearchEntry, entries),
    ):
        if rows:
            db.session.execute(insert(model), rows)
    return len(documents)


def _assign_references(plans: list[dict]) -> None:
    """Make every planned reference unique, within the batch and against the table."""
    rng = random.SystemRandom()
    prefix = current_app.config["REFERENCE_PREFIX"]
    pending = [plan["application"] for plan in plans]
    seen: set[str] = set()
    while pending:
        taken = set(
            db.session.scalars(
                select(Application.reference).where(
                    Application.reference.in_([row["reference"] for row in pending])
                )
            )
        )
        retry = []
        for row in pending:
            if row["reference"] in taken or row["reference"] in seen:
                chars = "".join(rng.choice(REFERENCE_ALPHABET) for _ in range(6))
                row["reference"] = f"{prefix}-{chars[:4]}-{chars[4:]}"
                retry.append(row)
            else:
                seen.add(row["reference"])
        pending = retry


class _Generator:
    """Plans one fake application at a time from a seeded random source and Faker."""

    def __init__(self, rng: random.Random, fake: Faker, call) -> None:
        self.rng = rng
        self.fake = fake
        self.call = call
        self.prefix = current_app.config["REFERENCE_PREFIX"]
        self.privacy_version = call.privacy_version or current_app.config["PRIVACY_NOTICE_VERSION"]
        self.region_labels = {region["key"]: region["label"] for region in call.regions}
        self.countries = {region["key"]: region["country"] for region in call.regions}
        self.topic_labels = {topic["key"]: topic["label"] for topic in call.topics}
        self.regions = [key for key in REGION_WEIGHTS if key in self.countries]
        self.region_weights = [REGION_WEIGHTS[key] for key in self.regions]

    def _pick(self, weights: dict):
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def application(self, created_at: datetime, now: datetime) -> dict:
        rng = self.rng
        region = rng.choices(self.regions, weights=self.region_weights)[0]
        locale, dialling_code, cities = REGIONS[region]
        if region == "elsewhere":
            locale = rng.choice(LOCALES)  # the diaspora, and Germans who know the region
        elif rng.random() < 0.08:
            locale = "de_DE"  # Germans and Austrians living in the region
        native_script = locale != "de_DE" and rng.random() < 0.35
        first, last, female = self._name(locale)
        latin_first, latin_last = _latin(first, locale), _latin(last, locale)
        full_name = f"{first} {last}" if native_script else f"{latin_first} {latin_last}"
        latin_city, native_city = rng.choice(cities)
        city = native_city if native_script else latin_city
        language = rng.choices(("de", "en", "ru"), weights=(45, 25, 30))[0]
        topics = rng.sample(list(self.topic_labels), k=rng.choice((1, 1, 2, 2, 3)))
        status = self._pick(STATUS_WEIGHTS)
        documents, typed_letter, sample_url = self._documents(language, latin_last)
        heard_about = rng.choice((*HEARD_ABOUT, None))
        history = self._history(status, created_at, now)
        chars = "".join(rng.choice(REFERENCE_ALPHABET) for _ in range(6))
        application = {
            "call_id": self.call.id,
            "reference": f"{self.prefix}-{chars[:4]}-{chars[4:]}",
            "form_token": f"demo-{secrets.token_urlsafe(24)}",
            "full_name": full_name,
            "name_key": name_key(full_name),
            "email": self._email(latin_first, latin_last),
            "phone": f"{dialling_code} {rng.randint(100, 999)} {rng.randint(100000, 999999)}"
            if rng.random() < 0.7
            else None,
            "country": self.countries[region],
            "region": region,
            "region_other": self._region_other(latin_city, language)
            if region == "elsewhere"
            else None,
            "city": city,
            "cover_letter": self._letter(language, city, region, topics[0], female)
            if typed_letter
            else None,
            "writing_sample_url": sample_url,
            "links": [
                f"https://example.com/{latin_last.lower() or 'author'}/{rng.randint(1, 9999)}"
                for _ in range(rng.choice((0, 0, 1, 2, 3)))
            ],
            "preferred_language": language,
            "heard_about": heard_about,
            "heard_about_other": rng.choice(HEARD_ABOUT_OTHER) if heard_about == "other" else None,
            "consent_at": created_at,
            "privacy_version": self.privacy_version,
            "status": status.value,
            "created_at": created_at,
            # Retention counts from the decision: the time of the last change, if final.
            "decided_at": history[-1]["created_at"] if status in FINAL_STATUSES else None,
        }
        return {
            "application": application,
            "languages": self._languages(region, locale),
            "topics": topics,
            "documents": documents,
            "history": history,
        }

    def _name(self, locale: str) -> tuple[str, str, bool]:
        fake = self.fake[locale]
        female = self.rng.random() < 0.5
        if locale in {"ru_RU", "de_DE", "az_AZ"}:
            if female:
                return fake.first_name_female(), fake.last_name_female(), female
            return fake.first_name_male(), fake.last_name_male(), female
        first = fake.first_name_female() if female else fake.first_name_male()
        return first, fake.last_name(), female

    def _email(self, first: str, last: str) -> str:
        def slug(text: str) -> str:
            # unidecode has no letter for the Azerbaijani schwa; people write "e".
            text = unidecode(text.replace("ə", "e").replace("Ə", "E")).lower()
            return "".join(char for char in text if char.isascii() and char.isalnum())

        user = ".".join(part for part in (slug(first), slug(last)) if part) or "applicant"
        if self.rng.random() < 0.5:
            user += str(self.rng.randint(1, 99))
        return f"{user}@{self.rng.choice(EMAIL_DOMAINS)}"

    def _region_other(self, city: str, language: str) -> str:
        covered = self.rng.choice([key for key in self.regions if key != "elsewhere"])
        label = self.region_labels[covered].get(language) or self.region_labels[covered]["de"]
        text = {
            "de": "Diaspora in {city}, Schwerpunkt {label}",
            "en": "Diaspora in {city}, covering {label}",
            "ru": "Диаспора, {city}; пишу о регионе {label}",
        }
        return text[language].format(city=city, label=label)

    def _letter(self, language: str, city: str, region: str, topic: str, female: bool) -> str:
        rng = self.rng
        label = self.region_labels[region].get(language) or self.region_labels[region]["de"]
        if region == "elsewhere":
            label = {"de": "den Kaukasus", "en": "the Caucasus", "ru": "Кавказ"}[language]
        topic_label = self.topic_labels[topic].get(language) or self.topic_labels[topic]["de"]
        if language != "de" and topic_label[1:2].islower():
            # Mid-sentence in English and Russian ("my focus is energy"), but not "СМИ".
            topic_label = topic_label[0].lower() + topic_label[1:]
        # The first sentence says where the applicant lives; the rest vary.
        first, *others = LETTER_SENTENCES[language]
        sentences = [first, *rng.sample(others, k=rng.randint(2, 4))]
        body = " ".join(
            sentence.format(city=city, region=label, topic=topic_label, years=rng.randint(2, 15))
            for sentence in sentences
        )
        if language == "ru":
            body = body.replace("(а)", "а" if female else "")
        return "\n\n".join([rng.choice(LETTER_OPENINGS[language]), body, LETTER_CLOSINGS[language]])

    def _languages(self, region: str, locale: str) -> list[dict]:
        rng = self.rng
        german = "native" if locale == "de_DE" else self._pick(GERMAN_LEVELS)
        rows = [{"language": "de", "level": german, "position": 0}]
        candidates = REGION_LANGUAGES[region]
        if region == "elsewhere" and locale != "de_DE":
            candidates = [NATIVE_LANGUAGES[locale], *candidates]
        others = [candidates[0], *rng.sample(candidates[1:], k=rng.randint(0, len(candidates) - 1))]
        for position, code in enumerate(dict.fromkeys(others), start=1):
            # The region's first language is the applicant's own; a German learnt them all.
            level = "native" if position == 1 and locale != "de_DE" else self._pick(OTHER_LEVELS)
            rows.append({"language": code, "level": level, "position": position})
        return rows

    def _documents(
        self, language: str, last_name: str
    ) -> tuple[list[tuple[DocumentKind, str, str]], bool, str | None]:
        """Plan (kind, template, filename) per document; say whether the letter is typed."""
        rng = self.rng
        name = last_name or "Bewerbung"
        cv_type = "pdf" if rng.random() < 0.7 else "docx"
        benchmark = rng.random() < BENCHMARK_SHARE
        if benchmark:
            cv = f"cv_benchmark_{cv_type}"
        else:
            cv = rng.choice([key for key in _CV_TEMPLATES if key.endswith(cv_type)])
        cv_name = {"de": f"Lebenslauf {name}", "en": f"CV {name}", "ru": "Резюме"}[language]
        documents = [(DocumentKind.CV, cv, f"{cv_name}.{cv_type}")]
        typed_letter = rng.random() < 0.7
        if not typed_letter:
            letter = {"de": "letter_de_docx", "en": "letter_en_docx", "ru": "letter_ru_txt"}
            letter_name = {"de": "Anschreiben", "en": "Cover letter", "ru": "Письмо"}
            documents.append((DocumentKind.COVER_LETTER, letter[language], letter_name[language]))
        sample_url = None
        if rng.random() < 0.65:
            sample = rng.choice(list(_SAMPLE_TEMPLATES))
            sample_name = {"de": "Arbeitsprobe", "en": "Writing sample", "ru": "Статья"}
            documents.append(
                (DocumentKind.WRITING_SAMPLE, sample, f"{sample_name[language]} {name}")
            )
        else:
            sample_url = f"https://example.org/articles/{rng.randint(1000, 99999)}"
        return documents, typed_letter, sample_url

    def _history(self, status: Status, created_at: datetime, now: datetime) -> list[dict]:
        """Return the status changes that lead from new to *status*, oldest first."""
        path = _path_to(status)
        rows = []
        moment = created_at
        for before, after in zip(path, path[1:], strict=False):
            moment += (now - moment) * self.rng.uniform(0.05, 0.5)
            rows.append(
                {
                    "from_status": before.value,
                    "to_status": after.value,
                    "actor_id": None,
                    "reason": self.rng.choice(list(RejectionReason)).value
                    if after is Status.REJECTED
                    else None,
                    "note": None,
                    "created_at": moment,
                }
            )
        return rows


def _path_to(target: Status) -> list[Status]:
    """Return the shortest way through the transition table from new to *target*."""
    paths = {Status.NEW: [Status.NEW]}
    queue = deque([Status.NEW])
    while queue:
        current = queue.popleft()
        for following in sorted(TRANSITIONS[current]):
            if following not in paths:
                paths[following] = [*paths[current], following]
                queue.append(following)
    return paths[target]


def _latin(text: str, locale: str) -> str:
    """Return *text* in Latin letters as its owner would write it in a German form."""
    if locale == "ka_GE":
        latin = "".join(_GEORGIAN_LATIN.get(char, char) for char in text)
        return latin[:1].upper() + latin[1:]
    if locale in {"de_DE", "az_AZ"}:
        return text
    # unidecode marks aspiration and soft signs with ` and '; people drop them.
    return unidecode(text).replace("`", "").replace("'", "")


# -- template documents ------------------------------------------------------------------------


def text_pdf(lines: list[str], *, lines_per_page: int = 48) -> bytes:
    """Return a PDF with *lines* of text (Helvetica, so Western European characters only)."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
            NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
        }
    )
    pages = [lines[i : i + lines_per_page] for i in range(0, len(lines), lines_per_page)]
    for page_lines in pages or [[]]:
        page = writer.add_blank_page(width=595, height=842)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
        operations = [b"BT /F1 11 Tf 15 TL 56 790 Td"]
        for line in page_lines:
            data = line.encode("cp1252", "replace")
            data = data.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
            operations.append(b"(" + data + b") Tj T*")
        operations.append(b"ET")
        stream = DecodedStreamObject()
        stream.set_data(b"\n".join(operations))
        page.replace_contents(stream)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def text_docx(paragraphs: list[str]) -> bytes:
    """Return a DOCX whose first paragraph is a heading and the rest body text."""
    import docx

    document = docx.Document()
    document.add_heading(paragraphs[0], level=1)
    for paragraph in paragraphs[1:]:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def text_odt(paragraphs: list[str]) -> bytes:
    """Return an ODT whose first paragraph is a heading and the rest body text."""
    from odf.opendocument import OpenDocumentText
    from odf.text import H, P

    document = OpenDocumentText()
    document.text.addElement(H(outlinelevel=1, text=paragraphs[0]))
    for paragraph in paragraphs[1:]:
        document.text.addElement(P(text=paragraph))
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


def text_txt(paragraphs: list[str]) -> bytes:
    """Return UTF-8 text, one paragraph per blank-line-separated block."""
    return ("\n\n".join(paragraphs) + "\n").encode("utf-8")


_CV_TEMPLATES: dict[str, tuple[FileType, Callable[[], bytes]]] = {
    "cv_en_pdf": (FileType.PDF, lambda: text_pdf(CV_EN)),
    "cv_de_pdf": (FileType.PDF, lambda: text_pdf(CV_DE)),
    "cv_en2_pdf": (FileType.PDF, lambda: text_pdf([*CV_EN[:2], *CV_DE[2:]])),
    "cv_ru_docx": (FileType.DOCX, lambda: text_docx(CV_RU)),
    "cv_de_docx": (FileType.DOCX, lambda: text_docx(CV_DE)),
}
_BENCHMARK_TEMPLATES: dict[str, tuple[FileType, Callable[[], bytes]]] = {
    "cv_benchmark_pdf": (FileType.PDF, lambda: text_pdf(CV_EN_BENCHMARK)),
    "cv_benchmark_docx": (FileType.DOCX, lambda: text_docx(CV_DE_BENCHMARK)),
}
_LETTER_TEMPLATES: dict[str, tuple[FileType, Callable[[], bytes]]] = {
    "letter_de_docx": (FileType.DOCX, lambda: text_docx(LETTER_DE)),
    "letter_en_docx": (FileType.DOCX, lambda: text_docx(LETTER_EN)),
    "letter_ru_txt": (FileType.TXT, lambda: text_txt(LETTER_RU)),
}
_SAMPLE_TEMPLATES: dict[str, tuple[FileType, Callable[[], bytes]]] = {
    "sample_de_pdf": (FileType.PDF, lambda: text_pdf(SAMPLE_DE)),
    "sample_en_pdf": (FileType.PDF, lambda: text_pdf(SAMPLE_EN)),
    "sample_de_odt": (FileType.ODT, lambda: text_odt(SAMPLE_DE)),
    "sample_ru_docx": (FileType.DOCX, lambda: text_docx(SAMPLE_RU)),
    "sample_en_txt": (FileType.TXT, lambda: text_txt(SAMPLE_EN)),
}


def _templates() -> dict[str, _Template]:
    return {
        name: _Template(name=name, file_type=file_type, build=build)
        for group in (_CV_TEMPLATES, _BENCHMARK_TEMPLATES, _LETTER_TEMPLATES, _SAMPLE_TEMPLATES)
        for name, (file_type, build) in group.items()
    }
