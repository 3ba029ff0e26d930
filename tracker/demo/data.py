"""The material fake applicants are made of: names, places, languages, weights and texts.

Everything here is plain data (plus `latin`, which writes a name as its owner would in a
German form); `tracker.demo.seed` draws from it with a seeded random source. The benchmark
word ``Anaklia`` (`BENCHMARK_WORD`) appears only in the benchmark CVs, so a search for it
finds about `BENCHMARK_SHARE` of the applications.
"""

from __future__ import annotations

from faker.decode import unidecode

from tracker.enums import Status

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
    "stavropol": (
        "ru_RU",
        "+7",
        [("Stavropol", "Ставрополь"), ("Pyatigorsk", "Пятигорск"), ("Kislovodsk", "Кисловодск")],
    ),
    "krasnodar": ("ru_RU", "+7", [("Krasnodar", "Краснодар"), ("Armavir", "Армавир")]),
    "black_sea_coast": (
        "ru_RU",
        "+7",
        [("Sochi", "Сочи"), ("Novorossiysk", "Новороссийск"), ("Tuapse", "Туапсе")],
    ),
    # Not a region: where the diaspora lives. Its applicants cover one to three regions.
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
    "stavropol": 2,
    "krasnodar": 2,
    "black_sea_coast": 1,
    "elsewhere": 14,
}
# The country a diaspora applicant names, by their city.
DIASPORA_COUNTRIES = {
    "Berlin": "Germany",
    "Hamburg": "Germany",
    "Wien": "Austria",
    "Zürich": "Switzerland",
    "Istanbul": "Türkiye",
    "Prag": "Czech Republic",
    "Warschau": "Poland",
    "Riga": "Latvia",
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
    "stavropol": ["ru", "en"],
    "krasnodar": ["ru", "hy", "en"],
    "black_sea_coast": ["ru", "hy", "en"],
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

GEORGIAN_LATIN = dict(
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

# -- texts of the template documents --------------------------------------------------------------

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


def latin(text: str, locale: str) -> str:
    """Return *text* in Latin letters as its owner would write it in a German form."""
    if locale == "ka_GE":
        latin = "".join(GEORGIAN_LATIN.get(char, char) for char in text)
        return latin[:1].upper() + latin[1:]
    if locale in {"de_DE", "az_AZ"}:
        return text
    # unidecode marks aspiration and soft signs with ` and '; people drop them.
    return unidecode(text).replace("`", "").replace("'", "")
